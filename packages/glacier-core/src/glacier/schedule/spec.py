"""The operating settings of ``@pipeline(...)``, checked when the pipeline is defined.

``schedule``/``timezone``, ``triggers``, ``on_failure`` and ``runs`` end up as the
attributes :attr:`Pipeline.schedule`, :attr:`Pipeline.triggers`, :attr:`Pipeline.on_failure`
and :attr:`Pipeline.runs`: plain data for ``glacier serve`` and for compilers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from glacier.errors import PipelineDefinitionError
from glacier.schedule.alert import Alert, parse_alerts
from glacier.schedule.cron import Schedule, parse_schedule, schedule_param
from glacier.schedule.trigger import OnWrite, trigger_param


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
    sched = parse_schedule(schedule, timezone, name)
    if sched is not None:
        schedule_param(sched, fn, name)
    found = _triggers(triggers, name)
    for trigger in found:
        trigger_param(trigger, fn, name)
    alerts = parse_alerts(on_failure, name)
    from glacier.runs.config import check_setting

    return sched, found, alerts, check_setting(runs, name)


def _triggers(value: OnWrite | Sequence[OnWrite] | None, name: str) -> tuple[OnWrite, ...]:
    if value is None:
        return ()
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
