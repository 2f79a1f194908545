"""Run stores: where run records (and ``glacier serve``'s small state objects) live.

:class:`RunStore` is the interface (a plugin could back it by a database or a cloud's native
run history). :class:`BucketRunStore` keeps one JSON object per run in any bucket::

    <prefix><pipeline>/<run-id>.json          one record per run, written only by that run
    <prefix><pipeline>/_state/...             serve's schedule and event-dedupe state

One object per run id and no read-modify-write: concurrent runs never touch each other's
records. Run ids start with the UTC start time, so listing a pipeline's folder gives its runs
in start order without reading them.
"""

from __future__ import annotations

import json
import re
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from glacier.errors import RunNotFoundError, RunRecordWarning
from glacier.runs.record import RunRecord

if TYPE_CHECKING:
    from glacier.resources.bucket import Bucket
    from glacier.runs.blobs import Blobs

_RECORD_SUFFIX = ".json"
_STATE = "_state"
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]")
#: Records read per round trip when listing (object stores fetch them concurrently).
_BATCH = 32


def folder_of(pipeline: str) -> str:
    """The folder name of a pipeline's runs (its name with unsafe characters replaced)."""
    name = _UNSAFE.sub("_", pipeline) or "_"
    return "_" + name[1:] if name[0] in "._" else name


