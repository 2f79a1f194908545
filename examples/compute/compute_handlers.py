"""Handlers deployed as serverless functions: plain Python, importable by path.

The compiler copies this module into each function's code package (``build/<name>/``) next
to a generated cloud entry (``glacier_handler.py`` on Lambda, ``function_app.py`` on Azure,
``main.py`` on GCP) that imports it by reference.
"""

from __future__ import annotations

from typing import Any


def score(event: dict[str, Any]) -> dict[str, Any]:
    """Score a batch of order amounts: count, total and the share above a threshold."""
    amounts = [float(a) for a in event.get("amounts", [])]
    threshold = float(event.get("threshold", 100))
    large = [a for a in amounts if a > threshold]
    return {
        "count": len(amounts),
        "total": sum(amounts),
        "large_share": len(large) / len(amounts) if amounts else 0.0,
    }


def score_with_context(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda-style handler taking the invocation context too."""
    result = score(event)
    result["request_id"] = getattr(context, "aws_request_id", None)
    return result
