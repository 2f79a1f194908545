"""A stand-in Databricks workspace: the Jobs API 2.2 subset databricks-sdk calls for
runs/submit, runs/get, runs/get-output and runs/cancel. Submitted spark_python_tasks really run
(``python <python_file> <parameters...>``) in a subprocess, after the task's ``whl`` library
(the code artifact) is installed for it (pip-style); a run whose code is not in it is refused
(400 INVALID_PARAMETER_VALUE)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from fake_engine import Refused, Request, Response, Runs, serve

TOKEN = "dapi-test"

_STATES = {
    "PENDING": ("PENDING", None),
    "RUNNING": ("RUNNING", None),
    "SUCCEEDED": ("TERMINATED", "SUCCESS"),
    "FAILED": ("TERMINATED", "FAILED"),
    "CANCELLED": ("TERMINATED", "CANCELED"),
}


@dataclass
class FakeDatabricks:
    url: str
    runs: Runs


def _not_found(what: str) -> Response:
    return Response(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": what})


def make_app(runs: Runs, base: list[str]) -> object:
    def app(req: Request) -> Response:
        if req.path == "/.well-known/databricks-config":
            return Response(200, {})
        if req.headers.get("authorization") != f"Bearer {TOKEN}":
            return Response(401, {"error_code": "UNAUTHENTICATED", "message": "bad token"})
        if req.method == "POST" and req.path == "/api/2.2/jobs/runs/submit":
            runs.requests.append(req.body)
            spec = req.body["tasks"][0]
            task = spec["spark_python_task"]
            wheels = [lib["whl"] for lib in spec.get("libraries") or [] if "whl" in lib]
            params = task.get("parameters", [])
            try:
                run_id = runs.start(
                    task["python_file"], params, wheels[0] if wheels else None, params[0]
                )
            except Refused as exc:
                return Response(400, {"error_code": "INVALID_PARAMETER_VALUE", "message": str(exc)})
            return Response(200, {"run_id": run_id})
        if req.method == "GET" and req.path == "/api/2.2/jobs/runs/get":
            run_id = int(req.query["run_id"])
            run = runs.runs.get(run_id)
            if run is None:
                return _not_found(f"Run {run_id} does not exist.")
            life, result = _STATES[run.state]
            state = {"life_cycle_state": life, "state_message": ""}
            if result:
                state["result_state"] = result
            if result == "FAILED":
                state["state_message"] = "Workload failed, see run output for details"
            return Response(
                200,
                {
                    "run_id": run_id,
                    "run_page_url": f"{base[0]}/#job/runs/{run_id}",
                    "state": state,
                    "tasks": [{"run_id": run_id * 10, "task_key": "glacier", "state": state}],
                },
            )
        if req.method == "GET" and req.path == "/api/2.2/jobs/runs/get-output":
            task_run = int(req.query["run_id"])
            run = runs.runs.get(task_run // 10)
            if run is None:
                return _not_found(f"Run {task_run} does not exist.")
            return Response(200, {"error": run.last_error_line, "error_trace": run.error})
        if req.method == "POST" and req.path == "/api/2.2/jobs/runs/cancel":
            run = runs.runs.get(int(req.body["run_id"]))
            if run is None:
                return _not_found("no such run")
            run.cancel()
            return Response(200, {})
        return _not_found(f"{req.method} {req.path} is not implemented by the fake")

    return app


@contextlib.contextmanager
def fake_databricks(env: dict[str, str] | None = None) -> Iterator[FakeDatabricks]:
    """``env``: added to the environment of the runs' subprocesses (cluster credentials)."""
    runs = Runs(env)
    base: list[str] = []
    try:
        with serve(make_app(runs, base)) as url:  # type: ignore[arg-type]
            base.append(url)
            yield FakeDatabricks(url, runs)
    finally:
        runs.stop_all()
