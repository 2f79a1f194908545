"""The operating settings of ``@pipeline(...)``, checked when the pipeline is defined.

``schedule``/``timezone``, ``triggers``, ``on_failure`` and ``runs`` end up as the
attributes :attr:`Pipeline.schedule`, :attr:`Pipeline.triggers`, :attr:`Pipeline.on_failure`
and :attr:`Pipeline.runs`: plain data for ``glacier serve`` and for compilers. Modules are
imported only for the settings given, so defining a plain pipeline stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glacier.schedule.alert import Alert
    from glacier.schedule.cron import Schedule
    from glacier.schedule.trigger import OnWrite


def operating(
    fn: Callable[..., Any],
    name: str,
    schedule: Schedule | str | None = None,
    timezone: str | None = None,
    triggers: OnWrite | Sequence[OnWrite] | None = None,
    on_failure: Alert | Sequence[Alert] | None = None,
    runs: Any = None,
) -> tuple[Schedule | None, tuple[OnWrite, ...], tuple[Alert, ...], Any]:
    """Validate the settings; raises :class:`PipelineDefinitionError` naming the problem."""
    sched = None
    if schedule is not None or timezone is not None:
        from glacier.schedule.cron import parse_schedule, schedule_param

        sched = parse_schedule(schedule, timezone, name)
        if sched is not None:
            schedule_param(sched, fn, name)
    found: tuple[OnWrite, ...] = ()
    if triggers is not None:
        from glacier.schedule.trigger import trigger_param

        found = _triggers(triggers, name)
        for trigger in found:
            trigger_param(trigger, fn, name)
    alerts: tuple[Alert, ...] = ()
    if on_failure is not None:
        from glacier.schedule.alert import parse_alerts

        alerts = parse_alerts(on_failure, name)
    if runs is not None and not isinstance(runs, bool):
        from glacier.runs.config import check_setting

        runs = check_setting(runs, name)
    return sched, found, alerts, runs


def _triggers(value: OnWrite | Sequence[OnWrite], name: str) -> tuple[OnWrite, ...]:
    from glacier.errors import PipelineDefinitionError
    from glacier.schedule.trigger import OnWrite

    items = (value,) if isinstance(value, OnWrite) else value
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise PipelineDefinitionError(
            f"Pipeline {name!r}: triggers= takes OnWrite(bucket, suffix=...) or a list of "
            f"them, got {type(value).__name__}."
        )
    for item in items:
        if not isinstance(item, OnWrite):
            raise PipelineDefinitionError(
                f"Pipeline {name!r}: triggers= takes OnWrite(...) objects, got "
                f"{type(item).__name__}."
            )
    return tuple(items)


def sample_params(pipeline: Any, given: Mapping[str, Any]) -> dict[str, Any]:
    """Values for the parameters a schedule or trigger fills in at run time, for building the
    DAG when none are given (``compile``, ``package``): the schedule's first tick after
    2000-01-01 and the trigger bucket (its URI). A DAG's shape must not depend on them."""
    from datetime import UTC, datetime

    from glacier.schedule.params import kind_of

    out: dict[str, Any] = {}
    fn = getattr(pipeline, "fn", None)
    schedule = getattr(pipeline, "schedule", None)
    if fn is None:
        return out
    if schedule is not None:
        from glacier.schedule.cron import schedule_param

        param = schedule_param(schedule, fn, str(pipeline.name))
        if param and param not in given:
            tick = schedule.next_after(datetime(2000, 1, 1, tzinfo=UTC))
            out[param] = schedule.logical_value(tick, kind_of(fn, param))
    for trigger in getattr(pipeline, "triggers", ()) or ():
        from glacier.schedule.trigger import trigger_param

        param = trigger_param(trigger, fn, str(pipeline.name))
        if param and param not in given and param not in out:
            kind = kind_of(fn, param)
            out[param] = trigger.bucket if kind == "bucket" else trigger.bucket.get_uri()
    return out
