"""A stand-in for the Dataproc v1 REST API: cluster jobs (jobs:submit, jobs.get, jobs:cancel)
and Serverless batches (batches create/get, operations:cancel). Both really run the PySpark
main file with its args in a subprocess, with the ``pythonFileUris`` wheel (the code artifact)
on the path like Spark's py-files; a job whose code is not in it is refused (400)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fake_engine import FakeRun, Refused, Request, Response, Runs, serve

_STATES = {
    "PENDING": "PENDING",
    "RUNNING": "RUNNING",
    "SUCCEEDED": "DONE",
    "FAILED": "ERROR",
    "CANCELLED": "CANCELLED",
}
_BATCH_STATES = {
    "PENDING": "PENDING",
    "RUNNING": "RUNNING",
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "CANCELLED": "CANCELLED",
}
JOB_PATH = re.compile(r"^/v1/projects/([^/]+)/regions/([^/]+)/jobs(?:/([^/:]+))?(?::(\w+))?$")
BATCH_PATH = re.compile(r"^/v1/projects/([^/]+)/locations/([^/]+)/batches(?:/([^/:]+))?$")
OPERATION_PATH = re.compile(r"^/v1/(projects/[^/]+/regions/[^/]+/operations/([^/:]+)):cancel$")


@dataclass
class FakeDataproc:
    url: str
    runs: Runs
    jobs: dict[str, tuple[dict[str, Any], FakeRun]] = field(default_factory=dict)
    #: batch id -> (batch as created, its run, its operation name)
    batches: dict[str, tuple[dict[str, Any], FakeRun, str]] = field(default_factory=dict)


def _refused(exc: Refused) -> Response:
    return Response(
        400, {"error": {"code": 400, "message": str(exc), "status": "INVALID_ARGUMENT"}}
    )


def _start(fake: FakeDataproc, spark: dict[str, Any]) -> int:
    args = spark.get("args", [])
    py_files = spark.get("pythonFileUris") or []
    return fake.runs.start(
        spark["mainPythonFileUri"], args, py_files[0] if py_files else None, args[0]
    )


def make_app(state: list[FakeDataproc]) -> Any:
    def render(job: dict[str, Any], run: FakeRun) -> dict[str, Any]:
        status: dict[str, Any] = {"state": _STATES[run.state]}
        if status["state"] == "ERROR":
            status["details"] = run.error
        return {**job, "status": status}

    def render_batch(name: str, batch: dict[str, Any], run: FakeRun, op: str) -> dict[str, Any]:
        out = {**batch, "name": name, "operation": op, "state": _BATCH_STATES[run.state]}
        if out["state"] == "FAILED":
            out["stateMessage"] = run.error
        return out

    def batches(req: Request, match: re.Match[str]) -> Response:
        fake = state[0]
        project, location, batch_id = match.groups()
        parent = f"projects/{project}/locations/{location}"
        if req.method == "POST" and batch_id is None:
            batch_id = req.query["batchId"]
            batch = req.body
            try:
                run_id = _start(fake, batch["pysparkBatch"])
            except Refused as exc:
                return _refused(exc)
            op = f"projects/{project}/regions/{location}/operations/op-{batch_id}"
            fake.batches[batch_id] = (batch, fake.runs.runs[run_id], op)
            return Response(200, {"name": op, "done": False})
        if batch_id not in fake.batches:
            return Response(404, {"error": {"code": 404, "message": f"Batch {batch_id} not found"}})
        batch, run, op = fake.batches[batch_id]
        return Response(200, render_batch(f"{parent}/batches/{batch_id}", batch, run, op))

    def app(req: Request) -> Response:
        fake = state[0]
        batch_match = BATCH_PATH.match(req.path)
        if batch_match is not None:
            return batches(req, batch_match)
        op_match = OPERATION_PATH.match(req.path)
        if op_match is not None and req.method == "POST":
            for _batch, run, op in fake.batches.values():
                if op == op_match.group(1):
                    run.cancel()
                    return Response(200, {})
            return Response(404, {"error": {"code": 404, "message": "operation not found"}})
        match = JOB_PATH.match(req.path)
        if match is None:
            return Response(404, {"error": {"code": 404, "message": "not found"}})
        _project, _region, job_id, verb = match.groups()
        if job_id is None and verb == "submit":
            job = req.body["job"]
            try:
                run_id = _start(fake, job["pysparkJob"])
            except Refused as exc:
                return _refused(exc)
            job_id = job.get("reference", {}).get("jobId") or f"job-{run_id}"
            job["reference"] = {**job.get("reference", {}), "jobId": job_id}
            fake.jobs[job_id] = (job, fake.runs.runs[run_id])
            return Response(200, render(*fake.jobs[job_id]))
        if job_id not in fake.jobs:
            return Response(404, {"error": {"code": 404, "message": f"Job {job_id} not found"}})
        job, run = fake.jobs[job_id]
        if verb == "cancel":
            run.cancel()
        return Response(200, render(job, run))

    return app


@contextlib.contextmanager
def fake_dataproc(env: dict[str, str] | None = None) -> Iterator[FakeDataproc]:
    runs = Runs(env, mode="pyfiles")
    state: list[FakeDataproc] = []
    try:
        with serve(make_app(state)) as url:
            state.append(FakeDataproc(url, runs))
            yield state[0]
    finally:
        runs.stop_all()
