"""Snapshot reads: every collect of a Glacier scan reads exactly one version of the data.

``scan()`` returns a LazyFrame whose source is Glacier code (a Polars IO plugin), so that
the read itself, wherever it is collected (``collect()``, a sink, a join), runs here:

1. *resolve*: find the current version: the dataset manifest (its file list), the listing
   of a dataset without one, or the ETag / generation / version id of a single object.
   ``scan()`` resolves once (to read the schema) and its first collect reads that version;
   later collects resolve again, like Polars' own scans list files again;
2. *read* it with the backend's reader (Polars' native cloud reader or pyarrow over fsspec),
   with the projection, predicate and row limit pushed down;
3. *check* (single objects only): the object still has the tag it had in step 1. Objects
   of a dataset are immutable (each write uses new names), so they need no check.

If the read fails or the check finds a new version, the version is resolved again and read
again (up to :data:`READ_ATTEMPTS` reads). A read that fails twice on the same version, and
a version replaced that many times during one collect, becomes a
:class:`~glacier.errors.StorageError` naming the URI. Polars panics (a ``BaseException``)
are translated too; they never reach the caller raw.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from glacier.errors import GlacierError, StorageError
from glacier.storage.failures import is_read_failure

#: Reads of one collect: the first, then one more each time a writer replaced the version
#: being read (a read fails only if the data is replaced this many times during it).
READ_ATTEMPTS = 5


@dataclass(frozen=True)
class Snapshot:
    """One resolved version: the files to read and what identifies the version."""

    files: tuple[str, ...]
    pin: Hashable


class SnapshotSource(Protocol):
    """What a backend provides to read one location by snapshots."""

    def resolve(self) -> Snapshot:
        """The current version (raises a Glacier error if there is none)."""

    def frame(self, files: Sequence[str], pin: Hashable = None) -> pl.LazyFrame:
        """A LazyFrame over ``files`` (of the version ``pin``) with the backend's reader."""

    def unchanged(self, snapshot: Snapshot) -> bool:
        """Whether ``snapshot`` is still current (``True`` for immutable files)."""

    def translate(self, exc: BaseException) -> StorageError:
        """The Glacier error for a failed read."""


def snapshot_scan(source: SnapshotSource, uri: str) -> pl.LazyFrame:
    """A LazyFrame whose every collect reads one version of ``source``. Its schema is read
    now, from the current version, so a missing or unreadable location fails here."""
    from polars.io.plugins import register_io_source

    from glacier.exit_guard import arm

    arm()  # Polars runs ``read`` on its own threads: never let an exit cut it off
    first, schema = current_schema(source)
    pinned = [first]  # the first collect reads the version scan() resolved (no new lookup)

    def read(
        with_columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        snapshot = pinned.pop() if pinned else None
        query = _pushdown(with_columns, predicate, n_rows)
        yield read_snapshot(source, schema, uri, query, snapshot=snapshot)

    return register_io_source(read, schema=schema)


def _pushdown(
    with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None
) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
    def apply(lf: pl.LazyFrame) -> pl.LazyFrame:
        if predicate is not None:
            lf = lf.filter(predicate)
        if with_columns is not None:
            lf = lf.select(with_columns)
        if n_rows is not None:
            lf = lf.head(n_rows)
        return lf

    return apply


def current_schema(source: SnapshotSource) -> tuple[Snapshot, pl.Schema]:
    """The current version and its schema (read again if it is replaced meanwhile)."""
    snapshot = source.resolve()
    same_failures = 0
    for _ in range(READ_ATTEMPTS - 1):
        try:
            return snapshot, source.frame(snapshot.files, snapshot.pin).collect_schema()
        except GlacierError:
            raise
        except BaseException as exc:
            if not is_read_failure(exc):
                raise
            newer = source.resolve()
            same_failures += newer.pin == snapshot.pin
            if same_failures > 1:
                raise source.translate(exc) from exc
            snapshot = newer
    try:
        return snapshot, source.frame(snapshot.files, snapshot.pin).collect_schema()
    except GlacierError:
        raise
    except BaseException as exc:
        if not is_read_failure(exc):
            raise
        raise source.translate(exc) from exc


def read_snapshot(
    source: SnapshotSource,
    schema: pl.Schema,
    uri: str,
    query: Callable[[pl.LazyFrame], pl.LazyFrame] = lambda lf: lf,
    *,
    snapshot: Snapshot | None = None,
) -> pl.DataFrame:
    """Read one version of ``source``: ``snapshot`` if given (a version resolved before),
    else the current one; a version replaced during the read is read again from the new
    one (see the module doc)."""
    if snapshot is None:
        snapshot = source.resolve()
    same_failures = 0
    for _ in range(READ_ATTEMPTS):
        try:
            lf = source.frame(snapshot.files, snapshot.pin)
            if lf.collect_schema() != schema:
                raise StorageError(
                    f"The schema of {uri} changed after it was scanned: call scan() again.",
                    uri=uri,
                )
            df = query(lf).collect()
        except GlacierError:
            raise
        except BaseException as exc:  # Polars panics are BaseExceptions
            if not is_read_failure(exc):
                raise
            newer = source.resolve()
            same_failures += newer.pin == snapshot.pin
            if same_failures > 1:  # failed twice on one version: a real failure
                raise source.translate(exc) from exc
            snapshot = newer  # replaced while we read it (or a glitch): read again
            continue
        if source.unchanged(snapshot):
            return df
        snapshot = source.resolve()
    raise StorageError(
        f"{uri} was replaced {READ_ATTEMPTS} times while it was being read, so no version "
        "could be read whole. Read it again (or pause the writers).",
        uri=uri,
    )
