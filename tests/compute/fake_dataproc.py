"""A stand-in for the Dataproc v1 REST API (jobs:submit, jobs.get, jobs:cancel) that really
runs the PySpark job's main file with its args in a subprocess."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fake_engine import FakeRun, Request, Response, Runs, serve

_STATES = {
    "PENDING": "PENDING",
    "RUNNING": "RUNNING",
    "SUCCEEDED": "DONE",
    "FAILED": "ERROR",
    "CANCELLED": "CANCELLED",
}
JOB_PATH = re.compile(r"^/v1/projects/([^/]+)/regions/([^/]+)/jobs(?:/([^/:]+))?(?::(\w+))?$")


@dataclass
class FakeDataproc:
    url: str
    runs: Runs
    jobs: dict[str, tuple[dict[str, Any], FakeRun]] = field(default_factory=dict)


def make_app(state: list[FakeDataproc]) -> Any:
    def render(job: dict[str, Any], run: FakeRun) -> dict[str, Any]:
        status: dict[str, Any] = {"state": _STATES[run.state]}
        if status["state"] == "ERROR":
            status["details"] = run.error
        return {**job, "status": status}

    def app(req: Request) -> Response:
        fake = state[0]
        match = JOB_PATH.match(req.path)
        if match is None:
            return Response(404, {"error": {"code": 404, "message": "not found"}})
        _project, _region, job_id, verb = match.groups()
        if job_id is None and verb == "submit":
            job = req.body["job"]
            spark = job["pysparkJob"]
            run_id = fake.runs.start(spark["mainPythonFileUri"], spark.get("args", []))
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
def fake_dataproc() -> Iterator[FakeDataproc]:
    runs = Runs()
    state: list[FakeDataproc] = []
    try:
        with serve(make_app(state)) as url:
            state.append(FakeDataproc(url, runs))
            yield state[0]
    finally:
        runs.stop_all()
