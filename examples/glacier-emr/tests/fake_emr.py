"""A stand-in for the EMR API subset EmrAdapter calls (AddJobFlowSteps, DescribeStep,
CancelSteps; JSON 1.1). Steps really run: ``spark-submit [flags] ENTRY SPEC`` is executed as
``python ENTRY SPEC`` in a subprocess (there is no Spark here; the engine's Python entry point
is what is exercised), with the step's ``--py-files`` wheel (the code artifact) as the only
PYTHONPATH, like Spark; a step whose code is not in it is refused. moto implements
AddJobFlowSteps/DescribeStep but never runs steps and has no CancelSteps, hence this server
for the contract suite."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from glacier.spark.package import local_path, python_error
from glacier.testing.artifacts import EngineRefused, install_artifact


class Step:
    def __init__(self, args: list[str]) -> None:
        entry, spec = args[-2], args[-1]
        py_files = args[args.index("--py-files") + 1] if "--py-files" in args else None
        pythonpath = install_artifact(py_files, spec, mode="pyfiles")  # raises EngineRefused
        self.log = Path(tempfile.mkdtemp(prefix="fake-emr-")) / "stderr"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, local_path(entry) or entry, spec],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONPATH": pythonpath},
            )
        self.cancelled = False

    def status(self) -> dict[str, Any]:
        code = self.proc.poll()
        if code is None:
            return {"State": "RUNNING"}
        if self.cancelled:
            return {"State": "CANCELLED"}
        if code == 0:
            return {"State": "COMPLETED"}
        text = python_error(self.log.read_text(errors="replace"))
        return {
            "State": "FAILED",
            "FailureDetails": {
                "Reason": text.splitlines()[-1],
                "Message": text,
                "LogFile": self.log.as_uri(),
            },
        }


class FakeEmr:
    def __init__(self) -> None:
        self.steps: dict[str, Step] = {}
        self.requests: list[dict[str, Any]] = []
        self.url = ""

    def handle(self, action: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if action == "AddJobFlowSteps":
            self.requests.append(body)
            ids = []
            for step in body["Steps"]:
                sid = f"s-{len(self.steps) + 1:06d}"
                try:
                    self.steps[sid] = Step(step["HadoopJarStep"]["Args"])
                except EngineRefused as exc:
                    return 400, {"__type": "ValidationException", "Message": str(exc)}
                ids.append(sid)
            return 200, {"StepIds": ids}
        step = self.steps.get(body.get("StepId") or (body.get("StepIds") or [""])[0])
        if step is None:
            return 400, {"__type": "InvalidRequestException", "Message": "no such step"}
        if action == "DescribeStep":
            return 200, {"Step": {"Id": body["StepId"], "Name": "glacier", "Status": step.status()}}
        if action == "CancelSteps":
            if step.proc.poll() is None:
                step.cancelled = True
                step.proc.terminate()
                step.proc.wait(timeout=10)
            return 200, {
                "CancelStepsInfoList": [{"StepId": body["StepIds"][0], "Status": "SUBMITTED"}]
            }
        return 400, {"__type": "ValidationException", "Message": f"{action} not implemented"}

    def stop(self) -> None:
        for step in self.steps.values():
            if step.proc.poll() is None:
                step.proc.kill()


@contextlib.contextmanager
def fake_emr() -> Iterator[FakeEmr]:
    fake = FakeEmr()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            action = self.headers.get("X-Amz-Target", "").split(".")[-1]
            status, body = fake.handle(action, json.loads(raw or b"{}"))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        fake.stop()
