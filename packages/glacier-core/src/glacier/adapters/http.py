"""Decoding HTTP-triggered function responses (Azure Functions, Cloud Functions, ...)."""

from __future__ import annotations

from typing import Any

from glacier.errors import FunctionInvocationError


def http_result(label: str, response: Any, id_headers: tuple[str, ...]) -> Any:
    """Decode an HTTP trigger's response (a ``requests.Response``-like object); a non-2xx
    status raises FunctionInvocationError with the remote error text and the request id
    taken from the first of ``id_headers`` present."""
    rid = next((response.headers[h] for h in id_headers if h in response.headers), None)
    if response.ok:
        return response.json() if response.content else None
    remote_type = None
    message = response.text.strip()[-2000:]
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        message = str(data.get("error") or data.get("errorMessage") or data.get("message") or data)
        remote_type = data.get("type") or data.get("errorType")
    prefix = f"{remote_type}: " if remote_type else ""
    raise FunctionInvocationError(
        f"{label} failed (HTTP {response.status_code}, request {rid}): {prefix}{message}",
        request_id=rid,
        remote_type=remote_type,
    )
