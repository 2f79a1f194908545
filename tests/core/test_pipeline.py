"""Pipelines: DAG building, validation errors (before anything runs), execution semantics."""

from __future__ import annotations

import threading
import time

import polars as pl
import pytest

from glacier import Provider, TaskStatus, pipeline, task
from glacier.dag.progress import Progress
from glacier.errors import PipelineDefinitionError, PipelineFailedError, TaskTimeoutError
from tests.polling import FakeClock


def test_design_example_runs_and_lazyframes_stay_lazy(local_provider: Provider) -> None:
    raw = local_provider.bucket("lake", path="raw/sales.parquet")
    out = local_provider.bucket("lake", path="processed/sales.parquet")
    raw.write(pl.DataFrame({"id": [1, 2, 3], "amount": [10.0, -5.0, 7.5]}))
    seen: dict[str, type] = {}

    @task
    def load_data(source):
        return source.scan()

    @task(depends_on=[load_data])
    def clean_data(df):
        seen["clean"] = type(df)
        return df.filter(pl.col("amount") > 0)

    @task(depends_on=[clean_data])
    def save_data(df, destination):
        seen["save"] = type(df)
        destination.write(df)

    @pipeline(name="sales_pipeline")
    def sales_pipeline():
        df = load_data(raw)
        cleaned = clean_data(df)
        save_data(cleaned, out)

    result = sales_pipeline.run()
    assert result.ok
    assert seen == {"clean": pl.LazyFrame, "save": pl.LazyFrame}
    assert out.read()["id"].to_list() == [1, 3]
    assert result["save_data"].rows_written == 2
    assert result["save_data"].uris_written == [out.get_uri()]
    assert [t.status for t in result.tasks.values()] == [TaskStatus.SUCCEEDED] * 3
    assert all(t.duration >= 0 for t in result.tasks.values())


def test_independent_tasks_run_concurrently() -> None:
    barrier = threading.Barrier(4, timeout=5)

    @task
    def wait_io(i: int) -> int:
        barrier.wait()  # breaks after its timeout unless all four run at once
        return i

    @task
    def total(*parts: int) -> int:
        return sum(parts)

    @pipeline
    def fan():
        total(*[wait_io(i) for i in range(4)])

    result = fan.run()
    assert result.output("total") == 6
    assert {f"wait_io#{i}" for i in range(2, 5)} <= set(result.tasks)


def test_retries_with_backoff_then_succeed() -> None:
    from glacier.dag.runtime import Runner

    class Retries(Progress):
        def __init__(self) -> None:
            self.seen: list[tuple[str, int, str, float]] = []

        def on_retry(self, node_id: str, attempt: int, error: BaseException, delay: float) -> None:
            self.seen.append((node_id, attempt, str(error), delay))

    calls: list[int] = []

    @task(retries=3, retry_delay=0.05)
    def flaky() -> str:
        calls.append(len(calls) + 1)
        if len(calls) < 3:
            raise ConnectionError(f"transient {len(calls)}")
        return "ok"

    @pipeline
    def p():
        flaky()

    clock, progress = FakeClock(), Retries()
    result = Runner(p.build(), progress=progress, clock=clock).run()
    assert result.output("flaky") == "ok"
    assert result["flaky"].attempts == 3 and calls == [1, 2, 3]
    assert clock.sleeps == [0.05, 0.1]  # exponential backoff, on the injected clock
    assert progress.seen == [
        ("flaky", 1, "transient 1", 0.05),
        ("flaky", 2, "transient 2", 0.1),
    ]


def test_failure_marks_downstream_not_run_and_names_task() -> None:
    @task
    def ok_branch() -> int:
        return 1

    @task
    def boom() -> int:
        raise ValueError("bad row 42")

    @task
    def after(x: int) -> int:
        return x

    @task
    def after_after(x: int) -> int:
        return x

    @pipeline(name="p")
    def p():
        ok_branch()
        after_after(after(boom()))

    result = p.run(raise_on_failure=False)
    assert not result.ok
    assert result["ok_branch"].status is TaskStatus.SUCCEEDED
    assert result["boom"].status is TaskStatus.FAILED
    assert isinstance(result["boom"].error, ValueError)
    assert result["after"].status is TaskStatus.NOT_RUN
    assert result["after_after"].status is TaskStatus.NOT_RUN
    assert result["after"].reason == "upstream task 'boom' did not succeed"
    with pytest.raises(
        PipelineFailedError, match="task 'boom' raised ValueError: bad row 42"
    ) as ei:
        p.run()
    assert isinstance(ei.value.__cause__, ValueError)


