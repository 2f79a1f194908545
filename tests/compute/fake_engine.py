"""Building blocks of the local stand-ins for cloud engines: a JSON HTTP server and a table of
job runs that REALLY execute the submitted entry script (or handler) in a subprocess.

Like a real engine, a fake installs the job's code artifact (the wheel the adapter passes the
engine's way: a Databricks ``whl`` library, Glue ``--additional-python-modules``, Dataproc
``pythonFileUris``, Synapse ``pyFiles``, EMR ``--py-files``) before it runs anything:
``pip``-style engines extract it into a folder, ``--py-files``-style engines put the wheel
itself on the path (:func:`glacier.testing.artifacts.install_artifact`). The run's subprocess
gets ONLY that on ``PYTHONPATH`` (never this checkout's test folders), so a task can only run
from the artifact. At submission the fake REFUSES (``Refused``) a job that brings no artifact,
whose artifact is not a Glacier artifact or not the one its spec names, or whose task module
is not in it."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from glacier.jobs.refs import subprocess_pythonpath
from glacier.spark.package import local_path, python_error
from glacier.testing.artifacts import EngineRefused as Refused

__all__ = ["Refused"]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw: bytes


@dataclass
class Response:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


App = Callable[[Request], Response]


@contextlib.contextmanager
def serve(app: App) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1; yield the base URL (``http://127.0.0.1:PORT``)."""

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            req = Request(
                self.command,
                url.path,
                {k: v[0] for k, v in parse_qs(url.query).items()},
                {k.lower(): v for k, v in self.headers.items()},
                body,
                raw,
            )
            resp = app(req)
            data = resp.body if isinstance(resp.body, bytes) else json.dumps(resp.body).encode()
            self.send_response(resp.status)
            headers = {"Content-Type": "application/json", **resp.headers}
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def child_env(extra: dict[str, str] | None = None, pythonpath: str | None = None) -> dict[str, str]:
    """Environment of an engine's subprocess: ``pythonpath`` (the installed artifact), or
    this process's importable path for engines that install no code (function hosts)."""
    path = pythonpath if pythonpath is not None else subprocess_pythonpath()
    return {**os.environ, **(extra or {}), "PYTHONPATH": path}


def install_artifact(
    artifact_uri: str | None, spec_uri: str, env: dict[str, str] | None, mode: str
) -> str:
    """See :func:`glacier.testing.artifacts.install_artifact`."""
    from glacier.testing.artifacts import install_artifact as install

    return install(artifact_uri, spec_uri, env, mode)


#: How a run starts a script on remote storage (``s3://``, ``abfs://``, ...): like an engine
#: fetching its python file, the child downloads it with fsspec (credentials from its own
#: environment only) and runs it as ``__main__`` with the remaining arguments.
_FETCH_AND_RUN = """
import os, runpy, sys, tempfile
import fsspec
uri = sys.argv[1]
local = os.path.join(tempfile.mkdtemp(prefix="fake-engine-script-"), uri.rsplit("/", 1)[-1])
with fsspec.open(uri, "rb") as src, open(local, "wb") as dst:
    dst.write(src.read())
sys.argv = [local, *sys.argv[2:]]
runpy.run_path(local, run_name="__main__")
"""


class FakeRun:
    """One job run: ``python <entry script> <args...>`` in a subprocess. A script on remote
    storage is fetched by the child itself; ``env`` is added to the child's environment (the
    engine's credentials: a job package never carries secrets)."""

    def __init__(
        self,
        script_uri: str,
        args: list[str],
        pending_polls: int = 1,
        env: dict[str, str] | None = None,
        pythonpath: str | None = None,
    ) -> None:
        script = local_path(script_uri)
        command = [script] if script is not None else ["-c", _FETCH_AND_RUN, script_uri]
        self.log = Path(tempfile.mkdtemp(prefix="fake-engine-")) / "driver.log"
        self.pythonpath = pythonpath
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, *command, *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=child_env(env, pythonpath),
            )
        self.cancelled = False
        self.pending_polls = pending_polls

    @property
    def state(self) -> str:
        """PENDING (first poll), RUNNING, SUCCEEDED, FAILED or CANCELLED."""
        if self.pending_polls > 0:
            self.pending_polls -= 1
            return "PENDING"
        code = self.proc.poll()
        if code is None:
            return "RUNNING"
        if self.cancelled:
            return "CANCELLED"
        return "SUCCEEDED" if code == 0 else "FAILED"

    def cancel(self) -> None:
        if self.proc.poll() is None:
            self.cancelled = True
            self.proc.terminate()
            self.proc.wait(timeout=10)

    @property
    def error(self) -> str:
        text = self.log.read_text(errors="replace")
        return python_error(text) if self.proc.poll() not in (None, 0) else ""

    @property
    def last_error_line(self) -> str:
        lines = self.error.strip().splitlines()
        return lines[-1] if lines else ""


class Runs:
    """Job runs by integer id, shared by a fake server's handlers. ``mode``: how this engine
    installs artifacts (``pip`` or ``pyfiles``)."""

    def __init__(self, env: dict[str, str] | None = None, mode: str = "pip") -> None:
        self.runs: dict[int, FakeRun] = {}
        self.requests: list[Any] = []
        self.refused: list[str] = []
        self.env = env
        self.mode = mode
        self._next = 100
        self._lock = threading.Lock()

    def start(self, script_uri: str, args: list[str], artifact: str | None, spec_uri: str) -> int:
        """Install ``artifact`` and start the run; raises :class:`Refused`."""
        try:
            pythonpath = install_artifact(artifact, spec_uri, self.env, self.mode)
        except Refused as exc:
            self.refused.append(str(exc))
            raise
        run = FakeRun(script_uri, args, env=self.env, pythonpath=pythonpath)
        with self._lock:
            self._next += 1
            self.runs[self._next] = run
            return self._next

    def stop_all(self) -> None:
        for run in self.runs.values():
            run.cancel()
