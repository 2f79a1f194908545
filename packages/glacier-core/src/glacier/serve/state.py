"""What ``glacier serve`` persists so that restarts fire nothing twice.

Both live in the pipeline's run store, under ``<pipeline>/_state/``:

* ``schedule.json``: the last logical date fired (written *before* its run starts, so a
  logical date is never fired twice, even across restarts; at most once).
* ``events-<trigger id>/<hash>.json``: one marker per object version that started a run
  (hash of URI + version), written before the run starts; and ``events-<trigger
  id>.baseline.json``: the objects present when the trigger was first served (those do not
  fire: like a cloud event rule, only writes after it exists count).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from glacier.runs.record import iso, parse_iso
from glacier.runs.store import RunStore

SCHEDULE = "schedule.json"


class ScheduleState:
    """The last fired logical date of one pipeline's schedule."""

    def __init__(self, store: RunStore, pipeline: str) -> None:
        self.store = store
        self.pipeline = pipeline

    def load(self) -> datetime | None:
        data = self.store.get_state(self.pipeline, SCHEDULE)
        if not data:
            return None
        return parse_iso(data.get("last_logical_date"))

    def save(self, tick: datetime, *, run_id: str | None, cron: str, timezone: str) -> None:
        self.store.put_state(
            self.pipeline,
            SCHEDULE,
            {
                "last_logical_date": tick.isoformat(),
                "run_id": run_id,
                "cron": cron,
                "timezone": timezone,
                "saved_at": iso(_now()),
            },
        )


def event_key(uri: str, version: str) -> str:
    """The dedupe key of one delivery of an object write: hash of URI and version."""
    return hashlib.sha256(f"{uri}\n{version}".encode()).hexdigest()[:32]


class EventState:
    """Which object versions of one trigger have started a run (or predate it)."""

    def __init__(self, store: RunStore, pipeline: str, trigger_id: str) -> None:
        self.store = store
        self.pipeline = pipeline
        self.folder = f"events-{trigger_id}"
        self.baseline_name = f"{self.folder}.baseline.json"

    def seen(self) -> set[str]:
        """Keys of every marker."""
        names = self.store.state_names(self.pipeline, self.folder)
        return {n.removesuffix(".json") for n in names if n.endswith(".json")}

    def baseline(self) -> set[str] | None:
        data = self.store.get_state(self.pipeline, self.baseline_name)
        if data is None:
            return None
        return set(data.get("keys") or [])

    def save_baseline(self, keys: set[str]) -> None:
        self.store.put_state(
            self.pipeline, self.baseline_name, {"keys": sorted(keys), "saved_at": iso(_now())}
        )

    def mark(self, key: str, info: dict[str, Any]) -> None:
        self.store.put_state(self.pipeline, f"{self.folder}/{key}.json", info)


def _now() -> float:
    import time

    return time.time()
