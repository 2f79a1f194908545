"""Local bucket: a folder under ``LocalConfig.base_path``.

* Containment: every operation first resolves its path (symlinks included) and refuses one
  that leaves ``base_path/bucket_name`` (:mod:`glacier.local.paths`).
* Objects: written to a locked hidden temp file next to the target, fsynced, renamed over it.
  A scan opens the file, so a later ``collect()`` reads that version even if it is replaced.
* Datasets: immutable versions behind an atomically replaced pointer
  (:mod:`glacier.local.datasets`); a scan opens the committed files
  (:mod:`glacier.local.snapshot`).
* Leftovers of killed writers are removed by the next write of the same object or dataset
  (:mod:`glacier.local.leftovers`) and by ``glacier gc``.
* Storage faults (disk full, permissions, Polars panics) become ``StorageError`` naming the
  URI (:mod:`glacier.storage.faults`).
"""

from __future__ import annotations

import builtins
import contextlib
import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from glacier.adapters.base import BucketAdapter, WriteResult
from glacier.errors import ObjectNotFoundError
from glacier.local import tempfiles
from glacier.local.config import LocalConfig
from glacier.local.paths import bucket_root, contained
from glacier.storage.faults import storage_errors
from glacier.storage.formats import Format, get_format, write_frame

if TYPE_CHECKING:
    from glacier.storage.blobs import Blobs
    from glacier.storage.delta import LocalDeltaTable

# Datasets, snapshots, leftover sweeps and Delta tables load on first use: a pipeline that
# writes and reads single objects never imports them (start-up cost, docs/benchmarks).


