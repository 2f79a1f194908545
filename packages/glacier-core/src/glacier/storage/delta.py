"""``format="delta"``: Delta Lake tables through ``deltalake`` (delta-rs), on every backend.

A Delta table is a directory of Parquet files plus a transaction log (``_delta_log/``). Each
write appends one commit to the log with a put-if-absent, so a table always equals exactly
one committed version, concurrent writers are serialised by the store, and readers pin a
version. That makes Delta the transactional dataset format of Glacier.

:class:`DeltaTableIO` holds what every backend shares (scan, write, exists, list, vacuum);
backends give it the table URI, the storage options built from the provider's credentials
and a way to remove objects (``delete()`` is a plain removal of the table's objects).

``deltalake`` is optional: ``pip install 'glacier-core[delta]'``. It is imported only when a
Delta bucket is used, never at ``import glacier``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from glacier.backoff import Backoff, retry
from glacier.errors import (
    GlacierError,
    MissingDependencyError,
    ObjectNotFoundError,
    StorageError,
)

if TYPE_CHECKING:
    from collections.abc import Hashable, Sequence
    from types import ModuleType

    from glacier.storage.snapshot import Snapshot

#: A concurrent writer committed first: write again on top of its version (last one wins).
COMMIT_ATTEMPTS = 12
#: Between attempts after losing a commit race: short, growing, jittered (writers spread out).
RACE_BACKOFF = Backoff(0.02, factor=1.5, cap=0.5, jitter=0.5)
#: Folders of a Delta table that hold its state (never data of another format).
DELTA_STATE = ("_delta_log", "_change_data")


def require_deltalake() -> ModuleType:
    """The ``deltalake`` module, or a clear error saying how to install it."""
    try:
        import deltalake
    except ImportError as exc:
        raise MissingDependencyError(
            "format='delta' needs the deltalake package: pip install 'glacier-core[delta]'"
        ) from exc
    return deltalake


def is_delta_object(relative_key: str) -> bool:
    """Whether an object (key relative to the table root) belongs to the Delta table: its
    log and change-data folders, deletion vectors, and its Parquet data files."""
    parts = relative_key.split("/")
    if parts[0] in DELTA_STATE:
        return True
    if any(p.startswith((".", "_")) for p in parts):
        return False
    name = parts[-1]
    return name.endswith(".parquet") or (name.startswith("deletion_vector") and ".bin" in name)


@dataclass(frozen=True)
class DeltaWrite:
    """What a Delta write committed."""

    version: int
    rows: int | None
    files: int


class DeltaTableIO:
    """Scan, write, exists, list and vacuum of one Delta table.

    ``uri`` is what delta-rs and Polars read (``s3://``, ``az://``, ``gs://`` or a local
    path); ``display_uri`` is the URI in messages; ``storage_options`` carry the provider's
    credentials and endpoint (``None`` locally).
    """

    def __init__(
        self,
        uri: str,
        storage_options: dict[str, str] | None,
        *,
        display_uri: str | None = None,
    ) -> None:
        self.uri = uri
        self.storage_options = storage_options
        self.display_uri = display_uri or uri

    # -- read ----------------------------------------------------------------------------
    def version(self) -> int | None:
        """The latest committed version, or ``None`` if there is no table."""
        require_deltalake()
        from deltalake.exceptions import TableNotFoundError

        # Not DeltaTable.is_deltatable(): it holds the GIL while it waits for the store.
        with self._translating("read"):
            try:
                return int(self._table().version())
            except TableNotFoundError:
                return None

    def scan(self) -> pl.LazyFrame:
        """A LazyFrame whose every collect reads the latest committed version, pinned (files
        of that version only); failures, Polars panics included, become Glacier errors."""
        from glacier.storage.snapshot import snapshot_scan

        return snapshot_scan(_DeltaSource(self), self.display_uri)

    def scan_version(self, version: int) -> pl.LazyFrame:
        """A LazyFrame over one committed ``version`` (Polars reads its Parquet files)."""
        with self._translating("read"):
            return pl.scan_delta(
                self.uri,
                version=version,
                storage_options=self.storage_options,
                credential_provider=None,
            )

    def exists(self) -> bool:
        return self.version() is not None

    def files(self) -> list[str]:
        """URIs of the data files of the latest version, sorted."""
        if self.version() is None:
            return []
        with self._translating("list"):
            return sorted(str(u) for u in self._table().file_uris())

    # -- write ---------------------------------------------------------------------------
    def write(
        self, data: pl.DataFrame | pl.LazyFrame, partition_by: list[str] | None
    ) -> DeltaWrite:
        """Replace the table's contents with ``data`` in one commit (schema and partitioning
        may change, like any dataset write). LazyFrames stream in record batches.

        A concurrent writer that commits first makes delta-rs refuse this commit; the write
        then runs again on top of that version, so the last committed writer wins and the
        table always equals one writer's data. The data files of the failed attempt are in
        no commit (readers never see them); :meth:`vacuum` removes them.
        """
        deltalake = require_deltalake()

        def write(attempt: int) -> None:
            stream: Any = (
                data if isinstance(data, pl.DataFrame) else data.collect_batches(lazy=True)
            )
            with self._translating("write"):
                deltalake.write_deltalake(
                    self.uri,
                    stream,
                    mode="overwrite",
                    schema_mode="overwrite",
                    partition_by=list(partition_by) if partition_by else None,
                    storage_options=self.storage_options,
                )

        retry(
            write,
            attempts=COMMIT_ATTEMPTS,
            backoff=RACE_BACKOFF,
            retry_on=StorageError,
            retry_if=lambda exc: _lost_race(exc.__cause__),
        )
        with self._translating("write"):
            table = self._table()
            version = int(table.version())
            files = len(table.file_uris())
        rows = data.height if isinstance(data, pl.DataFrame) else self._rows(version)
        return DeltaWrite(version=version, rows=rows, files=files)

    def _rows(self, version: int) -> int | None:
        try:
            return int(self.scan_version(version).select(pl.len()).collect().item())
        except Exception:
            return None

    # -- maintenance ---------------------------------------------------------------------
    def vacuum(self, older_than: timedelta, *, dry_run: bool = False) -> list[str]:
        """Remove data files no version newer than ``older_than`` needs (delta-rs vacuum):
        files of replaced versions and of failed or killed writes. Returns their URIs
        (``dry_run``: lists them, removes nothing)."""
        if self.version() is None:
            return []
        hours = max(0, int(older_than.total_seconds() // 3600))
        with self._translating("clean up"):
            removed = self._table().vacuum(
                retention_hours=hours, dry_run=dry_run, enforce_retention_duration=False
            )
        return sorted(str(r) for r in removed)

    # -- helpers -------------------------------------------------------------------------
    def _table(self) -> Any:
        """The table at its latest version. A log entry that another writer is still putting
        in place is read again (a few times, briefly)."""
        deltalake = require_deltalake()
        return retry(
            lambda attempt: deltalake.DeltaTable(self.uri, storage_options=self.storage_options),
            attempts=COMMIT_ATTEMPTS,
            backoff=RACE_BACKOFF,
            retry_if=_lost_race,
        )

    def _translating(self, action: str) -> _Translating:
        return _Translating(action, self.display_uri, self.translate)

    def translate(self, exc: BaseException, action: str) -> StorageError:
        """A :class:`StorageError` naming the table for a delta-rs or Polars error. Backends
        replace this to classify their own errors (missing bucket, access denied)."""
        return delta_error(exc, action, self.display_uri)


class _DeltaSource:
    """A Delta table as a :class:`~glacier.storage.snapshot.SnapshotSource`: the version
    number is the pin; a version's files never change."""

    def __init__(self, table: DeltaTableIO) -> None:
        self.table = table

    def resolve(self) -> Snapshot:
        from glacier.storage.snapshot import Snapshot

        version = self.table.version()
        if version is None:
            raise ObjectNotFoundError(
                f"No Delta table at {self.table.display_uri}: write it first or check "
                "bucket_name/path.",
                uri=self.table.display_uri,
            )
        return Snapshot((), version)

    def frame(self, files: Sequence[str], pin: Hashable = None) -> pl.LazyFrame:
        assert isinstance(pin, int)
        return self.table.scan_version(pin)

    def unchanged(self, snapshot: Snapshot) -> bool:
        return True

    def translate(self, exc: BaseException) -> StorageError:
        return self.table.translate(exc, "read")


