"""Stand-ins for Lambda's Invoke API, Azure Functions HTTP triggers (function keys) and Cloud
Functions HTTPS triggers (Google ID tokens, with a token endpoint for service-account keys).
Each call really runs the handler in a subprocess (``glacier.local.function_runner``), from
this checkout or, for a function given a deployment package, from that package alone."""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from fake_engine import Request, Response, child_env, serve

AZURE_KEY = "azure-function-key"


def run_handler(
    ref: str, payload: Any, request_id: str, package: str | None = None
) -> dict[str, Any]:
    """Run a handler like a function host would; returns the runner's envelope. With
    ``package`` (an unzipped deployment package) the process sees only that folder and the
    standard library (``python -S``), like Lambda running the zip; else this checkout."""
    env = {"GLACIER_REQUEST_ID": request_id}
    command = [sys.executable, "-m", "glacier.local.function_runner", ref]
    if package is not None:
        command.insert(1, "-S")
    proc = subprocess.run(
        command,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=child_env(env, package),
        check=False,
        timeout=120,
    )
    if not proc.stdout:
        return {"ok": False, "error": proc.stderr[-2000:], "type": "HostError"}
    return dict(json.loads(proc.stdout))


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@dataclass
class FakeFunctions:
    url: str
    #: function name → handler ref ("module:function")
    handlers: dict[str, str]
    #: function name → its unzipped deployment package (run from it alone)
    packages: dict[str, str] = field(default_factory=dict)
    issued_tokens: set[str] = field(default_factory=set)
    calls: list[tuple[str, str]] = field(default_factory=list)


def make_app(state: list[FakeFunctions]) -> Any:
    def call(name: str, payload: Any) -> tuple[str, dict[str, Any]] | None:
        fake = state[0]
        ref = fake.handlers.get(name)
        if ref is None:
            return None
        rid = str(uuid.uuid4())
        return rid, run_handler(ref, payload, rid, fake.packages.get(name))

    def app(req: Request) -> Response:
        fake = state[0]
        parts = req.path.strip("/").split("/")
        # -- AWS Lambda Invoke ----------------------------------------------------------
        if req.path.startswith("/2015-03-31/functions/") and parts[-1] == "invocations":
            fake.calls.append(("lambda", parts[2]))
            done = call(parts[2], req.body)
            if done is None:
                return Response(
                    404,
                    {"Type": "User", "Message": f"Function not found: {parts[2]}"},
                    {
                        "x-amzn-RequestId": "missing-1",
                        "x-amzn-ErrorType": "ResourceNotFoundException",
                    },
                )
            rid, env = done
            headers = {"x-amzn-RequestId": rid, "X-Amz-Executed-Version": "$LATEST"}
            if env["ok"]:
                return Response(200, env["result"], headers)
            error = {"errorMessage": env["error"], "errorType": env["type"], "stackTrace": []}
            return Response(200, error, {**headers, "X-Amz-Function-Error": "Unhandled"})
        # -- Azure Functions HTTP trigger -----------------------------------------------
        if req.path.startswith("/api/"):
            fake.calls.append(("azure", parts[1]))
            if req.headers.get("x-functions-key") != AZURE_KEY:
                return Response(401, b"", {})
            done = call(parts[1], req.body)
            if done is None:
                return Response(404, b"", {})
            rid, env = done
            headers = {"x-ms-invocation-id": rid}
            if env["ok"]:
                return Response(200, env["result"], headers)
            return Response(500, {"error": env["error"], "type": env["type"]}, headers)
        # -- Google token endpoint (service-account JWT grant → ID token) ---------------
        if req.path == "/token":
            form = {k: v[0] for k, v in parse_qs(req.raw.decode()).items()}
            claims = json.loads(base64.urlsafe_b64decode(form["assertion"].split(".")[1] + "=="))
            now = int(time.time())
            token = ".".join(
                [
                    _b64({"alg": "RS256", "typ": "JWT"}),
                    _b64({"aud": claims["target_audience"], "iat": now, "exp": now + 3600}),
                    "c2ln",
                ]
            )
            fake.issued_tokens.add(token)
            return Response(200, {"id_token": token})
        # -- Cloud Functions HTTPS trigger ----------------------------------------------
        if req.path.startswith("/gcp/"):
            fake.calls.append(("gcp", parts[1]))
            bearer = req.headers.get("authorization", "").removeprefix("Bearer ")
            if bearer not in fake.issued_tokens:
                return Response(403, b"Forbidden: ID token required", {})
            done = call(parts[1], req.body)
            if done is None:
                return Response(404, b"", {})
            rid, env = done
            headers = {"function-execution-id": rid}
            if env["ok"]:
                return Response(200, env["result"], headers)
            return Response(500, {"error": env["error"], "type": env["type"]}, headers)
        return Response(404, {"message": f"{req.method} {req.path} not implemented"})

    return app


@contextlib.contextmanager
def fake_functions(
    handlers: dict[str, str], packages: dict[str, str] | None = None
) -> Iterator[FakeFunctions]:
    state: list[FakeFunctions] = []
    with serve(make_app(state)) as url:
        state.append(FakeFunctions(url, handlers, dict(packages or {})))
        yield state[0]