class LocalBucketAdapter(BucketAdapter):
    """Reads and writes files with Polars; a dataset is a folder of files (hive-partitioned)."""

    @property
    def fmt(self) -> Format:
        return get_format(self.resource.format)

    @property
    def root(self) -> Path:
        """The bucket's folder (absolute, not resolved; a relative base path follows the
        working directory, so only an absolute one is cached)."""
        cached: Path | None = getattr(self, "_root", None)
        if cached is not None:
            return cached
        config = self.provider.config
        assert isinstance(config, LocalConfig)
        root = bucket_root(config.base_path, self.resource.bucket_name)
        if config.base_path.is_absolute():
            self._root = root
        return root

    @property
    def local_path(self) -> Path:
        """Where the object or dataset prefix is (absolute, not checked: see :meth:`_checked`)."""
        return self.root / self.resource.path

    def _checked(self) -> Path:
        """:attr:`local_path` after checking that it resolves inside the bucket."""
        contained(self.root, self.resource.path)
        return self.local_path

    def get_uri(self) -> str:
        uri = self.local_path.as_uri()
        return uri + "/" if self.resource.is_dataset else uri

    # -- read ----------------------------------------------------------------------------
    def scan(self) -> pl.LazyFrame:
        uri = self.get_uri()
        with storage_errors(uri, "Reading", plan_is_ours=True):
            if self.fmt.is_table:  # format="delta"
                return _delta(self._checked()).scan()
            if self.resource.is_dataset:
                return self._scan_dataset(uri)
            return self._scan_object(uri)

    def _scan_object(self, uri: str) -> pl.LazyFrame:
        try:
            handle = open(self._checked(), "rb")  # noqa: SIM115 - the scan keeps a duplicate
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFoundError(
                f"No object at {uri}: write it first or check bucket_name/path.", uri=uri
            ) from None
        try:
            return self.fmt.scan(handle)
        finally:
            handle.close()

    def _scan_dataset(self, uri: str) -> pl.LazyFrame:
        from glacier.local import datasets
        from glacier.local.snapshot import close_all, pinned_scan

        fmt = self.fmt
        files, handles = datasets.snapshot(
            self._checked(), fmt, contained(self.root, ""), uri, pin=True
        )
        try:
            if not files:
                raise ObjectNotFoundError(
                    f"No {fmt.name} files under {uri}: write the dataset first "
                    "or check bucket_name/path.",
                    uri=uri,
                )
            return pinned_scan(fmt, files, handles, hive=fmt.hive)
        finally:
            close_all(handles)

    def _dataset_files(self, uri: str) -> builtins.list[Path]:
        from glacier.local import datasets

        files, _ = datasets.snapshot(
            self._checked(), self.fmt, contained(self.root, ""), uri, pin=False
        )
        return [f.physical for f in files]

    def exists(self) -> bool:
        uri = self.get_uri()
        with storage_errors(uri, "Checking"):
            if self.fmt.is_table:
                return _delta(self._checked()).exists()
            if self.resource.is_dataset:
                return bool(self._dataset_files(uri))
            return self._checked().is_file()

    def list(self) -> builtins.list[str]:
        uri = self.get_uri()
        with storage_errors(uri, "Listing"):
            if self.fmt.is_table:
                return _delta(self._checked()).files()
            if self.resource.is_dataset:
                return sorted(p.as_uri() for p in self._dataset_files(uri))
            return [uri] if self._checked().is_file() else []

    # -- write ---------------------------------------------------------------------------
    def write(
        self, data: pl.DataFrame | pl.LazyFrame, *, partition_by: builtins.list[str] | None = None
    ) -> WriteResult:
        uri = self.get_uri()
        if not self.resource.is_dataset:
            self._check_single_object_write(partition_by)
        with storage_errors(uri, "Writing"):
            if self.fmt.is_table:
                done = _delta(self._checked()).write(data, partition_by)
                return WriteResult(uri=uri, rows=done.rows, files=done.files)
            if self.resource.is_dataset:
                return self._write_dataset(data, partition_by, uri)
            return self._write_object(data, uri)

    def _write_object(self, data: pl.DataFrame | pl.LazyFrame, uri: str) -> WriteResult:
        target = self._checked()
        fmt = self.fmt
        temp = tempfiles.create_file(target.parent, f".{target.name}.{tempfiles.new_id()}.tmp")
        try:
            rows = write_frame(data, fmt, str(temp.path))
            if rows is None and fmt.name == "parquet":
                rows = _parquet_rows([temp.path])
            tempfiles.fsync_path(temp.path)
            os.replace(temp.path, target)
        except BaseException:
            tempfiles.remove(temp.path)
            raise
        finally:
            temp.release()
        with contextlib.suppress(OSError):  # committed: cleanup never fails the write
            _sweep_object(target)
        return WriteResult(uri=uri, rows=rows, files=1)

    def _write_dataset(
        self,
        data: pl.DataFrame | pl.LazyFrame,
        partition_by: builtins.list[str] | None,
        uri: str,
    ) -> WriteResult:
        from glacier.local import datasets

        prefix = self._checked()
        fmt = self.fmt
        with datasets.new_version(prefix, fmt) as version:
            lf = data.lazy()
            if partition_by:
                fmt.sink(lf, pl.PartitionBy(version.path, key=list(partition_by)))
            else:
                fmt.sink(lf, version.path / f"part-00000{fmt.suffix}")
            files = datasets.data_files(version.path, fmt)
            for path in files:
                tempfiles.fsync_path(path)
            rows = (
                data.height
                if isinstance(data, pl.DataFrame)
                else _parquet_rows(files)
                if fmt.name == "parquet"
                else None
            )
            datasets.commit(version)
        datasets.tidy(prefix, fmt)
        return WriteResult(uri=uri, rows=rows, files=len(files))

    # -- leftovers ------------------------------------------------------------------------
    def gc(self, older_than: timedelta | None, *, dry_run: bool = False) -> builtins.list[str]:
        """Leftovers of killed writers in this bucket's folder (temp files, uncommitted and
        superseded dataset versions; a Delta table's unneeded files by delta-rs vacuum),
        as file URIs. The bucket's folder is what ``glacier gc --base-path`` sweeps for
        the whole base path."""
        older_than = older_than or timedelta(0)  # a running writer's files are locked
        uri = self.get_uri()
        with storage_errors(uri, "Cleaning up"):
            path = self._checked()
            if self.fmt.is_table:
                return _delta(path).vacuum(older_than, dry_run=dry_run)
            if not self.root.is_dir():
                return []
            from glacier.local.leftovers import sweep_tree

            found = sweep_tree(self.root, older_than=older_than.total_seconds(), dry_run=dry_run)
            return [f.path.as_uri() for f in found]

    # -- delete --------------------------------------------------------------------------
    def blobs(self) -> Blobs:
        from glacier.storage.blobs import LocalBlobs

        path = self.local_path
        return LocalBlobs(path if self.resource.is_dataset else path.parent)

    def delete(self) -> None:
        uri = self.get_uri()
        with storage_errors(uri, "Deleting"):
            path = self._checked()
            if self.fmt.is_table:
                _delta(path).delete()
                return
            if not self.resource.is_dataset:
                path.unlink(missing_ok=True)
                return
            from glacier.local import datasets

            datasets.delete(path, self.fmt)
            if path != self.root:
                with contextlib.suppress(OSError):
                    path.rmdir()  # only when nothing else (other formats, state) is left


def _delta(path: Path) -> LocalDeltaTable:
    from glacier.storage.delta import local_table

    return local_table(path)


def _sweep_object(target: Path) -> None:
    """Remove what killed writers of ``target`` left next to it: their temp files are
    hidden entries named after it (``.<name>.<id>.tmp``, :mod:`glacier.local.leftovers`), so
    a folder without such an entry needs no sweep (nor the sweep's import)."""
    marker = f".{target.name}."
    if any(entry.startswith(marker) for entry in os.listdir(target.parent)):
        from glacier.local.leftovers import sweep_objects

        sweep_objects(target.parent, name=target.name)


def _parquet_rows(files: builtins.list[Path]) -> int | None:
    if not files:
        return None
    total = pl.scan_parquet([str(f) for f in files]).select(pl.len()).collect().item()
    return int(total)
