"""Local serverless: each call runs the handler in a fresh subprocess, JSON in, JSON out,
as a cloud function would (no shared state between calls)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from typing import Any

from glacier.adapters.base import ServerlessAdapter
from glacier.errors import FunctionInvocationError
from glacier.jobs.refs import subprocess_pythonpath
from glacier.local.compute_config import LocalFunctionConfig


class LocalServerlessAdapter(ServerlessAdapter):
    """Invokes ``module:function`` in ``python -m glacier.local.function_runner``."""

    @property
    def settings(self) -> LocalFunctionConfig:
        config = self.resource.config
        return config if isinstance(config, LocalFunctionConfig) else LocalFunctionConfig()

    def invoke(self, payload: dict[str, Any]) -> Any:
        try:
            body = json.dumps(payload)
        except TypeError as exc:
            raise FunctionInvocationError(
                f"Payload for {self.resource.function_name!r} is not JSON-serialisable: {exc}"
            ) from exc
        request_id = uuid.uuid4().hex
        env = {
            **os.environ,
            **self.settings.environment,
            "GLACIER_REQUEST_ID": request_id,
            "GLACIER_FUNCTION_NAME": self.resource.function_name,
            "PYTHONPATH": subprocess_pythonpath(),
        }
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "glacier.local.function_runner", self.resource.handler_ref],
                input=body,
                capture_output=True,
                text=True,
                env=env,
                timeout=self.settings.timeout_seconds,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise FunctionInvocationError(
                f"Function {self.resource.function_name!r} timed out after "
                f"{self.settings.timeout_seconds}s (request {request_id})",
                request_id=request_id,
            ) from exc
        try:
            envelope = json.loads(proc.stdout)
        except json.JSONDecodeError as exc:
            raise FunctionInvocationError(
                f"Function {self.resource.function_name!r} crashed (exit {proc.returncode}, "
                f"request {request_id}): {proc.stderr.strip()[-2000:]}",
                request_id=request_id,
            ) from exc
        if not envelope.get("ok"):
            raise FunctionInvocationError(
                f"Function {self.resource.function_name!r} failed (request {request_id}): "
                f"{envelope.get('type')}: {envelope.get('error')}",
                request_id=request_id,
                remote_type=envelope.get("type"),
            )
        return envelope.get("result")

    def deploy(self) -> None:
        """Nothing to deploy locally; check that the handler imports in a subprocess."""
        code = "import sys; from glacier.jobs.refs import resolve_ref; resolve_ref(sys.argv[1])"
        proc = subprocess.run(
            [sys.executable, "-c", code, self.resource.handler_ref],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": subprocess_pythonpath()},
            check=False,
        )
        if proc.returncode != 0:
            raise FunctionInvocationError(
                f"Handler {self.resource.handler_ref!r} of {self.resource.function_name!r} "
                f"does not import: {proc.stderr.strip()[-2000:]}"
            )
