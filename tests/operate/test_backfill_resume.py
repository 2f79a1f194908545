"""Backfill runs only the values without a succeeded run; resume reruns only what failed."""

from __future__ import annotations

import contextlib
import io
import threading
from datetime import date, datetime, timedelta

import polars as pl
import pytest

from glacier import Provider, pipeline, task
from glacier.backfill import backfill, expand
from glacier.errors import ConfigError, RunNotFoundError
from glacier.runs.resume import resume
from glacier.runs.store import RunStore


def _daily(calls: list[date], fail_on: set[date] | None = None):  # type: ignore[no-untyped-def]
    lock = threading.Lock()

    @task
    def work(day: date) -> date:
        with lock:
            calls.append(day)
        if fail_on and day in fail_on:
            raise RuntimeError(f"no data for {day}")
        return day

    @pipeline(name="daily")
    def daily(day: date, region: str = "eu"):  # type: ignore[no-untyped-def]
        work(day)

    return daily


def test_expand_converts_endpoints_by_annotation() -> None:
    def fn(day: date, n: int, at: datetime, region: str) -> None: ...

    name, sets = expand(fn, ["day=2026-11-01..2026-11-03", "region=us"])
    assert name == "day"
    assert sets == [{"region": "us", "day": date(2026, 11, d)} for d in (1, 2, 3)]
    assert [s["n"] for s in expand(fn, ["n=1..7/3"])[1]] == [1, 4, 7]
    at = expand(fn, ["at=2026-11-01T00:00..2026-11-01T12:00/6h"])[1]
    assert [s["at"] for s in at] == [datetime(2026, 11, 1) + timedelta(hours=h) for h in (0, 6, 12)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["day=2026-11-01"], "needs one range parameter"),
        (["day=2026-11-05..2026-11-01"], "ends before it starts"),
        (
            ["day=2026-11-01..2026-13-01"],
            "parameter 'day' expects date \\(YYYY-MM-DD\\), got '2026-13-01'",
        ),
        (["region=a..b"], "a range needs a date, datetime or int parameter; 'region' is str"),
        (["day=2026-11-01..2026-11-02/3h"], "a date range steps in days"),
        (["day"], "write parameters as NAME=VALUE"),
    ],
)
def test_expand_errors_name_the_parameter(args: list[str], message: str) -> None:
    def fn(day: date, region: str) -> None: ...

    with pytest.raises(ConfigError, match=message):
        expand(fn, args)


def test_backfill_over_seven_dates_with_two_succeeded_runs_exactly_five(
    store: RunStore,
) -> None:
    calls: list[date] = []
    daily = _daily(calls, fail_on={date(2026, 11, 4)})
    daily.run(day=date(2026, 11, 2))
    daily.run(day=date(2026, 11, 5))
    daily.run(day=date(2026, 11, 4), raise_on_failure=False)  # failed: does not count
    daily.run(day=date(2026, 11, 3), region="us")  # another region: does not count
    calls.clear()

    _, sets = expand(daily.fn, ["day=2026-11-01..2026-11-07"])
    out = io.StringIO()
    launches = backfill(daily, sets, max_concurrent=3, stream=out)
    assert sorted(calls) == [date(2026, 11, d) for d in (1, 3, 4, 6, 7)]
    assert len(launches) == 5
    records = [launch.record for launch in launches]
    assert all(r is not None and r.trigger["kind"] == "backfill" for r in records)
    assert "skip day=2026-11-02: succeeded in run" in out.getvalue()

    # A second backfill runs only the date that still fails.
    calls.clear()
    backfill(daily, sets, max_concurrent=3, stream=out)
    assert calls == [date(2026, 11, 4)]


