"""Schedules: validated when defined; fired by serve once per logical date, across restarts."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest

from glacier import Provider, pipeline, task
from glacier.errors import PipelineDefinitionError
from glacier.runs.store import RunStore
from glacier.schedule import Schedule
from glacier.serve import ManualClock, Server


def test_bad_cron_is_rejected_when_the_pipeline_is_defined() -> None:
    with pytest.raises(PipelineDefinitionError, match="'0 25 \\* \\* \\*' is not a valid cron"):

        @pipeline(name="p", schedule="0 25 * * *")
        def p():  # type: ignore[no-untyped-def]
            pass


def test_bad_timezone_and_missing_parameter_are_clear() -> None:
    with pytest.raises(PipelineDefinitionError, match="'Europe/Pariss' is not a known IANA"):
        Schedule(cron="0 2 * * *", timezone="Europe/Pariss")
    with pytest.raises(PipelineDefinitionError, match="parameter 'day'.*no such parameter"):

        @pipeline(schedule=Schedule("0 2 * * *", param="day"))
        def p(other: date):  # type: ignore[no-untyped-def]
            pass

    with pytest.raises(PipelineDefinitionError, match="timezone=.*without a schedule"):

        @pipeline(timezone="UTC")
        def q():  # type: ignore[no-untyped-def]
            pass


def test_schedule_exposes_what_a_compiler_needs() -> None:
    @task
    def t(d: date) -> date:
        return d

    @pipeline(name="nightly", schedule="0  2 * * *", timezone="Europe/Paris")
    def nightly(logical_date: date):  # type: ignore[no-untyped-def]
        t(logical_date)

    sched = nightly.schedule
    assert (sched.cron, sched.timezone) == ("0 2 * * *", "Europe/Paris")
    # 02:00 Paris on 2026-11-01 is 01:00 UTC (CET)
    tick = sched.next_after(datetime(2026, 11, 1, 0, 30, tzinfo=UTC))
    assert tick.astimezone(UTC) == datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
    assert sched.logical_value(tick, "date") == date(2026, 11, 1)


def _hourly(calls: list[object]):  # type: ignore[no-untyped-def]
    @task
    def work(when: datetime) -> None:
        calls.append(when)

    @pipeline(name="hourly", schedule=Schedule("0 * * * *", timezone="UTC", param="when"))
    def hourly(when: datetime):  # type: ignore[no-untyped-def]
        work(when)

    return hourly


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 1, hour, minute, tzinfo=UTC)


def test_serve_fires_each_logical_date_exactly_once_across_a_restart(
    local_provider: Provider, store: RunStore
) -> None:
    calls: list[object] = []
    pipe = _hourly(calls)
    clock = ManualClock(_at(0, 30))
    out = io.StringIO()

    first = Server([pipe], clock=clock, stream=out)
    assert first.step() == 0  # 00:00 was before serve started: it does not fire
    for minute in (60, 30, 30, 30):  # 01:30, 02:00, 02:30, 03:00
        clock.advance(minutes=minute)
        first.step()
        assert first.wait_idle()
    first.step()  # same time again: nothing new
    assert first.wait_idle()
    first.shutdown()
    assert calls == [_at(1), _at(2), _at(3)]

    # A restart at the same time fires nothing again; the next tick fires once.
    second = Server([pipe], clock=clock, stream=out)
    assert second.step() == 0
    clock.advance(minutes=59)  # 03:59
    assert second.step() == 0
    clock.advance(minutes=1)  # 04:00
    assert second.step() == 1
    assert second.wait_idle()
    second.shutdown()
    assert calls == [_at(1), _at(2), _at(3), _at(4)]

    records = sorted(store.records("hourly"), key=lambda r: r.trigger["logical_date"])
    assert [r.trigger["logical_date"] for r in records] == [
        _at(h).isoformat() for h in (1, 2, 3, 4)
    ]
    assert all(r.trigger["kind"] == "schedule" and r.status == "succeeded" for r in records)
    assert records[0].params == {"when": _at(1).isoformat()}


def test_after_downtime_only_the_latest_missed_tick_fires(
    local_provider: Provider, store: RunStore
) -> None:
    calls: list[object] = []
    pipe = _hourly(calls)
    clock = ManualClock(_at(0, 30))
    out = io.StringIO()
    server = Server([pipe], clock=clock, stream=out)
    server.step()
    server.shutdown()
    clock.set(_at(5, 10))  # down from 00:30 to 05:10: 01..05 missed
    again = Server([pipe], clock=clock, stream=out)
    assert again.step() == 1
    assert again.wait_idle()
    again.shutdown()
    assert calls == [_at(5)]
    assert "4 missed tick(s)" in out.getvalue() and "glacier backfill" in out.getvalue()


def test_a_date_parameter_gets_the_date_in_the_schedule_zone(
    local_provider: Provider, store: RunStore
) -> None:
    seen: list[object] = []

    @task
    def work(day: date) -> None:
        seen.append(day)

    @pipeline(name="paris", schedule="0 0 * * *", timezone="Europe/Paris")
    def paris(logical_date: date):  # type: ignore[no-untyped-def]
        work(logical_date)

    # midnight in Paris on 2026-11-02 is 23:00 UTC on 2026-11-01
    clock = ManualClock(datetime(2026, 11, 1, 22, 0, tzinfo=UTC))
    server = Server([paris], clock=clock, stream=io.StringIO())
    server.step()
    clock.advance(hours=1)
    assert server.step() == 1
    assert server.wait_idle()
    server.shutdown()
    assert seen == [date(2026, 11, 2)]
    (record,) = store.records("paris")
    assert record.params == {"logical_date": "2026-11-02"}
