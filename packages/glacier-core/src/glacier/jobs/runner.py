"""Runs one job document: ``python -m glacier.jobs.runner SPEC`` where SPEC is a path to the
JSON job (or ``-`` for stdin). Engines with their own entry points call :func:`run_job`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import polars as pl

from glacier.jobs.refs import resolve_ref
from glacier.jobs.spec import JobInput, JobSpec

FRAME_RESULT = "frame.parquet"
VALUE_RESULT = "value.parquet"


def materialize(inp: JobInput) -> Any:
    """Turn a job input back into the value the task receives."""
    if inp.kind == "literal":
        return inp.value
    assert inp.bucket is not None
    bucket = inp.bucket.open()
    return bucket if inp.kind == "bucket" else bucket.scan()


def store_result(spec: JobSpec, value: Any) -> None:
    """Write the task's return value under the job's result prefix."""
    if isinstance(value, pl.DataFrame | pl.LazyFrame):
        spec.result.child(FRAME_RESULT).open().write(value)
        return
    payload = json.dumps(value, default=str)
    spec.result.child(VALUE_RESULT).open().write(pl.DataFrame({"json": [payload]}))


def run_job(spec: JobSpec) -> None:
    """Import the task, rebuild its inputs, call it and store its result. A job that names
    an artifact runs only the artifact's code (:func:`glacier.deploy.runtime.check_installed`)."""
    for entry in reversed(spec.python_path):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    if spec.artifact is not None:
        from glacier.deploy.runtime import check_installed

        check_installed(spec)
    fn = resolve_ref(spec.task)
    args = [materialize(a) for a in spec.args]
    kwargs = {k: materialize(v) for k, v in spec.kwargs.items()}
    store_result(spec, fn(*args, **kwargs))


def load_spec(source: str) -> JobSpec:
    text = sys.stdin.read() if source == "-" else Path(source).read_text()
    return JobSpec.model_validate_json(text)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m glacier.jobs.runner SPEC.json|-", file=sys.stderr)
        return 2
    run_job(load_spec(argv[0]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
