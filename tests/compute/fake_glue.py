"""A stand-in for the AWS Glue API (JSON 1.1 protocol, the subset GlueAdapter calls):
CreateJob, UpdateJob, StartJobRun, GetJobRun, BatchStopJobRun. Job runs really execute the
job's script with its arguments in a subprocess, after installing the wheel named in
``--additional-python-modules`` (pip-style; other entries are PyPI names, taken as present);
a run whose code is not in it is refused (InvalidInputException). (moto's Glue never runs the script and does
not implement BatchStopJobRun, so it cannot exercise the adapter end to end.)"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fake_engine import Refused, Request, Response, Runs, serve

_STATES = {
    "PENDING": "STARTING",
    "RUNNING": "RUNNING",
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "CANCELLED": "STOPPED",
}


@dataclass
class FakeGlue:
    url: str
    runs: Runs
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Every action called, in order (CreateJob, StartJobRun, ...).
    actions: list[str] = field(default_factory=list)


def _error(kind: str, message: str) -> Response:
    return Response(400, {"__type": kind, "message": message})


def make_app(state: list[FakeGlue]) -> Any:
    def app(req: Request) -> Response:
        fake = state[0]
        action = req.headers.get("x-amz-target", "").removeprefix("AWSGlue.")
        body = req.body or {}
        fake.actions.append(action)
        if action == "CreateJob":
            if body["Name"] in fake.jobs:
                return _error("AlreadyExistsException", f"Job {body['Name']} already exists")
            fake.jobs[body["Name"]] = body
            return Response(200, {"Name": body["Name"]})
        if action == "UpdateJob":
            fake.jobs[body["JobName"]] = {"Name": body["JobName"], **body["JobUpdate"]}
            return Response(200, {"JobName": body["JobName"]})
        if action == "StartJobRun":
            job = fake.jobs.get(body["JobName"])
            if job is None:
                return _error("EntityNotFoundException", f"Job {body['JobName']} not found")
            args = {**job.get("DefaultArguments", {}), **body.get("Arguments", {})}
            argv = ["--JOB_NAME", body["JobName"]]
            for key, value in args.items():
                argv += [key, value]
            modules = args.get("--additional-python-modules", "").split(",")
            wheels = [m for m in modules if m.endswith(".whl")]
            try:
                run_id = fake.runs.start(
                    job["Command"]["ScriptLocation"],
                    argv,
                    wheels[0] if wheels else None,
                    args.get("--glacier-spec", ""),
                )
            except Refused as exc:
                return _error("InvalidInputException", str(exc))
            return Response(200, {"JobRunId": f"jr_{run_id}"})
        if action == "GetJobRun":
            run = fake.runs.runs.get(int(body["RunId"].removeprefix("jr_")))
            if run is None:
                return _error("EntityNotFoundException", "run not found")
            out: dict[str, Any] = {
                "Id": body["RunId"],
                "JobName": body["JobName"],
                "JobRunState": _STATES[run.state],
            }
            if out["JobRunState"] == "FAILED":
                out["ErrorMessage"] = run.error
            return Response(200, {"JobRun": out})
        if action == "BatchStopJobRun":
            done = []
            for rid in body["JobRunIds"]:
                fake.runs.runs[int(rid.removeprefix("jr_"))].cancel()
                done.append({"JobName": body["JobName"], "JobRunId": rid})
            return Response(200, {"SuccessfulSubmissions": done, "Errors": []})
        return _error("InvalidInputException", f"{action} not implemented by the fake")

    return app


@contextlib.contextmanager
def fake_glue() -> Iterator[FakeGlue]:
    runs = Runs()
    state: list[FakeGlue] = []
    try:
        with serve(make_app(state)) as url:
            state.append(FakeGlue(url, runs))
            yield state[0]
    finally:
        runs.stop_all()
