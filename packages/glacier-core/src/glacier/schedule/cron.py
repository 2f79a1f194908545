"""``Schedule``: run a pipeline on a cron schedule, in a time zone, with its logical date.

Cron expressions are parsed by `cronsim <https://pypi.org/project/cronsim/>`_ (maintained,
pure Python, no dependencies, the five standard fields plus ``L``, ``W`` and ``#``, and
Debian cron's handling of daylight-saving transitions). Time zones are IANA names through
:mod:`zoneinfo` (``tzdata`` supplies them where the system has none).

What a compiler needs is plain data: :attr:`Schedule.cron`, :attr:`Schedule.timezone` and
:attr:`Schedule.param`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from glacier.errors import PipelineDefinitionError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

#: The parameter that receives the logical date when ``param`` is not given and the
#: pipeline function accepts it.
DEFAULT_PARAM = "logical_date"


@dataclass(frozen=True)
class Schedule:
    """Fire a pipeline at every cron tick; the tick (its *logical date*) goes to ``param``.

    >>> Schedule(cron="0 2 * * *", timezone="Europe/Paris", param="day")

    The logical date is the tick itself: 02:00 Paris time on each day. A parameter
    annotated ``date`` receives the tick's date in ``timezone``; otherwise (``datetime``,
    unannotated) an aware ``datetime`` in ``timezone``; ``str`` gets ISO text.
    """

    cron: str
    timezone: str = "UTC"
    param: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.cron, str) or not self.cron.strip():
            raise PipelineDefinitionError(
                f"Schedule cron must be a cron expression such as '0 2 * * *', got {self.cron!r}."
            )
        object.__setattr__(self, "cron", " ".join(self.cron.split()))
        from cronsim import CronSim, CronSimError

        try:
            CronSim(self.cron, datetime(2000, 1, 1))
        except CronSimError as exc:
            raise PipelineDefinitionError(
                f"Schedule cron {self.cron!r} is not a valid cron expression: {exc}. Use five "
                "fields: minute hour day-of-month month day-of-week, e.g. '0 2 * * *' "
                "(02:00 every day)."
            ) from None
        if not isinstance(self.timezone, str) or not self.timezone:
            raise PipelineDefinitionError(
                f"Schedule timezone must be an IANA name such as 'Europe/Paris', "
                f"got {self.timezone!r}."
            )
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise PipelineDefinitionError(
                f"Schedule timezone {self.timezone!r} is not a known IANA time zone. Use a "
                "name such as 'UTC', 'Europe/Paris' or 'America/New_York'."
            ) from None
        if self.param is not None and (not isinstance(self.param, str) or not self.param):
            raise PipelineDefinitionError(
                f"Schedule param must be a parameter name, got {self.param!r}."
            )

    @cached_property
    def tz(self) -> ZoneInfo:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)

    def _iter(self, start: datetime, reverse: bool = False) -> Iterator[datetime]:
        from cronsim import CronSim

        local = start.astimezone(self.tz)
        return iter(CronSim(self.cron, local, reverse=reverse))

    def next_after(self, moment: datetime) -> datetime:
        """The first tick strictly after ``moment`` (aware, in the schedule's zone)."""
        return next(self._iter(moment))

    def last_at_or_before(self, moment: datetime) -> datetime | None:
        """The latest tick at or before ``moment``, or None if the expression never fired
        in the last few years."""
        nxt = self.next_after(moment - timedelta(microseconds=1))
        if nxt <= moment:
            return nxt
        return next(self._iter(moment, reverse=True), None)

    def ticks(self, after: datetime, until: datetime, limit: int = 10_000) -> list[datetime]:
        """Ticks in ``(after, until]``, oldest first, at most ``limit`` (the newest kept)."""
        out: list[datetime] = []
        for tick in self._iter(after):
            if tick > until:
                break
            out.append(tick)
            if len(out) > limit:
                out.pop(0)
        return out

    def logical_value(self, tick: datetime, kind: str) -> Any:
        """The value handed to the pipeline for ``tick``, by the parameter's kind."""
        local = tick.astimezone(self.tz)
        if kind == "date":
            return local.date()
        if kind == "str":
            return local.isoformat()
        return local


def parse_schedule(
    schedule: Schedule | str | None, timezone: str | None, pipeline: str
) -> Schedule | None:
    """``@pipeline(schedule=..., timezone=...)`` as one :class:`Schedule` (or None)."""
    if schedule is None:
        if timezone is not None:
            raise PipelineDefinitionError(
                f"Pipeline {pipeline!r}: timezone={timezone!r} is given without a schedule; "
                "add schedule='0 2 * * *' or remove timezone."
            )
        return None
    if isinstance(schedule, Schedule):
        if timezone is not None and timezone != schedule.timezone:
            raise PipelineDefinitionError(
                f"Pipeline {pipeline!r}: timezone={timezone!r} conflicts with the Schedule's "
                f"timezone {schedule.timezone!r}; set it in one place."
            )
        return schedule
    if isinstance(schedule, str):
        try:
            return Schedule(cron=schedule, timezone=timezone or "UTC")
        except PipelineDefinitionError as exc:
            raise PipelineDefinitionError(f"Pipeline {pipeline!r}: {exc}") from None
    raise PipelineDefinitionError(
        f"Pipeline {pipeline!r}: schedule= takes a cron string such as '0 2 * * *' or a "
        f"Schedule(...), got {type(schedule).__name__}."
    )


def schedule_param(schedule: Schedule, fn: Callable[..., Any], pipeline: str) -> str | None:
    """The parameter receiving the logical date: ``schedule.param`` (which must exist), or
    ``logical_date`` when the function takes it, else none."""
    from glacier.schedule.params import accepts

    if schedule.param is not None:
        if not accepts(fn, schedule.param):
            raise PipelineDefinitionError(
                f"Pipeline {pipeline!r}: the schedule hands the logical date to parameter "
                f"{schedule.param!r}, but the pipeline function has no such parameter. Add "
                f"'{schedule.param}: date' to its signature or change Schedule(param=...)."
            )
        return schedule.param
    return DEFAULT_PARAM if accepts(fn, DEFAULT_PARAM) else None


__all__ = ["DEFAULT_PARAM", "Schedule", "parse_schedule", "schedule_param"]
