"""One bucket adapter for every object store (S3, Azure Blob, GCS), on top of fsspec.

Cloud plugins subclass :class:`ObjectStoreBucketAdapter` and fill a few small hooks:
:meth:`~ObjectStoreBucketAdapter.filesystem` (an fsspec filesystem with the provider's
credentials), :meth:`~ObjectStoreBucketAdapter.polars_options` (keyword arguments for Polars'
native cloud readers, or ``None`` to read through fsspec + pyarrow), ``scheme``/:meth:`uri_of`
(public URIs) and, optionally, :meth:`~ObjectStoreBucketAdapter.error_kind` and
:meth:`~ObjectStoreBucketAdapter.abort_upload`.

How the operations work:

* **Reads** are lazy. With Polars options, ``pl.scan_*`` reads the object URIs natively
  (projection and predicate pushdown, parallel range requests). Without them, Parquet is read
  through ``pyarrow.dataset`` over the fsspec filesystem (``pl.scan_pyarrow_dataset`` keeps
  pushdown) and CSV/NDJSON through Polars over fsspec file objects. ``scan()`` lists the
  files and reads the schema eagerly, so a missing object, a missing bucket, missing
  credentials or an unreadable file fail there with a clear :mod:`glacier.errors` error.
* **Single-object writes** stream into one fsspec file opened ``"wb"`` on the final key
  (``sink_*`` for LazyFrames, no full collect). Object stores make that key appear in one
  atomic step: one PUT, the multipart *complete*, the block-list commit (Azure) or the last
  chunk of a resumable upload (GCS). If producing the data fails, the upload is aborted and
  never committed; if the process dies, nothing is committed. Readers therefore always see
  the previous object or the new one, never a half-written one. Adapters with
  ``native_writes`` (S3, Azure) upload *DataFrames* (Parquet, CSV) with Polars' native
  writer instead (same one-step commit, faster); LazyFrames stay on fsspec, because Polars
  commits a partial upload when the LazyFrame raises mid-stream.
* **Dataset writes** are transactional (:mod:`glacier.storage.transactions`): new part
  files under fresh names, then one conditional PUT of the dataset's manifest
  (``_glacier/<format>-manifest.json``) commits them; the files of the replaced version are
  removed after the commit. Concurrent writers are serialised by the conditional PUT (last
  committer wins); Glacier readers read the manifest, so they see one version, never a mix.
  Engines that glob the prefix (Spark) see the committed files plus, while a write runs,
  its new files (see docs/reliability.md, "Object stores"). ``partition_by`` stages the hive
  folders on local disk (streaming) and uploads them concurrently.
* **Snapshot reads** (:mod:`glacier.storage.snapshot`): every collect resolves one version
  (the manifest, or a single object's ETag/generation), reads it, and retries once from the
  new version if it was replaced meanwhile. Failures, Polars panics included, become
  :mod:`glacier.errors` errors naming the URI.
* ``format="delta"`` goes to :mod:`glacier.storage.delta` (delta-rs), with storage options
  from :meth:`ObjectStoreBucketAdapter.delta_options`.

fsspec is not a dependency of glacier-core: it is imported by the cloud plugins that use this
module (s3fs, adlfs and gcsfs depend on it), never at ``import glacier``.
"""

from __future__ import annotations

import builtins
import contextlib
import tempfile
import time
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import polars as pl

from glacier.adapters.base import BucketAdapter, WriteResult
from glacier.errors import GlacierError, ObjectNotFoundError
from glacier.storage.failures import ErrorKind
from glacier.storage.formats import Format, get_format, write_frame
from glacier.storage.manifest import new_token, token_of
from glacier.storage.object_delta import adapter_delta, delta_objects
from glacier.storage.object_errors import ErrorTranslation
from glacier.storage.object_reads import ReadSource, scan_pyarrow
from glacier.storage.snapshot import Snapshot, snapshot_scan
from glacier.storage.transactions import ORPHAN_AGE, DatasetLog, Tagged

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from glacier.storage.blobs import ObjectStoreBlobs
    from glacier.storage.delta import DeltaTableIO

__all__ = ["ErrorKind", "ObjectStoreBucketAdapter", "Tagged"]

#: Formats whose ``DataFrame.write_*`` accepts ``storage_options``/``credential_provider``.
_NATIVE_WRITE_FORMATS = ("parquet", "csv")