class RunStore(ABC):
    """Where run records live. Implementations must keep one record per run id, so that
    concurrent runs never overwrite each other."""

    #: False for the disabled store: nothing is written, nothing is found.
    enabled: bool = True

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the records are (a URI), for messages and ``glacier runs``."""

    @abstractmethod
    def write(self, record: RunRecord) -> None:
        """Create or replace the record of ``record.run_id`` (only its own run writes it)."""

    @abstractmethod
    def read(self, pipeline: str, run_id: str) -> RunRecord | None:
        """One record, or None."""

    @abstractmethod
    def pipelines(self) -> list[str]:
        """Folder names of the pipelines that have records, sorted."""

    @abstractmethod
    def run_ids(self, pipeline: str) -> list[str]:
        """Run ids of a pipeline, oldest first."""

    @abstractmethod
    def read_many(self, pipeline: str, run_ids: list[str]) -> list[RunRecord]:
        """Several records of one pipeline (missing or unreadable ones are left out)."""

    # -- serve state -------------------------------------------------------------------------
    @abstractmethod
    def get_state(self, pipeline: str, name: str) -> dict[str, Any] | None:
        """A small JSON state object of ``glacier serve`` (None when absent)."""

    @abstractmethod
    def put_state(self, pipeline: str, name: str, data: dict[str, Any]) -> None:
        """Create or replace a state object."""

    @abstractmethod
    def state_names(self, pipeline: str, folder: str) -> list[str]:
        """Names of the state objects in a state folder."""

    def claim(self, pipeline: str, name: str, data: dict[str, Any]) -> bool:
        """Create the state object ``name`` only if it does not exist; True for the one
        caller that created it. Stores that cannot create conditionally fall back to
        read-then-write (not atomic: override this)."""
        if self.get_state(pipeline, name) is not None:
            return False
        self.put_state(pipeline, name, data)
        return True

    # -- queries -----------------------------------------------------------------------------
    def records(
        self,
        pipeline: str | None = None,
        *,
        where: Callable[[RunRecord], bool] | None = None,
        limit: int | None = None,
    ) -> Iterator[RunRecord]:
        """Records newest first (by start time), optionally filtered, at most ``limit``."""
        names = [folder_of(pipeline)] if pipeline else self.pipelines()
        ids = sorted(
            ((run_id, name) for name in names for run_id in self.run_ids(name)), reverse=True
        )
        count = 0
        for start in range(0, len(ids), _BATCH):
            chunk = ids[start : start + _BATCH]
            by_pipe: dict[str, list[str]] = {}
            for run_id, name in chunk:
                by_pipe.setdefault(name, []).append(run_id)
            found = {r.run_id: r for n, rs in by_pipe.items() for r in self.read_many(n, rs)}
            for run_id, _ in chunk:
                record = found.get(run_id)
                if record is None or (where is not None and not where(record)):
                    continue
                yield record
                count += 1
                if limit is not None and count >= limit:
                    return

    def find(self, run_id: str, pipeline: str | None = None) -> RunRecord:
        """The record of ``run_id`` (searched in every pipeline's folder unless given)."""
        names = [folder_of(pipeline)] if pipeline else self.pipelines()
        for name in names:
            record = self.read(name, run_id)
            if record is not None:
                return record
        raise RunNotFoundError(
            f"No run {run_id!r} in the run store at {self.location}. List runs with "
            "`glacier runs list`; set GLACIER_RUNS_URI (or pass --store) if the records are "
            "elsewhere."
        )


class NullRunStore(RunStore):
    """Recording turned off (``runs=False`` or ``GLACIER_RUNS_URI=off``)."""

    enabled = False

    @property
    def location(self) -> str:
        return "(run records are off)"

    def write(self, record: RunRecord) -> None:
        return None

    def read(self, pipeline: str, run_id: str) -> RunRecord | None:
        return None

    def pipelines(self) -> list[str]:
        return []

    def run_ids(self, pipeline: str) -> list[str]:
        return []

    def read_many(self, pipeline: str, run_ids: list[str]) -> list[RunRecord]:
        return []

    def get_state(self, pipeline: str, name: str) -> dict[str, Any] | None:
        return None

    def put_state(self, pipeline: str, name: str, data: dict[str, Any]) -> None:
        return None

    def state_names(self, pipeline: str, folder: str) -> list[str]:
        return []

    def claim(self, pipeline: str, name: str, data: dict[str, Any]) -> bool:
        return True  # nothing is recorded: every start runs


class BucketRunStore(RunStore):
    """Records as JSON objects under a bucket prefix, on any backend."""

    def __init__(self, bucket: Bucket | None = None, *, blobs: Blobs | None = None) -> None:
        if blobs is None:
            if bucket is None:
                raise TypeError("BucketRunStore needs a bucket")
            from glacier.runs.blobs import blobs_for

            blobs = blobs_for(bucket)
        self.blobs = blobs

    @property
    def location(self) -> str:
        return self.blobs.uri

    def __repr__(self) -> str:
        return f"BucketRunStore({self.location!r})"

    @staticmethod
    def key_of(pipeline: str, run_id: str) -> str:
        return f"{folder_of(pipeline)}/{run_id}{_RECORD_SUFFIX}"

    def write(self, record: RunRecord) -> None:
        data = record.to_json().encode()
        self.blobs.put(self.key_of(record.pipeline, record.run_id), data)

    def read(self, pipeline: str, run_id: str) -> RunRecord | None:
        data = self.blobs.get(self.key_of(pipeline, run_id))
        return None if data is None else _parse(data, self.blobs.uri_of(run_id))

    def pipelines(self) -> list[str]:
        return [n for n in self.blobs.children() if not n.endswith(_RECORD_SUFFIX)]

    def run_ids(self, pipeline: str) -> list[str]:
        names = self.blobs.children(folder_of(pipeline))
        return sorted(n[: -len(_RECORD_SUFFIX)] for n in names if n.endswith(_RECORD_SUFFIX))

    def read_many(self, pipeline: str, run_ids: list[str]) -> list[RunRecord]:
        keys = {self.key_of(pipeline, r): r for r in run_ids}
        found = self.blobs.get_many(list(keys))
        out = []
        for key in keys:
            if key in found:
                record = _parse(found[key], self.blobs.uri_of(key))
                if record is not None:
                    out.append(record)
        return out

    def _state_key(self, pipeline: str, name: str) -> str:
        return f"{folder_of(pipeline)}/{_STATE}/{name}"

    def get_state(self, pipeline: str, name: str) -> dict[str, Any] | None:
        data = self.blobs.get(self._state_key(pipeline, name))
        if data is None:
            return None
        value = json.loads(data)
        return value if isinstance(value, dict) else None

    def put_state(self, pipeline: str, name: str, data: dict[str, Any]) -> None:
        self.blobs.put(self._state_key(pipeline, name), json.dumps(data).encode())

    def state_names(self, pipeline: str, folder: str) -> list[str]:
        return self.blobs.children(self._state_key(pipeline, folder))

    def claim(self, pipeline: str, name: str, data: dict[str, Any]) -> bool:
        return self.blobs.create(self._state_key(pipeline, name), json.dumps(data).encode())


def _parse(data: bytes, where: str) -> RunRecord | None:
    try:
        return RunRecord.from_json(data)
    except (ValueError, KeyError, TypeError) as exc:
        warnings.warn(
            f"Skipping unreadable run record {where}: {type(exc).__name__}: {exc}",
            RunRecordWarning,
            stacklevel=3,
        )
        return None
