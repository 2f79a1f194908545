"""``glacier.dag.stepwise``: one task of a run at a time, outputs staged per run key in the
executor's staging bucket (a local folder here; S3 in tests/deploy_emit/test_databricks_job.py).

The checks come first: an unknown task, a bad run key, a task without executor and a missing
upstream output are errors before the task is called, and nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from glacier import Provider, pipeline, task
from glacier.config import DatabricksConfig, LocalConfig
from glacier.dag.stepwise import prepare_task, run_task, task_key
from glacier.errors import ConfigError, MissingTaskOutputError, PipelineDefinitionError

CALLS: list[str] = []


def _numbers(n: int) -> pl.DataFrame:
    CALLS.append("numbers")
    return pl.DataFrame({"x": list(range(n))})


def _total(frame: pl.LazyFrame) -> int:
    CALLS.append("total")
    return int(frame.select(pl.col("x").sum()).collect().item())


def _label(total: int, prefix: str) -> dict[str, str]:
    CALLS.append("label")
    return {"label": f"{prefix}{total}"}


def _here() -> int:
    return 1


def _graph(tmp_path: Path):  # type: ignore[no-untyped-def]
    local = Provider(config=LocalConfig(base_path=tmp_path))
    dbx = local.executor("dbx", config=DatabricksConfig(staging_bucket="stage"))
    numbers = task(_numbers, name="numbers", executor=dbx)
    total = task(_total, name="total", executor=dbx)
    label = task(_label, name="label", executor=dbx, depends_on=[numbers])
    here = task(_here, name="here")

    @pipeline(name="steps")
    def steps(n: int = 4) -> None:
        t = total(numbers(n))
        label(t, "sum=")
        label(total(numbers(n + 1)), "again=")
        here()

    return steps.build()


def test_tasks_run_one_by_one_through_the_staging(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    CALLS.clear()
    # label depends_on numbers: on both calls of it (numbers, numbers#2)
    for name in ("numbers", "numbers-2", "total", "label"):
        run_task(graph, name, "run-1")
    assert CALLS == ["numbers", "numbers", "total", "label"]
    runs = tmp_path / "stage" / "_glacier" / "jobs" / "dag-runs" / "run-1"
    assert pl.read_parquet(runs / "numbers" / "frame.parquet")["x"].to_list() == [0, 1, 2, 3]
    assert pl.read_parquet(runs / "label" / "value.parquet")["json"][0] == '{"label": "sum=6"}'
    # the second calls: node ids with '#' (or their keys, with '-')
    assert task_key("label#2") == "label-2"
    run_task(graph, "total#2", "run-1")
    run_task(graph, "label-2", "run-1")
    assert pl.read_parquet(runs / "label-2" / "value.parquet")["json"][0] == '{"label": "again=10"}'


def test_checks_come_before_any_effect(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    CALLS.clear()
    with pytest.raises(PipelineDefinitionError, match="has no task 'nope'; its tasks: numbers"):
        prepare_task(graph, "nope", "run-1")
    with pytest.raises(ConfigError, match="is not a valid run key"):
        prepare_task(graph, "numbers", "a/../b")
    with pytest.raises(ConfigError, match="Task 'here' has no executor"):
        prepare_task(graph, "here", "run-1")
    run_task(graph, "numbers", "run-1")
    run_task(graph, "numbers#2", "run-1")
    # label waits for total (its input) and numbers (depends_on): total has not run
    with pytest.raises(MissingTaskOutputError) as info:
        run_task(graph, "label", "run-1")
    message = str(info.value)
    assert "Upstream task 'total' has no output in run 'run-1'" in message
    assert "--task total --run-key run-1" in message
    assert CALLS == ["numbers", "numbers"]
    runs = tmp_path / "stage" / "_glacier" / "jobs" / "dag-runs"
    assert sorted(p.name for p in (runs / "run-1").iterdir()) == ["numbers", "numbers-2"]
    # another run key sees nothing of run-1
    with pytest.raises(MissingTaskOutputError, match="run 'run-2'"):
        run_task(graph, "total", "run-2")
