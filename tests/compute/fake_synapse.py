"""A stand-in for the Synapse Spark batch (Livy) API: create, get, delete. Batches really run
the batch's file with its args in a subprocess, with the batch's ``pyFiles`` wheel (the code
artifact) on the path; a batch whose code is not in it is refused (400)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fake_engine import Refused, Request, Response, Runs, serve

TOKEN = "synapse-token"
_STATES = {
    "PENDING": ("not_started", "Uncertain"),
    "RUNNING": ("running", "Uncertain"),
    "SUCCEEDED": ("success", "Succeeded"),
    "FAILED": ("dead", "Failed"),
    "CANCELLED": ("killed", "Cancelled"),
}
BATCH = re.compile(r"^/livyApi/versions/[^/]+/sparkPools/([^/]+)/batches(?:/(\d+))?$")


@dataclass
class FakeSynapse:
    url: str
    runs: Runs


def make_app(runs: Runs) -> Any:
    def app(req: Request) -> Response:
        if req.headers.get("authorization") != f"Bearer {TOKEN}":
            return Response(401, {"code": "Unauthorized"})
        match = BATCH.match(req.path)
        if match is None:
            return Response(404, {"code": "NotFound"})
        _pool, batch_id = match.groups()
        if req.method == "POST" and batch_id is None:
            runs.requests.append(req.body)
            args = req.body.get("args", [])
            py_files = req.body.get("pyFiles") or []
            try:
                new_id = runs.start(
                    req.body["file"], args, py_files[0] if py_files else None, args[0]
                )
            except Refused as exc:
                return Response(400, {"code": "BadRequest", "message": str(exc)})
            return Response(200, {"id": new_id, "state": "not_started"})
        run = runs.runs.get(int(batch_id or 0))
        if run is None:
            return Response(404, {"code": "NotFound"})
        if req.method == "DELETE":
            run.cancel()
            return Response(200, {"msg": "deleted"})
        state, result = _STATES[run.state]
        out: dict[str, Any] = {"id": int(batch_id or 0), "state": state, "result": result}
        if state == "dead":
            out["errors"] = [{"message": run.error, "source": "User"}]
        return Response(200, out)

    return app


@contextlib.contextmanager
def fake_synapse() -> Iterator[FakeSynapse]:
    runs = Runs(mode="pyfiles")
    try:
        with serve(make_app(runs)) as url:
            yield FakeSynapse(url, runs)
    finally:
        runs.stop_all()
