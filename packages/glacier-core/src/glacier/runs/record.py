"""The run record: one JSON object per pipeline run (see docs/operating.md for the format).

Plain dataclasses with explicit ``to_dict``/``from_dict``: a record is written twice per run
(when it starts and when it ends), so building and encoding one must cost microseconds.
Readers accept records with unknown extra fields (a newer writer) and missing optional ones.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import json
import os
import random
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Any

#: Written into every record; readers check the part before the slash.
FORMAT = "glacier.run/1"

#: Run statuses. ``running`` is what a killed process leaves behind.
RUNNING, SUCCEEDED, FAILED, CANCELLED = "running", "succeeded", "failed", "cancelled"
RUN_STATUSES = (RUNNING, SUCCEEDED, FAILED, CANCELLED)
#: Task statuses: :class:`glacier.dag.TaskStatus` values plus these record-only ones.
PENDING, SKIPPED = "pending", "skipped"

_MAX_TRACEBACK = 4000


def utc_now() -> float:
    """Wall-clock seconds since the epoch (records store wall-clock times)."""
    import time as _time

    return _time.time()


def iso(ts: float | None) -> str | None:
    """``1700000000.5`` -> ``2023-11-14T22:13:20.500Z`` (UTC, milliseconds)."""
    if ts is None:
        return None
    text = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def parse_iso(text: str | None) -> datetime | None:
    """Inverse of :func:`iso` (any ISO-8601 text Python reads)."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def new_run_id(now: float | None = None) -> str:
    """A unique run id that sorts by start time: ``20261101T020000.123456Z-3f9a1c2e4b5d``.

    48 random bits from :mod:`random` (reseeded in forked children by the standard library;
    no syscall per id, unlike ``uuid4``) after the second: collisions are negligible."""
    stamp = datetime.fromtimestamp(utc_now() if now is None else now, UTC)
    return f"{stamp:%Y%m%dT%H%M%S.%f}Z-{random.getrandbits(48):012x}"