def test_timeout_stops_waiting() -> None:
    release, finished = threading.Event(), threading.Event()

    @task(timeout=0.2)
    def slow() -> None:
        release.wait(60)  # held until the run has returned (a deadline, in case it never does)
        finished.set()

    @task
    def later(x: None) -> None:
        return x

    @pipeline
    def p():
        later(slow())

    try:
        result = p.run(raise_on_failure=False)
        assert not finished.is_set()  # the run stopped waiting while the task still ran
    finally:
        release.set()
    assert result["slow"].status is TaskStatus.TIMED_OUT
    assert isinstance(result["slow"].error, TaskTimeoutError)
    assert result["later"].status is TaskStatus.NOT_RUN


def test_depends_on_orders_without_data() -> None:
    order: list[str] = []

    @task
    def first() -> None:
        time.sleep(0.05)
        order.append("first")

    @task(depends_on=[first])
    def second() -> None:
        order.append("second")

    @pipeline
    def p():
        second()
        first()

    p.run()
    assert order == ["first", "second"]


# -- errors raised before anything runs ---------------------------------------------------
def test_depends_on_a_task_never_called() -> None:
    @task
    def load() -> int:
        return 1

    @task(depends_on=[load])
    def clean() -> int:
        return 2

    @pipeline(name="sales")
    def p():
        clean()

    with pytest.raises(
        PipelineDefinitionError,
        match="Task 'clean' depends_on 'load', but pipeline 'sales' never calls 'load'",
    ):
        p.run()


def test_missing_and_unknown_arguments_name_the_task() -> None:
    @task
    def save(df, destination):  # type: ignore[no-untyped-def]
        return None

    @pipeline
    def missing():
        save(1)

    @pipeline
    def unknown():
        save(1, 2, colour="red")

    with pytest.raises(
        PipelineDefinitionError, match="Task 'save' was called with bad arguments.*destination"
    ):
        missing.build()
    with pytest.raises(PipelineDefinitionError, match="Task 'save' .*colour"):
        unknown.build()


def test_task_called_outside_a_pipeline() -> None:
    @task
    def load() -> int:
        return 1

    with pytest.raises(PipelineDefinitionError, match="Task 'load' was called outside a @pipeline"):
        load()
    assert load.fn() == 1


def test_non_task_in_depends_on_is_named() -> None:
    def helper() -> None: ...

    with pytest.raises(
        PipelineDefinitionError,
        match=r"Task 'clean': depends_on\[0\] is not a task but the plain function 'helper'",
    ):

        @task(depends_on=[helper])
        def clean() -> None: ...


def test_task_object_passed_instead_of_its_output() -> None:
    @task
    def load() -> int:
        return 1

    @task
    def clean(x: int) -> int:
        return x

    @pipeline
    def p():
        clean(load)

    with pytest.raises(PipelineDefinitionError, match=r"call it to pass its output: clean\(load"):
        p.build()


def test_cycle_is_reported_with_its_tasks() -> None:
    @task
    def a(x=None):  # type: ignore[no-untyped-def]
        return x

    @task(depends_on=[a])
    def b(x=None):  # type: ignore[no-untyped-def]
        return x

    a.depends_on = (b,)  # a cycle only depends_on can create

    @pipeline(name="loop")
    def p():
        b(a())

    with pytest.raises(PipelineDefinitionError, match="'loop' has a dependency cycle: .*a.*b"):
        p.build()


def test_output_placeholder_misuse_is_explained() -> None:
    @task
    def load() -> pl.LazyFrame:
        return pl.LazyFrame({"a": [1]})

    @pipeline
    def p():
        load().filter(pl.col("a") > 0)

    with pytest.raises(PipelineDefinitionError, match="only exists when the pipeline runs"):
        p.build()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"retries": -1}, "retries must be an integer >= 0"),
        ({"timeout": 0}, "timeout must be seconds > 0"),
        ({"executor": "databricks"}, "executor must be created with provider.executor"),
    ],
)
def test_bad_task_options(kwargs: dict, message: str) -> None:
    with pytest.raises(PipelineDefinitionError, match=message):
        task(**kwargs)(lambda: None)


