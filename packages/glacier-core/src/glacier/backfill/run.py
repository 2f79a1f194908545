"""Backfill: run a pipeline for each parameter set that has no succeeded run yet."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from glacier.errors import ConfigError
from glacier.runs.record import SUCCEEDED, jsonable, new_run_id
from glacier.runs.recorder import Launch, launching, store_for

if TYPE_CHECKING:
    from glacier.dag.pipeline import Pipeline
    from glacier.runs.store import RunStore


@dataclass
class BackfillPlan:
    """Which parameter sets still need a run, and which already succeeded."""

    todo: list[dict[str, Any]] = field(default_factory=list)
    done: list[tuple[dict[str, Any], str]] = field(default_factory=list)


def plan(pipeline: Pipeline, param_sets: Sequence[dict[str, Any]], store: RunStore) -> BackfillPlan:
    """A parameter set is done when a succeeded run of the pipeline had the same parameter
    values, defaults included (compared as stored in the records)."""
    from glacier.runs.recorder import bound_params

    succeeded = [
        (r.params, r.run_id)
        for r in store.records(pipeline.name, where=lambda r: r.status == SUCCEEDED)
    ]
    out = BackfillPlan()
    for params in param_sets:
        wanted = bound_params(pipeline.fn, params)
        match = next(
            (rid for p, rid in succeeded if all(p.get(k) == v for k, v in wanted.items())), None
        )
        if match is None:
            out.todo.append(dict(params))
        else:
            out.done.append((dict(params), match))
    return out


def backfill(
    pipeline: Pipeline,
    param_sets: Sequence[dict[str, Any]],
    *,
    max_concurrent: int = 2,
    store: RunStore | None = None,
    stream: TextIO | None = None,
    label: str = "",
) -> list[Launch]:
    """Run every parameter set without a succeeded run, at most ``max_concurrent`` at once.
    Returns the launches (``launch.record`` holds each run's final record)."""
    if not isinstance(max_concurrent, int) or max_concurrent < 1:
        raise ConfigError(f"--max-concurrent must be an integer >= 1, got {max_concurrent!r}.")
    store = store or store_for(pipeline)
    if not store.enabled:
        raise ConfigError(
            f"Pipeline {pipeline.name!r} has run records turned off, so backfill cannot tell "
            "which runs already succeeded. Turn records on (runs= / GLACIER_RUNS_URI)."
        )
    out = stream or sys.stderr
    todo = plan(pipeline, param_sets, store)
    for params, run_id in todo.done:
        print(f"glacier backfill: skip {_show(params)}: succeeded in run {run_id}", file=out)
    backfill_id = new_run_id()
    launches = [
        Launch(trigger={"kind": "backfill", "backfill_id": backfill_id, "range": label})
        for _ in todo.todo
    ]

    def one(item: tuple[dict[str, Any], Launch]) -> None:
        params, launch = item
        with launching(launch):
            try:
                pipeline.run(raise_on_failure=False, **params)
            except Exception as exc:  # recorded as failed; go on with the other dates
                print(f"glacier backfill: {_show(params)}: {type(exc).__name__}: {exc}", file=out)
        record = launch.record
        status = record.status if record is not None else "finished"
        print(f"glacier backfill: {_show(params)}: {status} (run {launch.run_id})", file=out)

    with ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="glacier-bf") as pool:
        list(pool.map(one, zip(todo.todo, launches, strict=True)))
    return launches


def _show(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={jsonable(v)}" for k, v in params.items())
