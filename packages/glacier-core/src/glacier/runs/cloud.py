"""How a cloud scheduler or bucket event starts a run in the driver, at most once.

The compiled program starts the driver (``glacier run <module>:<pipeline>``) with:

- ``--scheduled-at TIME`` from a scheduler (EventBridge Scheduler's ``scheduled-time``;
  ``latest`` for schedulers that cannot pass it: the latest tick at or before now): the
  tick becomes the logical date of the pipeline's own
  :class:`~glacier.schedule.Schedule` (in its time zone, converted for the parameter's
  annotation, as ``glacier serve`` does);
- ``--event-uri URI --event-version V [--trigger-id ID]`` from a bucket event (S3 via
  EventBridge, GCS via Eventarc, Azure via Event Grid): the URI goes to the trigger's
  parameter; objects the trigger does not match (``_``/``.`` parts, other suffixes) are
  ignored.

Clouds deliver events and scheduled starts *at least once*. Before running, the driver claims
the start in the pipeline's run store: one object ``<pipeline>/_state/once/<key>.json``
created with a conditional write (S3 ``If-None-Match: *``, GCS ``ifGenerationMatch=0``,
Azure ``If-None-Match: *``, a hard link locally). The key is the hash of the trigger id and
the object URI + version (the S3 sequencer, GCS generation, Azure ETag), or of the schedule
and its tick. A second delivery finds the claim, prints the run id of the first and exits 0.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from glacier.errors import PipelineParameterError

if TYPE_CHECKING:
    from glacier.dag.pipeline import Pipeline
    from glacier.runs.store import RunStore

#: Folder of the claims in the pipeline's state.
ONCE = "once"
#: ``--scheduled-at latest``: the schedule's latest tick at or before now (for schedulers
#: whose command is static, e.g. a Container Apps job schedule).
LATEST = "latest"


@dataclass
class CloudStart:
    """What started this run: its parameters, trigger (for the record) and dedupe key.
    ``ignored`` says why nothing runs (an object the trigger does not match)."""

    params: dict[str, Any]
    trigger: dict[str, Any]
    key: str
    ignored: str | None = None


def parse_time(text: str) -> datetime:
    """An ISO time (``2026-11-01T01:00:00Z``); naive times are UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise PipelineParameterError(
            f"--scheduled-at {text!r} is not an ISO time such as 2026-11-01T01:00:00Z."
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def scheduled_start(pipe: Pipeline, text: str) -> CloudStart:
    """A start by the pipeline's schedule at tick ``text``."""
    from glacier.schedule.cron import schedule_param
    from glacier.schedule.params import kind_of

    schedule = pipe.schedule
    if schedule is None:
        raise PipelineParameterError(
            f"Pipeline {pipe.name!r} has no schedule, but was started with --scheduled-at. "
            "Recompile and deploy it (glacier deploy), or start it without --scheduled-at."
        )
    if text.strip().lower() == LATEST:
        # schedulers that cannot pass their tick (a static command): the latest tick now
        found = schedule.last_at_or_before(datetime.now(UTC))
        if found is None:
            raise PipelineParameterError(
                f"Pipeline {pipe.name!r}: --scheduled-at latest, but its schedule "
                f"{schedule.cron!r} has not fired in years."
            )
        tick = found.astimezone(schedule.tz)
    else:
        tick = parse_time(text).astimezone(schedule.tz)
    param = schedule_param(schedule, pipe.fn, str(pipe.name))
    params: dict[str, Any] = {}
    if param:
        params[param] = schedule.logical_value(tick, kind_of(pipe.fn, param))
    trigger = {
        "kind": "schedule",
        "cron": schedule.cron,
        "timezone": schedule.timezone,
        "logical_date": tick.isoformat(),
    }
    key = _key("schedule", schedule.cron, schedule.timezone, tick.astimezone(UTC).isoformat())
    return CloudStart(params, trigger, key)


def event_start(pipe: Pipeline, uri: str, version: str, trigger_id: str | None) -> CloudStart:
    """A start by a bucket event for the object ``uri`` at ``version``."""
    from glacier.schedule.params import kind_of
    from glacier.schedule.trigger import trigger_param

    triggers = list(pipe.triggers)
    if trigger_id:
        triggers = [t for t in triggers if t.id == trigger_id]
    if len(triggers) != 1:
        known = ", ".join(t.id for t in pipe.triggers) or "none"
        raise PipelineParameterError(
            f"Pipeline {pipe.name!r}: the event names trigger {trigger_id or '(none)'}, which "
            f"matches {len(triggers)} of its triggers (ids: {known}). Recompile and deploy."
        )
    (trigger,) = triggers
    bucket = trigger.bucket
    param = trigger_param(trigger, pipe.fn, str(pipe.name))
    info = {
        "kind": "event",
        "event": "write",
        "uri": uri,
        "version": version,
        "trigger_id": trigger.id,
    }
    key = _key("event", trigger.id, uri, version)
    relative = _relative_key(uri, bucket)
    if relative is None or (bucket.is_dataset and not trigger.matches(relative)):
        why = f"{uri} is not under {bucket.get_uri()}{trigger.prefix}"
        if relative is not None:
            why = f"{uri} does not match the trigger (suffix, or a '_'/'.' path part)"
        return CloudStart({}, info, key, ignored=why)
    params: dict[str, Any] = {}
    if param:
        if kind_of(pipe.fn, param) == "bucket":
            path = bucket.path + relative if bucket.is_dataset else bucket.path
            params[param] = bucket.provider.bucket(bucket.bucket_name, path=path)
        else:
            params[param] = uri
    return CloudStart(params, info, key)


def _relative_key(uri: str, bucket: Any) -> str | None:
    """The object's key relative to the trigger bucket's watched prefix (its own URI, the
    form events name objects by: ``s3://b/landing/`` + ``x.parquet``), or None outside it."""
    base = bucket.get_uri()
    if bucket.is_dataset:
        base = base if base.endswith("/") else base + "/"
        return uri[len(base) :] if uri.startswith(base) else None
    return "" if uri == base else None


def _key(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


def claim(store: RunStore, pipeline: str, start: CloudStart, run_id: str) -> str | None:
    """Claim ``start`` for ``run_id``; None when claimed now, else the run id that claimed
    it first (the run to skip)."""
    import json

    from glacier.runs.record import iso

    name = f"{ONCE}/{start.key}.json"
    data = {"run_id": run_id, "trigger": start.trigger, "claimed_at": iso(_now())}
    if store.claim(pipeline, name, data):
        return None
    first = store.get_state(pipeline, name) or {}
    return str(first.get("run_id") or "?") if isinstance(first, dict) else json.dumps(first)


def _now() -> float:
    import time

    return time.time()