class ObjectStoreBucketAdapter(ErrorTranslation, BucketAdapter):
    """A :class:`~glacier.adapters.base.BucketAdapter` for any fsspec object store.

    Subclasses provide the hooks; everything else (scan, write, exists, list, delete, gc,
    atomic commits, error messages) lives here once for every cloud.
    """

    #: URI scheme shown to users (``s3``, ``abfs``, ``gs``).
    scheme: ClassVar[str] = ""
    #: Whether single-object DataFrame writes use Polars' native cloud writer (needs
    #: :meth:`polars_options`); otherwise, and always for LazyFrames, they go through fsspec.
    native_writes: ClassVar[bool] = False

    # -- hooks ---------------------------------------------------------------------------
    @abstractmethod
    def filesystem(self) -> AbstractFileSystem:
        """A new fsspec filesystem authenticated from the provider config.

        Called once per adapter (the result is cached). Disable listings caches
        (``use_listings_cache=False``): other processes write the same prefixes.
        """

    @abstractmethod
    def polars_options(self) -> dict[str, Any] | None:
        """Keyword arguments for Polars' native cloud scans (``storage_options``,
        ``credential_provider``), or ``None`` to read through fsspec + pyarrow instead."""

    @abstractmethod
    def get_tagged(self, key: str) -> Tagged | None:
        """The object at bucket-relative ``key`` and its version tag (ETag, generation),
        read in one request; ``None`` if it does not exist."""

    @abstractmethod
    def put_if(self, key: str, data: bytes, tag: str | None) -> bool:
        """Write ``data`` at ``key`` only if the object still has ``tag`` (``None``: only if
        there is no object). Return ``False`` when the condition failed."""

    def delta_options(self) -> dict[str, str]:
        """deltalake (delta-rs) storage options with the provider's credentials (default:
        Polars' ``storage_options``, which use the same object_store keys)."""
        options = self.polars_options() or {}
        storage = options.get("storage_options") or {}
        return {k: str(v) for k, v in storage.items() if k != "max_retries"}

    def uri_of(self, key: str) -> str:
        """Public URI of ``key`` in this bucket (``key`` may be ``""`` or end in ``/``)."""
        return f"{self.scheme}://{self.resource.bucket_name}/{key}"

    def polars_uri_of(self, key: str) -> str:
        """URI Polars' native readers use for ``key`` (default: :meth:`uri_of`)."""
        return self.uri_of(key)

    def object_tag(self, info: dict[str, Any]) -> str | None:
        """The version tag in an fsspec ``info()`` result (version id, ETag or generation)."""
        for name in ("VersionId", "version_id", "generation", "ETag", "etag"):
            value = info.get(name)
            if value:
                return str(value)
        return None

    def abort_upload(self, file: Any) -> None:
        """Throw away an unfinished upload so it is never committed.

        The default calls the file's ``discard()`` (s3fs aborts the multipart upload) and
        marks it closed, so that ``close()`` cannot commit partial data.
        """
        try:
            file.discard()
        finally:
            file.closed = True

    # -- paths ---------------------------------------------------------------------------
    @cached_property
    def fs(self) -> AbstractFileSystem:
        """The filesystem of this adapter (created on first use)."""
        with self._translating("connect to", self.get_uri()):
            return self.filesystem()

    @property
    def fmt(self) -> Format:
        return get_format(self.resource.format)

    @property
    def key(self) -> str:
        """Object key or dataset prefix inside the bucket (no leading ``/``)."""
        return str(self.resource.path)

    def fs_path(self, key: str) -> str:
        """fsspec path of ``key``: ``bucket/key``."""
        return f"{self.resource.bucket_name}/{key}".rstrip("/")

    def key_of(self, fs_path: str) -> str:
        """Inverse of :meth:`fs_path`."""
        bucket = self.resource.bucket_name
        return fs_path.removeprefix(f"{bucket}/") if fs_path != bucket else ""

    def get_uri(self) -> str:
        return self.uri_of(self.key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(uri={self.get_uri()!r})"

    # -- listing -------------------------------------------------------------------------
    def _listing(self, prefix: str) -> dict[str, dict[str, Any]]:
        """fsspec info of every object under ``prefix`` (a key ending in ``/`` or ``""``)."""
        root = self.fs_path(prefix)
        with contextlib.suppress(Exception):
            self.fs.invalidate_cache()
        try:
            found = self.fs.find(root, detail=True)
        except FileNotFoundError:
            return {}
        start = root + "/"
        return {p: info for p, info in found.items() if p.startswith(start)}

    def _data_listing(self) -> dict[str, float | None]:
        """The dataset's data files (keys relative to its prefix: format suffix, no
        ``.``/``_`` segment) with their age in seconds."""
        suffix = self.fmt.suffix
        start = len(self.fs_path(self.key)) + 1
        now = time.time()
        files: dict[str, float | None] = {}
        for path, info in self._listing(self.key).items():
            rel = path[start:]
            if path.endswith(suffix) and not any(
                part.startswith((".", "_")) for part in rel.split("/")
            ):
                modified = _modified(info)
                files[rel] = now - modified if modified is not None else None
        return files

    @cached_property
    def _log(self) -> DatasetLog:
        return DatasetLog(_Store(self), self.key, self.fmt.name, self.get_uri())

    def _resolve_dataset(self) -> Snapshot:
        """The current version of the dataset: the manifest's files, or (no manifest, or a
        deleted one) every data file that is not an uncommitted Glacier part file."""
        current = self._log.read()
        if current is not None and current[0].live:
            manifest, tag = current
            files = tuple(self.fs_path(self.key + rel) for rel in manifest.files)
            return Snapshot(files, ("manifest", tag, manifest.version))
        rels = sorted(r for r in self._data_listing() if token_of(r) is None)
        return Snapshot(tuple(self.fs_path(self.key + r) for r in rels), ("listing", *rels))

    def _object_info(self) -> dict[str, Any] | None:
        path = self.fs_path(self.key)
        with contextlib.suppress(Exception):
            self.fs.invalidate_cache(path)
        try:  # not isfile(): it hides credential and permission errors as "missing"
            info: dict[str, Any] = self.fs.info(path)
        except FileNotFoundError:
            return None
        return None if info.get("type") == "directory" else info

    def exists(self) -> bool:
        with self._translating("check", self.get_uri()):
            if self.fmt.is_table:
                return self._delta().exists()
            if self.resource.is_dataset:
                return bool(self._resolve_dataset().files)
            return self._object_info() is not None

    def list(self) -> list[str]:
        with self._translating("list", self.get_uri()):
            if self.fmt.is_table:
                return self._delta().files()
            if self.resource.is_dataset:
                return sorted(self.uri_of(self.key_of(p)) for p in self._resolve_dataset().files)
            return [self.get_uri()] if self._object_info() is not None else []

    def blobs(self) -> ObjectStoreBlobs:
        from glacier.storage.blobs import ObjectStoreBlobs

        return ObjectStoreBlobs(self)

    def delete(self) -> None:
        """Delete the object, or the dataset: a tombstone manifest first (Glacier readers
        then see no dataset), then the dataset's files of its format. Other formats' files
        and ``_``/``.`` state under the prefix stay."""
        with self._translating("delete", self.get_uri()):
            if self.fmt.is_table:
                self._remove(
                    self._delta_objects(), first=self.fs_path(f"{self._table_key}/_delta_log")
                )
            elif self.resource.is_dataset:
                listed = self._data_listing()
                committed = self._log.commit_delete()
                old = committed.replaced if committed is not None else None
                replaced = set(old.files) if old is not None else set()
                doomed = [r for r in listed if r in replaced or token_of(r) is None]
                self._remove([self.fs_path(self.key + r) for r in sorted(doomed)])
            else:
                self._remove([self.fs_path(self.key)])

    def gc(
        self, older_than: timedelta | None = ORPHAN_AGE, *, dry_run: bool = False
    ) -> builtins.list[str]:
        """Remove what failed or killed writers left under this dataset: part files of no
        committed version older than ``older_than`` (Delta tables: delta-rs vacuum of files
        no version newer than that needs). Returns the URIs removed; single objects have
        nothing to collect. Safe while other writers run, if none has been writing for
        longer than ``older_than``."""
        older_than = ORPHAN_AGE if older_than is None else older_than
        uri = self.get_uri()
        with self._translating("clean up", uri):
            if self.fmt.is_table:
                return self._delta().vacuum(older_than, dry_run=dry_run)
            if not self.resource.is_dataset:
                return []
            found = self._log.gc(older_than, dry_run=dry_run)
            return [self.uri_of(self.key + r) for r in found]

    def _remove(self, paths: Sequence[str], *, first: str | None = None) -> None:
        if first is not None:  # e.g. a Delta log: the table is gone before its data goes
            with contextlib.suppress(FileNotFoundError):
                self.fs.rm(first, recursive=True)
        if not paths:
            return
        try:
            self.fs.rm(list(paths))
        except FileNotFoundError:
            for path in paths:  # some were gone already: remove the rest one by one
                with contextlib.suppress(FileNotFoundError):
                    self.fs.rm_file(path)

    # -- read ----------------------------------------------------------------------------
    def scan(self) -> pl.LazyFrame:
        uri = self.get_uri()
        if self.fmt.is_table:
            return self._delta().scan()
        return snapshot_scan(ReadSource(self, uri), uri)

    def _missing(self, uri: str) -> GlacierError:
        if not self._bucket_exists():
            return self._error("bucket", "read", uri, None)
        if self.resource.is_dataset:
            return ObjectNotFoundError(
                f"No {self.fmt.name} files under {uri}: write the dataset first or "
                "check bucket_name/path.",
                uri=uri,
            )
        path = self.fs_path(self.key)
        if self.fs.isdir(path):
            return ObjectNotFoundError(
                f"No object at {uri}: it is a prefix of other objects. End the path "
                "with '/' to read them as one dataset.",
                uri=uri,
            )
        return self._error("object", "read", uri, None)

    def _scan_files(self, files: Sequence[str]) -> pl.LazyFrame:
        """A LazyFrame over ``files`` (fsspec paths), natively or through fsspec."""
        fmt = self.fmt
        dataset = self.resource.is_dataset
        options = self.polars_options()
        if options is not None:
            uris = [self.polars_uri_of(self.key_of(f)) for f in files]
            source: str | builtins.list[str] = uris if dataset else uris[0]
            if fmt.hive and dataset:
                return fmt.scan(source, hive_partitioning=True, **options)
            return fmt.scan(source, **options)
        if fmt.name == "parquet":
            return self._scan_pyarrow(files)
        frames = [fmt.scan(self.fs.open(f, "rb")) for f in files]
        return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical_relaxed")

    def _scan_pyarrow(self, files: Sequence[str]) -> pl.LazyFrame:
        """Parquet through ``pyarrow.dataset`` over fsspec (see :func:`scan_pyarrow`)."""
        return scan_pyarrow(self.fs, files, self.fs_path(self.key), self.resource.is_dataset)

    def _count_rows(self, files: Sequence[str]) -> int | None:
        """Rows in Parquet ``files`` (from footers), or None for other formats/on failure."""
        if self.fmt.name != "parquet" or not files:
            return None
        try:
            return int(self._scan_files(files).select(pl.len()).collect().item())
        except Exception:
            return None

    # -- write ---------------------------------------------------------------------------
    def write(
        self, data: pl.DataFrame | pl.LazyFrame, *, partition_by: builtins.list[str] | None = None
    ) -> WriteResult:
        if self.fmt.is_table:
            return self._write_delta(data, partition_by)
        if self.resource.is_dataset:
            return self._write_dataset(data, partition_by)
        self._check_single_object_write(partition_by)
        uri = self.get_uri()
        path = self.fs_path(self.key)
        with self._translating("write", uri):
            rows = self._put(path, data)
            if rows is None:
                rows = self._count_rows([path])
        return WriteResult(uri=uri, rows=rows, files=1)

    def _put(self, path: str, data: pl.DataFrame | pl.LazyFrame) -> int | None:
        """Stream ``data`` into the object at ``path``, committed in one atomic step."""
        if isinstance(data, pl.DataFrame) and self._put_native(path, data):
            return data.height
        with self._upload(path) as file:
            return write_frame(data, self.fmt, file)

    def _put_native(self, path: str, df: pl.DataFrame) -> bool:
        """Upload a DataFrame with Polars' native cloud writer; ``False`` if not enabled.

        Only for DataFrames: their bytes exist before the upload starts, so only the upload
        itself can fail, and Polars then never completes it (a network failure, SIGTERM or
        SIGKILL leaves the previous object). LazyFrames always go through :meth:`_upload`:
        when a LazyFrame raises mid-stream, Polars (2.1) still completes the multipart upload
        in the background, replacing the object with a truncated but valid file.
        """
        if not self.native_writes:
            return False
        writer = getattr(df, f"write_{self.fmt.name}", None)
        options = self.polars_options()
        if options is None or self.fmt.name not in _NATIVE_WRITE_FORMATS or writer is None:
            return False
        writer(self.polars_uri_of(self.key_of(path)), **options)
        return True

    @contextlib.contextmanager
    def _upload(self, path: str) -> Iterator[Any]:
        """A binary file on ``path`` that is committed by a clean exit and aborted (never
        committed) if the body raises, including ``KeyboardInterrupt``."""
        file = self.fs.open(path, "wb")
        try:
            yield file
        except BaseException:
            with contextlib.suppress(Exception):
                self.abort_upload(file)
            raise
        file.close()  # the commit: PUT / complete-multipart / commit-block-list / last chunk

    def _write_dataset(
        self, data: pl.DataFrame | pl.LazyFrame, partition_by: builtins.list[str] | None
    ) -> WriteResult:
        uri = self.get_uri()
        fmt = self.fmt
        token = new_token()
        written: builtins.list[str] = []
        rows: int | None
        with self._translating("write", uri):
            listed = self._data_listing()
            try:
                if partition_by:
                    written = self._put_partitioned(data, partition_by, token)
                    rows = data.height if isinstance(data, pl.DataFrame) else None
                else:
                    path = self.fs_path(f"{self.key}part-{token}-00000{fmt.suffix}")
                    written = [path]
                    rows = self._put(path, data)
                if rows is None:
                    rows = self._count_rows(written)
            except BaseException:
                with contextlib.suppress(Exception):
                    self._remove([p for p in written if self.fs.exists(p)])
                raise
            relative = tuple(self.key_of(p)[len(self.key) :] for p in written)
            committed = self._log.commit(token, relative, rows)
        self._log.remove_quietly(self._log.stale_files(committed, listed))
        return WriteResult(uri=uri, rows=rows, files=len(written))

    def _put_partitioned(
        self, data: pl.DataFrame | pl.LazyFrame, partition_by: builtins.list[str], token: str
    ) -> builtins.list[str]:
        """Write hive folders to a local staging directory (streaming), then upload them.
        A full local disk (ENOSPC, EFBIG) becomes a StorageError naming the URI."""
        fmt = self.fmt
        with tempfile.TemporaryDirectory(prefix="glacier-partitions-") as tmp:
            try:
                fmt.sink(data.lazy(), pl.PartitionBy(tmp, key=list(partition_by)))
            except BaseException as exc:
                from glacier.storage.failures import is_disk_full

                if is_disk_full(exc):
                    raise self._translate(exc, "stage the partitions of", self.get_uri()) from exc
                raise
            local = sorted(p for p in Path(tmp).rglob(f"*{fmt.suffix}") if p.is_file())
            remote = [
                self.fs_path(
                    f"{self.key}{_folder(p.relative_to(tmp))}part-{token}-{i:05d}{fmt.suffix}"
                )
                for i, p in enumerate(local)
            ]
            if local:
                self.fs.put([str(p) for p in local], remote)
        return remote

    # -- delta ---------------------------------------------------------------------------
    @property
    def _table_key(self) -> str:
        return self.key.rstrip("/")

    def _delta(self) -> DeltaTableIO:
        return adapter_delta(self)

    def _delta_objects(self) -> builtins.list[str]:
        return delta_objects(self)

    def _write_delta(
        self, data: pl.DataFrame | pl.LazyFrame, partition_by: builtins.list[str] | None
    ) -> WriteResult:
        result = self._delta().write(data, partition_by)
        return WriteResult(uri=self.get_uri(), rows=result.rows, files=result.files)

    def _bucket_exists(self) -> bool:
        """Whether the bucket exists (``True`` when that cannot be told)."""
        try:
            return bool(self.fs.exists(self.resource.bucket_name))
        except Exception:
            return True


class _Store:
    """The adapter as the :class:`~glacier.storage.transactions.ConditionalStore` of its
    dataset (keys are bucket-relative)."""

    def __init__(self, adapter: ObjectStoreBucketAdapter) -> None:
        self.adapter = adapter

    def get_tagged(self, key: str) -> Tagged | None:
        return self.adapter.get_tagged(key)

    def put_if(self, key: str, data: bytes, tag: str | None) -> bool:
        return self.adapter.put_if(key, data, tag)

    def data_files(self) -> dict[str, float | None]:
        return self.adapter._data_listing()

    def remove(self, keys: Sequence[str]) -> None:
        self.adapter._remove([self.adapter.fs_path(k) for k in keys])


def _modified(info: dict[str, Any]) -> float | None:
    """Last-modified time (epoch seconds) in an fsspec info dict, if any."""
    for name in ("LastModified", "last_modified", "mtime", "updated"):
        value = info.get(name)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return None


def _folder(relative: Path) -> str:
    parent = relative.parent.as_posix()
    return "" if parent == "." else parent + "/"
