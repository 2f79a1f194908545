"""Runs one serverless handler call in a fresh process: JSON payload on stdin, envelope on
stdout (the handler's own prints go to stderr).

    python -m glacier.local.function_runner module:function   < payload.json
"""

from __future__ import annotations

import inspect
import json
import os
import sys
import traceback
import uuid
from dataclasses import dataclass

from glacier.jobs.refs import resolve_ref


@dataclass(frozen=True)
class Context:
    """Passed as the second argument to handlers that take two (Lambda-style)."""

    request_id: str
    function_name: str


def main() -> int:
    ref = sys.argv[1]
    request_id = os.environ.get("GLACIER_REQUEST_ID") or uuid.uuid4().hex
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # handler prints must not corrupt the envelope
    try:
        payload = json.loads(sys.stdin.read() or "{}")
        handler = resolve_ref(ref)
        params = inspect.signature(handler).parameters
        context = Context(request_id, os.environ.get("GLACIER_FUNCTION_NAME", ref))
        result = handler(payload, context) if len(params) >= 2 else handler(payload)
        envelope = {"ok": True, "result": result, "request_id": request_id}
        text = json.dumps(envelope)
    except Exception as exc:
        text = json.dumps(
            {
                "ok": False,
                "error": str(exc),
                "type": type(exc).__name__,
                "traceback": traceback.format_exc(),
                "request_id": request_id,
            }
        )
    out.write(text)
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