def test_graph_renders_mermaid_and_dot(local_provider: Provider) -> None:
    raw = local_provider.bucket("lake", path='we"ird.parquet')

    @task
    def load(source):  # type: ignore[no-untyped-def]
        return source

    @task
    def clean(df):  # type: ignore[no-untyped-def]
        return df

    @pipeline(name="g")
    def p():
        clean(load(raw))

    mermaid = p.graph()
    assert mermaid.startswith("flowchart TD")
    assert 't0["load"]' in mermaid and "t0 --> t1" in mermaid
    assert '"lake/we\\"ird.parquet"' in mermaid
    dot = p.graph(format="dot")
    assert '"load" -> "clean";' in dot


def test_bad_lazyframe_fails_in_the_task_that_built_it(local_provider: Provider) -> None:
    """A LazyFrame's plan is resolved at the task boundary: the bad column fails 'boom', not
    the 'save' that would collect it, and no data is written."""
    from glacier.errors import TaskOutputError

    out = local_provider.bucket("lake", path="out.parquet")

    @task
    def boom():  # type: ignore[no-untyped-def]
        return pl.LazyFrame({"a": [1, 2]}).with_columns(pl.col("missing") * 2)

    @task
    def save(df, destination):  # type: ignore[no-untyped-def]
        destination.write(df)

    @pipeline(name="p")
    def p():
        save(boom(), out)

    result = p.run(raise_on_failure=False)
    assert result["boom"].status is TaskStatus.FAILED
    assert result["save"].status is TaskStatus.NOT_RUN
    error = result["boom"].error
    assert isinstance(error, TaskOutputError)
    assert isinstance(error.__cause__, pl.exceptions.ColumnNotFoundError)
    assert str(error).startswith(
        "Task 'boom' returned a LazyFrame whose query plan does not resolve: "
        'ColumnNotFoundError: unable to find column "missing"'
    )
    location = result["boom"].location
    assert location is not None and location.filename == __file__
    assert location.function == "boom"
    assert not out.exists()
    with pytest.raises(
        PipelineFailedError,
        match=r"task 'boom' raised TaskOutputError: .* at .*test_pipeline.py:\d+ in boom",
    ):
        p.run()


def test_valid_lazyframes_stay_lazy_across_the_boundary(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "x.parquet"
    pl.DataFrame({"a": [1, 2, 3]}).write_parquet(path)

    @task
    def load():  # type: ignore[no-untyped-def]
        return pl.scan_parquet(path).filter(pl.col("a") > 1)

    @pipeline
    def p():
        load()

    out = p.run().output("load")
    assert isinstance(out, pl.LazyFrame)
    assert out.collect()["a"].to_list() == [2, 3]


def test_failure_location_is_the_innermost_user_frame() -> None:
    def helper(table: dict[str, int]) -> int:
        return table["missing"]  # the line to report

    @task
    def lookup() -> int:
        return helper({})

    @pipeline
    def p():  # type: ignore[no-untyped-def]
        lookup()

    run = p.run(raise_on_failure=False)["lookup"]
    assert run.location is not None
    assert (run.location.function, run.location.line) == (
        "helper",
        'return table["missing"]  # the line to report',
    )
    assert run.location.filename == __file__


def test_failure_inside_glacier_points_at_the_calling_user_line(local_provider: Provider) -> None:
    missing = local_provider.bucket("lake", path="nothing-here.parquet")

    @task
    def load(source):  # type: ignore[no-untyped-def]
        return source.read()

    @pipeline
    def p():  # type: ignore[no-untyped-def]
        load(missing)

    run = p.run(raise_on_failure=False)["load"]
    assert run.location is not None and run.location.line == "return source.read()"


@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_max_workers_must_be_a_positive_integer(value: object) -> None:
    @task
    def one() -> int:
        return 1

    @pipeline
    def p():  # type: ignore[no-untyped-def]
        one()

    with pytest.raises(PipelineDefinitionError, match="max_workers must be an integer >= 1"):
        p.run(max_workers=value)  # type: ignore[arg-type]