def _lost_race(exc: BaseException | None) -> bool:
    """Whether a delta-rs error means another writer's commit got in the way: a refused
    commit, or a log entry read while another writer was still putting it in place (seen
    on Azure, where delta-rs commits by copy-if-not-exists)."""
    if exc is None:
        return False
    name = type(exc).__name__
    return name == "CommitFailedError" or (
        name == "DeltaError" and "Invalid table version" in str(exc)
    )


def delta_error(exc: BaseException, action: str, uri: str) -> StorageError:
    """Default translation of a delta-rs error."""
    detail = " ".join(str(exc).split())[:300] or type(exc).__name__
    name = type(exc).__name__
    if name == "TableNotFoundError":
        return ObjectNotFoundError(
            f"Cannot {action} {uri}: no Delta table there ({detail}).", uri=uri
        )
    if name == "CommitFailedError":
        return StorageError(
            f"Cannot {action} {uri}: other writers kept committing first "
            f"({COMMIT_ATTEMPTS} attempts; {detail}). Write again.",
            uri=uri,
        )
    return StorageError(f"Cannot {action} {uri} as a Delta table ({name}: {detail}).", uri=uri)


class _Translating:
    """Context manager: non-Glacier exceptions (Polars panics too) become StorageErrors."""

    def __init__(
        self, action: str, uri: str, translate: Callable[[BaseException, str], StorageError]
    ) -> None:
        self.action = action
        self.uri = uri
        self.translate = translate

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        from glacier.storage.failures import is_read_failure

        if exc is None or isinstance(exc, GlacierError) or not is_read_failure(exc):
            return
        raise self.translate(exc, self.action) from exc


class LocalDeltaTable(DeltaTableIO):
    """A Delta table in a local folder (the local backend's ``format="delta"``)."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path), None, display_uri=path.as_uri() + "/")
        self.path = path

    def delete(self) -> None:
        """Remove the table: its log first (readers then see no table), then its data
        files. Other files in the folder stay."""
        import shutil

        if not self.path.is_dir():
            return
        for name in DELTA_STATE:
            shutil.rmtree(self.path / name, ignore_errors=True)
        for file in sorted(self.path.rglob("*")):
            if file.is_file() and is_delta_object(file.relative_to(self.path).as_posix()):
                file.unlink(missing_ok=True)


def local_table(path: Path) -> LocalDeltaTable:
    """The Delta table at a local folder (used by the local bucket adapter)."""
    return LocalDeltaTable(path)