def jsonable(value: Any) -> Any:
    """A JSON-friendly copy of a parameter value: dates and datetimes as ISO text, paths and
    decimals as text, enums by value, buckets by URI, anything else unknown by ``repr``."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, PurePath | Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    uri = getattr(value, "get_uri", None)
    if callable(uri):
        try:
            return str(uri())
        except Exception:  # a parameter must never break recording
            pass
    return repr(value)


# -- errors -----------------------------------------------------------------------------------
_INTERNAL: tuple[str, ...] | None = None


def _internal_roots() -> tuple[str, ...]:
    """Folders whose frames are not user code: glacier itself, the standard library and
    installed packages."""
    global _INTERNAL
    if _INTERNAL is None:
        import sysconfig

        import glacier

        roots = {str(Path(glacier.__file__).resolve().parent)}
        for key in ("stdlib", "platstdlib", "purelib", "platlib"):
            with contextlib.suppress(KeyError):
                roots.add(str(Path(sysconfig.get_paths()[key]).resolve()))
        _INTERNAL = tuple(sorted(roots))
    return _INTERNAL


def user_location(exc: BaseException) -> str | None:
    """``file:line in function`` of the innermost traceback frame in user code (not glacier,
    the standard library or an installed package), or None when there is none."""
    frames = traceback.extract_tb(exc.__traceback__)
    internal = _internal_roots()
    for frame in reversed(frames):
        path = os.path.abspath(frame.filename)
        if frame.filename.startswith("<") or path.startswith(internal):
            continue
        try:
            shown = os.path.relpath(path)
        except ValueError:  # another drive on Windows
            shown = path
        if shown.startswith(".." + os.sep + ".."):
            shown = path
        return f"{shown}:{frame.lineno} in {frame.name}"
    return None


@dataclass(slots=True)
class ErrorInfo:
    """An exception as a record holds it."""

    type: str
    message: str
    location: str | None = None
    traceback: str | None = None
    task: str | None = None

    @classmethod
    def of(cls, exc: BaseException, task: str | None = None) -> ErrorInfo:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        if len(text) > _MAX_TRACEBACK:
            text = "...\n" + text[-_MAX_TRACEBACK:]
        return cls(type(exc).__name__, str(exc), user_location(exc), text, task)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ErrorInfo | None:
        if not data:
            return None
        return cls(
            type=str(data.get("type", "")),
            message=str(data.get("message", "")),
            location=data.get("location"),
            traceback=data.get("traceback"),
            task=data.get("task"),
        )

    def short(self) -> str:
        where = f" (at {self.location})" if self.location else ""
        return f"{self.type}: {self.message}{where}"


# -- records ----------------------------------------------------------------------------------
@dataclass(slots=True)
class TaskRecord:
    """What happened to one task call of a run."""

    status: str = PENDING
    attempts: int = 0
    started_at: str | None = None
    ended_at: str | None = None
    duration_s: float | None = None
    rows_written: int | None = None
    uris_written: list[str] = field(default_factory=list)
    executor: str = "local"
    job_id: str | None = None
    run_url: str | None = None
    error: ErrorInfo | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "attempts": self.attempts,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_s": self.duration_s,
            "rows_written": self.rows_written,
            "uris_written": list(self.uris_written),
            "executor": self.executor,
            "job_id": self.job_id,
            "run_url": self.run_url,
            "error": None if self.error is None else self.error.to_dict(),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskRecord:
        return cls(
            status=str(data.get("status", PENDING)),
            attempts=int(data.get("attempts") or 0),
            started_at=data.get("started_at"),
            ended_at=data.get("ended_at"),
            duration_s=data.get("duration_s"),
            rows_written=data.get("rows_written"),
            uris_written=list(data.get("uris_written") or []),
            executor=str(data.get("executor", "local")),
            job_id=data.get("job_id"),
            run_url=data.get("run_url"),
            error=ErrorInfo.from_dict(data.get("error")),
            reason=data.get("reason"),
        )


@dataclass(slots=True)
class RunRecord:
    """One run of one pipeline: stored as ``<runs prefix><pipeline>/<run_id>.json``."""

    run_id: str
    pipeline: str
    status: str = RUNNING
    params: dict[str, Any] = field(default_factory=dict)
    trigger: dict[str, Any] = field(default_factory=lambda: {"kind": "manual"})
    started_at: str | None = None
    ended_at: str | None = None
    duration_s: float | None = None
    tasks: dict[str, TaskRecord] = field(default_factory=dict)
    error: ErrorInfo | None = None
    resumed_from: str | None = None
    host: str | None = None
    pid: int | None = None
    glacier_version: str | None = None
    format: str = FORMAT

    @property
    def finished(self) -> bool:
        return self.status != RUNNING

    @property
    def ok(self) -> bool:
        return self.status == SUCCEEDED

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "run_id": self.run_id,
            "pipeline": self.pipeline,
            "status": self.status,
            "params": self.params,
            "trigger": self.trigger,
            "resumed_from": self.resumed_from,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "duration_s": self.duration_s,
            "error": None if self.error is None else self.error.to_dict(),
            "tasks": {name: t.to_dict() for name, t in self.tasks.items()},
            "host": self.host,
            "pid": self.pid,
            "glacier_version": self.glacier_version,
        }

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        fmt = str(data.get("format", FORMAT))
        if fmt.split("/")[0] != FORMAT.split("/")[0]:
            raise ValueError(f"not a Glacier run record (format {fmt!r})")
        return cls(
            run_id=str(data["run_id"]),
            pipeline=str(data["pipeline"]),
            status=str(data.get("status", RUNNING)),
            params=dict(data.get("params") or {}),
            trigger=dict(data.get("trigger") or {"kind": "manual"}),
            started_at=data.get("started_at"),
            ended_at=data.get("ended_at"),
            duration_s=data.get("duration_s"),
            tasks={k: TaskRecord.from_dict(v) for k, v in (data.get("tasks") or {}).items()},
            error=ErrorInfo.from_dict(data.get("error")),
            resumed_from=data.get("resumed_from"),
            host=data.get("host"),
            pid=data.get("pid"),
            glacier_version=data.get("glacier_version"),
            format=fmt,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> RunRecord:
        return cls.from_dict(json.loads(text))


def process_info() -> tuple[str, int]:
    """(host name, process id) for records, looked up once per process."""
    if not _PROCESS:
        import socket

        _PROCESS.append((socket.gethostname(), os.getpid()))
    return _PROCESS[0]


_PROCESS: list[tuple[str, int]] = []
os.register_at_fork(after_in_child=_PROCESS.clear)

__all__ = [
    "CANCELLED",
    "FAILED",
    "FORMAT",
    "PENDING",
    "RUNNING",
    "RUN_STATUSES",
    "SKIPPED",
    "SUCCEEDED",
    "ErrorInfo",
    "RunRecord",
    "TaskRecord",
    "iso",
    "jsonable",
    "new_run_id",
    "parse_iso",
    "user_location",
]
