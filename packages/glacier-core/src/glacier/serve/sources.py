"""What makes ``glacier serve`` start a run: schedule ticks and object writes.

A source is polled by the server (:meth:`due`) and answers with the runs that are due now;
each comes with a ``claim`` callback that persists "this one has started" and is called
right before the run starts (so a run still queued when serve stops fires after a restart,
and one that started never fires again).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from glacier.schedule.params import kind_of
from glacier.serve.state import EventState, ScheduleState, event_key

if TYPE_CHECKING:
    from glacier.dag.pipeline import Pipeline
    from glacier.runs.blobs import BlobInfo, Blobs
    from glacier.runs.store import RunStore
    from glacier.schedule.cron import Schedule
    from glacier.schedule.trigger import OnWrite


@dataclass
class Due:
    """A run to start: which pipeline, with which parameters, and why."""

    pipeline: Pipeline
    params: dict[str, Any]
    trigger: dict[str, Any]
    #: Persist that this run starts (called with its run id before it starts).
    claim: Callable[[str], None]
    #: Called if the run is dropped without starting (serve stopping).
    release: Callable[[], None] = field(default=lambda: None)

    def describe(self) -> str:
        t = self.trigger
        if t.get("kind") == "schedule":
            return f"schedule {t.get('cron')!r} logical date {t.get('logical_date')}"
        if t.get("kind") == "event":
            return f"write of {t.get('uri')}"
        return str(t.get("kind"))


class ScheduleSource:
    """Fires a pipeline's :class:`Schedule` at most once per logical date.

    First start: the latest tick at or before now counts as done (nothing from the past
    fires). After a restart, only the most recent missed tick fires; older missed ones are
    reported (run them with ``glacier backfill``).
    """

    def __init__(
        self,
        pipeline: Pipeline,
        schedule: Schedule,
        param: str | None,
        store: RunStore,
        log: Callable[[str], None],
    ) -> None:
        self.pipeline = pipeline
        self.schedule = schedule
        self.param = param
        self.kind = kind_of(pipeline.fn, param) if param else "any"
        self.state = ScheduleState(store, str(pipeline.name))
        self.log = log
        self.last: datetime | None = None

    @property
    def name(self) -> str:
        return f"{self.pipeline.name}: schedule {self.schedule.cron!r} ({self.schedule.timezone})"

    def start(self, now: datetime) -> None:
        last = self.state.load()
        if last is None:
            last = self.schedule.last_at_or_before(now) or now
            self.state.save(
                last, run_id=None, cron=self.schedule.cron, timezone=self.schedule.timezone
            )
        self.last = last

    def next_due(self) -> datetime | None:
        assert self.last is not None
        return self.schedule.next_after(self.last)

    def due(self, now: datetime) -> list[Due]:
        assert self.last is not None
        ticks = self.schedule.ticks(self.last, now)
        if not ticks:
            return []
        tick = ticks[-1]
        if len(ticks) > 1:
            self.log(
                f"{self.pipeline.name}: {len(ticks) - 1} missed tick(s) from "
                f"{ticks[0].isoformat()} to {ticks[-2].isoformat()} are not fired (only the "
                "latest is); run them with `glacier backfill`"
            )
        previous, self.last = self.last, tick
        params: dict[str, Any] = {}
        if self.param:
            params[self.param] = self.schedule.logical_value(tick, self.kind)
        trigger = {
            "kind": "schedule",
            "cron": self.schedule.cron,
            "timezone": self.schedule.timezone,
            "logical_date": tick.isoformat(),
        }

        def claim(run_id: str) -> None:
            self.state.save(
                tick, run_id=run_id, cron=self.schedule.cron, timezone=self.schedule.timezone
            )

        def release() -> None:
            if self.last == tick:
                self.last = previous

        return [Due(self.pipeline, params, trigger, claim, release)]


class WriteSource:
    """Fires a pipeline once per new object version under an :class:`OnWrite` trigger's
    prefix. Local folders are rescanned when the watcher reports a change (and every
    ``poll_interval``); object stores are listed every ``poll_interval`` seconds."""

    def __init__(
        self,
        pipeline: Pipeline,
        trigger: OnWrite,
        param: str | None,
        store: RunStore,
        log: Callable[[str], None],
        *,
        poll_interval: float,
        settle: float = 0.5,
    ) -> None:
        from glacier.runs.blobs import LocalBlobs, blobs_for

        self.pipeline = pipeline
        self.trigger = trigger
        self.param = param
        self.kind = kind_of(pipeline.fn, param) if param else "any"
        self.store = store
        self.log = log
        self.poll_interval = poll_interval
        self.settle = settle
        self.blobs: Blobs = blobs_for(trigger.bucket)
        self.local = isinstance(self.blobs, LocalBlobs)
        bucket = trigger.bucket
        path = bucket.path
        #: Key prefix of the bucket's watched folder (relative to the bucket root).
        self.base = (
            path if bucket.is_dataset else path.rsplit("/", 1)[0] + "/" if "/" in path else ""
        )
        #: Single-object buckets watch one name in that folder.
        self.only = None if bucket.is_dataset else path.rsplit("/", 1)[-1]
        self.state = EventState(store, str(pipeline.name), trigger.id)
        self.seen: set[str] = set()
        self.pending: set[str] = set()
        self.dirty = True
        self._next_poll = 0.0
        #: Listings done so far (observable progress: tests wait for polls by count).
        self.listings = 0

    @property
    def name(self) -> str:
        return f"{self.pipeline.name}: writes under {self.blobs.uri}{self.trigger.prefix}"

    def _listing(self) -> list[BlobInfo]:
        found = self.blobs.walk()
        if self.only is not None:
            return [b for b in found if b.key == self.only]
        return [b for b in found if self.trigger.matches(b.key)]

    def start(self, now: datetime) -> None:
        self.seen = self.state.seen()
        baseline = self.state.baseline()
        if baseline is None:
            baseline = {event_key(b.uri, b.version) for b in self._listing()}
            self.state.save_baseline(baseline)
        self.seen |= baseline

    def poke(self) -> None:
        """A change was reported (file watcher): rescan on the next :meth:`due`."""
        self.dirty = True

    def next_due(self) -> datetime | None:
        return None  # driven by the poll interval and the watcher

    def due(self, now: datetime) -> list[Due]:
        mono = time.monotonic()
        if not self.dirty and mono < self._next_poll:
            return []
        self.dirty = False
        self._next_poll = mono + self.poll_interval
        out: list[Due] = []
        wall = time.time()
        listing = self._listing()
        self.listings += 1
        for info in listing:
            key = event_key(info.uri, info.version)
            if key in self.seen or key in self.pending:
                continue
            if self.local and info.mtime is not None and info.mtime > wall - self.settle:
                # Possibly still being copied in: look again once it has settled.
                self._next_poll = min(self._next_poll, mono + self.settle)
                continue
            out.append(self._due(info, key))
        return out

    def _due(self, info: BlobInfo, key: str) -> Due:
        self.pending.add(key)
        params: dict[str, Any] = {}
        if self.param:
            params[self.param] = self._value(info)
        trigger = {
            "kind": "event",
            "event": "write",
            "uri": info.uri,
            "version": info.version,
            "trigger_id": self.trigger.id,
        }

        def claim(run_id: str) -> None:
            self.state.mark(
                key,
                {"uri": info.uri, "version": info.version, "run_id": run_id},
            )
            self.pending.discard(key)
            self.seen.add(key)

        def release() -> None:
            self.pending.discard(key)

        return Due(self.pipeline, params, trigger, claim, release)

    def _value(self, info: BlobInfo) -> Any:
        if self.kind != "bucket":
            return info.uri
        bucket = self.trigger.bucket
        return bucket.provider.bucket(bucket.bucket_name, path=self.base + info.key)


def poll_delay(sources: list[Any], now: datetime, poll_interval: float) -> float:
    """Seconds until some source may have work (capped at ``poll_interval``)."""
    delay = poll_interval
    for source in sources:
        nxt = source.next_due()
        if nxt is not None:
            delay = min(delay, max(0.0, (nxt - now) / timedelta(seconds=1)))
        if isinstance(source, WriteSource):
            delay = min(delay, max(0.0, source._next_poll - time.monotonic()))
    return delay