def test_backfill_concurrency_is_bounded(store: RunStore) -> None:
    lock = threading.Lock()
    active, peak = [0], [0]
    gate = threading.Barrier(2, timeout=30)

    @task
    def hold(day: date) -> None:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        with contextlib.suppress(threading.BrokenBarrierError):
            gate.wait()  # two at a time can meet here; a third would be over the bound
        with lock:
            active[0] -= 1

    @pipeline(name="bounded")
    def bounded(day: date):  # type: ignore[no-untyped-def]
        hold(day)

    _, sets = expand(bounded.fn, ["day=2026-11-01..2026-11-06"])
    backfill(bounded, sets, max_concurrent=2, stream=io.StringIO())
    assert peak[0] == 2
    assert len(list(store.records("bounded"))) == 6


def _branches(provider: Provider, counts: dict[str, int], fail: list[bool]):  # type: ignore[no-untyped-def]
    """Two branches. Left: extract writes a bucket, transform reads it (bucket hand-over).
    Right: prepare returns a frame in memory, load takes it and may fail."""
    staged = provider.bucket("lake", path="staged/left.parquet")
    final = provider.bucket("lake", path="final/right.parquet")

    def count(name: str) -> None:
        counts[name] = counts.get(name, 0) + 1

    @task
    def extract(dest) -> None:  # type: ignore[no-untyped-def]
        count("extract")
        dest.write(pl.DataFrame({"v": [1, 2, 3]}))

    @task(depends_on=[extract])
    def transform(src) -> int:  # type: ignore[no-untyped-def]
        count("transform")
        return int(src.read()["v"].sum())

    @task
    def prepare(day: date) -> pl.DataFrame:
        count("prepare")
        return pl.DataFrame({"day": [day]})

    @task(depends_on=[extract])
    def load(frame: pl.DataFrame, dest) -> None:  # type: ignore[no-untyped-def]
        count("load")
        if fail[0]:
            raise RuntimeError("warehouse down")
        dest.write(frame)

    @task(depends_on=[load])
    def report(src) -> int:  # type: ignore[no-untyped-def]
        count("report")
        return src.read().height

    @pipeline(name="branches")
    def branches(day: date):  # type: ignore[no-untyped-def]
        extract(staged)
        transform(staged)
        load(prepare(day), final)
        report(final)

    return branches


def test_resume_reruns_only_the_failed_branch(local_provider: Provider, store: RunStore) -> None:
    counts: dict[str, int] = {}
    fail = [True]
    pipe = _branches(local_provider, counts, fail)
    first = pipe.run(day=date(2026, 11, 1), raise_on_failure=False)
    assert not first.ok
    (earlier,) = store.records("branches")
    assert earlier.tasks["load"].status == "failed"
    assert earlier.tasks["report"].status == "not_run"
    assert counts == {"extract": 1, "transform": 1, "prepare": 1, "load": 1}

    fail[0] = False
    result, skipped = resume(pipe, earlier.run_id)
    assert result.ok
    # extract and transform are not called again (their outputs are in the bucket);
    # prepare is: load needs its return value, which only lived in memory.
    assert counts == {"extract": 1, "transform": 1, "prepare": 2, "load": 2, "report": 1}
    assert skipped == ["extract", "transform"]
    assert sorted(result.tasks) == ["load", "prepare", "report"]

    latest = next(store.records("branches", limit=1))
    assert latest.resumed_from == earlier.run_id and latest.status == "succeeded"
    assert latest.params == {"day": "2026-11-01"}
    assert list(latest.tasks) == list(earlier.tasks)  # the full DAG, in its order
    assert set(latest.tasks) == {"extract", "transform", "prepare", "load", "report"}
    assert latest.tasks["extract"].status == "skipped"
    assert latest.tasks["extract"].reason == f"succeeded in run {earlier.run_id}"
    assert latest.tasks["extract"].uris_written == earlier.tasks["extract"].uris_written

    # Resuming a run that succeeded runs nothing.
    again, skipped_all = resume(pipe, latest.run_id)
    assert again.tasks == {} and len(skipped_all) == 5


def test_resume_of_an_unknown_run_is_a_clear_error(store: RunStore) -> None:
    calls: list[date] = []
    with pytest.raises(RunNotFoundError, match="No run 'nope'.*glacier runs list"):
        resume(_daily(calls), "nope")
