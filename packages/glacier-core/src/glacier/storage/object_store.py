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
* **Dataset writes** (a prefix of files) write new files with a unique write id in their
  names, then delete the previous files. Each file is atomic; the dataset as a whole is not
  (object stores have no multi-key transaction): during the swap a reader listing the prefix
  may see old and new files together. A failed write removes what it wrote and leaves the
  previous files intact. ``partition_by`` stages the hive folders on local disk (streaming)
  and uploads them concurrently.

fsspec is not a dependency of glacier-core: it is imported by the cloud plugins that use this
module (s3fs, adlfs and gcsfs depend on it), never at ``import glacier``.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import uuid
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import polars as pl

from glacier.adapters.base import BucketAdapter, WriteResult
from glacier.errors import (
    AccessDeniedError,
    BucketNotFoundError,
    GlacierError,
    ObjectNotFoundError,
    StorageError,
)
from glacier.storage.formats import Format, get_format, write_frame

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

#: How an underlying exception is classified before it becomes a Glacier error.
ErrorKind = Literal["bucket", "object", "access", "credentials", "format"]

#: Formats whose ``DataFrame.write_*`` accepts ``storage_options``/``credential_provider``.
_NATIVE_WRITE_FORMATS = ("parquet", "csv")
_MAX_DETAIL = 300
#: Shorter values are not real secrets; blanking them would garble every message.
_MIN_SECRET = 4

_BUCKET_MARKERS = (
    "NoSuchBucket",
    "ContainerNotFound",
    "bucket does not exist",
    "container does not exist",
    "The specified bucket",
)
_CREDENTIAL_MARKERS = (
    "Unable to locate credentials",
    "NoCredentialsError",
    "DefaultCredentialsError",
    "CredentialUnavailable",
    "could not find default credentials",
    "No credentials",
)
_ACCESS_MARKERS = (
    "AccessDenied",
    "Access Denied",
    "Forbidden",
    "AuthorizationFailure",
    "AuthorizationPermissionMismatch",
    "AuthenticationFailed",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "InvalidToken",
    "ClientAuthenticationError",
    "failed to authenticate",
)
_HTTP_DENIED = re.compile(
    r"(status|code)\D{0,24}\b40[13]\b|\b40[13] (Forbidden|Unauthorized)", re.I
)
_FORMAT_MARKERS = (
    "parquet",
    "out of specification",
    "magic",
    "invalid utf-8",
    "could not parse",
    "ArrowInvalid",
    "malformed",
    "EOF",
    "footer",
)


class ObjectStoreBucketAdapter(BucketAdapter):
    """A :class:`~glacier.adapters.base.BucketAdapter` for any fsspec object store.

    Subclasses provide the hooks; everything else (scan, write, exists, list, delete, atomic
    commits, error messages) lives here once for every cloud.
    """

    #: URI scheme shown to users (``s3``, ``abfs``, ``gs``).
    scheme: ClassVar[str] = ""
    #: What the cloud calls a bucket, for messages ("bucket", "container").
    bucket_word: ClassVar[str] = "bucket"
    #: How to supply credentials on this cloud, appended to "no credentials" errors.
    credentials_hint: ClassVar[str] = ""
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

    def uri_of(self, key: str) -> str:
        """Public URI of ``key`` in this bucket (``key`` may be ``""`` or end in ``/``)."""
        return f"{self.scheme}://{self.resource.bucket_name}/{key}"

    def polars_uri_of(self, key: str) -> str:
        """URI Polars' native readers use for ``key`` (default: :meth:`uri_of`)."""
        return self.uri_of(key)

    def error_kind(self, exc: BaseException) -> ErrorKind | None:
        """Cloud-specific classification of an SDK exception (``None``: use the generic
        rules, which look at exception types and well-known error codes)."""
        return None

    def secrets(self) -> Sequence[str]:
        """Secret values to blank out of any message (keys, tokens, connection strings)."""
        return ()

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
    def _all_objects(self) -> list[str]:
        """fsspec paths of every object under the dataset prefix, sorted."""
        root = self.fs_path(self.key)
        with contextlib.suppress(Exception):
            self.fs.invalidate_cache()
        try:
            found = self.fs.find(root)
        except FileNotFoundError:
            return []
        prefix = root + "/"
        return sorted(p for p in found if p.startswith(prefix))

    def _data_files(self) -> list[str]:
        """fsspec paths of the dataset's data files (format suffix; no ``.``/``_`` parts)."""
        prefix = self.fs_path(self.key) + "/"
        suffix = self.fmt.suffix
        return [
            p
            for p in self._all_objects()
            if p.endswith(suffix)
            and not any(part.startswith((".", "_")) for part in p[len(prefix) :].split("/"))
        ]

    def _object_exists(self) -> bool:
        path = self.fs_path(self.key)
        with contextlib.suppress(Exception):
            self.fs.invalidate_cache(path)
        try:  # not isfile(): it hides credential and permission errors as "missing"
            info = self.fs.info(path)
        except FileNotFoundError:
            return False
        return info.get("type") != "directory"

    def exists(self) -> bool:
        with self._translating("check", self.get_uri()):
            if self.resource.is_dataset:
                return bool(self._data_files())
            return self._object_exists()

    def list(self) -> list[str]:
        with self._translating("list", self.get_uri()):
            if self.resource.is_dataset:
                return [self.uri_of(self.key_of(p)) for p in self._data_files()]
            return [self.get_uri()] if self._object_exists() else []

    def delete(self) -> None:
        with self._translating("delete", self.get_uri()):
            if self.resource.is_dataset:
                self._remove(self._all_objects())
            else:
                self._remove([self.fs_path(self.key)])

    def _remove(self, paths: Sequence[str]) -> None:
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
        with self._translating("read", uri):
            if self.resource.is_dataset:
                files = self._data_files()
                if not files:
                    if not self._bucket_exists():
                        raise self._error("bucket", "read", uri, None)
                    raise ObjectNotFoundError(
                        f"No {self.fmt.name} files under {uri}: write the dataset first or "
                        "check bucket_name/path.",
                        uri=uri,
                    )
            else:
                path = self.fs_path(self.key)
                try:
                    info = self.fs.info(path)
                except FileNotFoundError as exc:
                    kind: ErrorKind = "object" if self._bucket_exists() else "bucket"
                    raise self._error(kind, "read", uri, exc) from exc
                if info.get("type") == "directory":
                    raise ObjectNotFoundError(
                        f"No object at {uri}: it is a prefix of other objects. End the path "
                        "with '/' to read them as one dataset.",
                        uri=uri,
                    )
                files = [path]
        try:
            lf = self._scan_files(files)
            lf.collect_schema()  # read footers/headers now: fail here, with the URI
        except GlacierError:
            raise
        except Exception as exc:
            raise self._translate(exc, "read", uri, reading=True) from exc
        return lf

    def _scan_files(self, files: Sequence[str]) -> pl.LazyFrame:
        """A LazyFrame over ``files`` (fsspec paths), natively or through fsspec."""
        fmt = self.fmt
        dataset = self.resource.is_dataset
        options = self.polars_options()
        if options is not None:
            uris = [self.polars_uri_of(self.key_of(f)) for f in files]
            source: str | list[str] = uris if dataset else uris[0]
            if fmt.hive and dataset:
                return fmt.scan(source, hive_partitioning=True, **options)
            return fmt.scan(source, **options)
        if fmt.name == "parquet":
            return self._scan_pyarrow(files)
        frames = [fmt.scan(self.fs.open(f, "rb")) for f in files]
        return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical_relaxed")

    def _scan_pyarrow(self, files: Sequence[str]) -> pl.LazyFrame:
        """Parquet through ``pyarrow.dataset`` over fsspec; hive ``key=value`` folders become
        columns (Int64 when every value is an integer, else String), like Polars' scans."""
        import pyarrow as pa
        import pyarrow.dataset as ds

        plain = ds.dataset(list(files), filesystem=self.fs, format="parquet")
        if not self.resource.is_dataset:
            return pl.scan_pyarrow_dataset(plain)
        base = self.fs_path(self.key)
        values = _hive_values([f[len(base) + 1 :] for f in files])
        missing = {k: v for k, v in values.items() if k not in plain.schema.names}
        if not missing:  # no hive folders, or the keys are stored in the files too
            return pl.scan_pyarrow_dataset(plain)
        schema = pa.schema(
            [
                pa.field(name, pa.int64() if all(_is_int(v) for v in vals) else pa.string())
                for name, vals in missing.items()
            ]
        )
        typed = ds.dataset(
            list(files),
            filesystem=self.fs,
            format="parquet",
            partitioning=ds.partitioning(schema, flavor="hive"),
            partition_base_dir=base,
        )
        return pl.scan_pyarrow_dataset(typed)

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
        self, data: pl.DataFrame | pl.LazyFrame, *, partition_by: list[str] | None = None
    ) -> WriteResult:
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
        self, data: pl.DataFrame | pl.LazyFrame, partition_by: list[str] | None
    ) -> WriteResult:
        uri = self.get_uri()
        fmt = self.fmt
        token = uuid.uuid4().hex[:12]
        written: list[str] = []
        rows: int | None
        with self._translating("write", uri):
            previous = self._data_files()
            try:
                if partition_by:
                    written = self._put_partitioned(data, partition_by, token)
                    rows = data.height if isinstance(data, pl.DataFrame) else None
                else:
                    path = self.fs_path(f"{self.key}part-{token}-00000{fmt.suffix}")
                    written = [path]
                    rows = self._put(path, data)
            except BaseException:
                with contextlib.suppress(Exception):
                    self._remove([p for p in written if self.fs.exists(p)])
                raise
            stale = [p for p in previous if p not in set(written)]
            try:
                self._remove(stale)
            except Exception as exc:
                raise StorageError(
                    f"Wrote the new dataset at {uri} but could not delete {len(stale)} "
                    f"previous file(s), so readers see old and new rows: "
                    f"{self._detail(exc)}. Delete them and write again.",
                    uri=uri,
                ) from exc
            if rows is None:
                rows = self._count_rows(written)
        return WriteResult(uri=uri, rows=rows, files=len(written))

    def _put_partitioned(
        self, data: pl.DataFrame | pl.LazyFrame, partition_by: list[str], token: str
    ) -> list[str]:
        """Write hive folders to a local staging directory (streaming), then upload them."""
        fmt = self.fmt
        with tempfile.TemporaryDirectory(prefix="glacier-partitions-") as tmp:
            fmt.sink(data.lazy(), pl.PartitionBy(tmp, key=list(partition_by)))
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

    # -- errors --------------------------------------------------------------------------
    def _bucket_exists(self) -> bool:
        """Whether the bucket exists (``True`` when that cannot be told)."""
        try:
            return bool(self.fs.exists(self.resource.bucket_name))
        except Exception:
            return True

    @contextlib.contextmanager
    def _translating(self, action: str, uri: str) -> Iterator[None]:
        """Turn SDK exceptions into :mod:`glacier.errors` naming ``uri`` and the cause."""
        try:
            yield
        except GlacierError:
            raise
        except Exception as exc:
            raise self._translate(exc, action, uri) from exc

    def _translate(
        self, exc: BaseException, action: str, uri: str, *, reading: bool = False
    ) -> StorageError:
        kind = self.error_kind(exc) or _generic_kind(exc, reading=reading)
        if kind == "object" and not self._bucket_exists():
            kind = "bucket"
        return self._error(kind, action, uri, exc)

    def _error(
        self, kind: ErrorKind | None, action: str, uri: str, exc: BaseException | None
    ) -> StorageError:
        detail = self._detail(exc) if exc is not None else ""
        cause = f" ({detail})" if detail else ""
        word = self.bucket_word
        bucket = self.resource.bucket_name
        if kind == "bucket":
            return BucketNotFoundError(
                f"Cannot {action} {uri}: the {word} {bucket!r} does not exist. Create it first, "
                f"or check bucket_name and the account/endpoint in the provider config.",
                uri=uri,
            )
        if kind == "object":
            return ObjectNotFoundError(
                f"Cannot {action} {uri}: no object at that path. Write it first or check "
                "bucket_name/path.",
                uri=uri,
            )
        if kind == "credentials":
            return AccessDeniedError(
                f"Cannot {action} {uri}: no credentials were found{cause}. "
                f"{self.credentials_hint}".rstrip(),
                uri=uri,
            )
        if kind == "access":
            return AccessDeniedError(
                f"Cannot {action} {uri}: permission denied{cause}. Check that the credentials "
                f"are valid and allow this on the {word} {bucket!r}.",
                uri=uri,
            )
        if kind == "format":
            return StorageError(
                f"Cannot read {uri} as {self.fmt.name}: the data is not valid "
                f"{self.fmt.name}{cause}. Check the bucket's format= or the file's contents.",
                uri=uri,
            )
        return StorageError(f"Cannot {action} {uri}{cause or ': unknown error'}.", uri=uri)

    def _detail(self, exc: BaseException) -> str:
        """A short, one-line description of ``exc`` with every secret blanked out."""
        text = " ".join(str(exc).split()) or type(exc).__name__
        for secret in self.secrets():
            if len(secret) >= _MIN_SECRET:
                text = text.replace(secret, "***")
        if len(text) > _MAX_DETAIL:
            text = text[: _MAX_DETAIL - 3] + "..."
        return f"{type(exc).__name__}: {text}"


def _hive_values(relative_paths: Sequence[str]) -> dict[str, list[str]]:
    """``{key: [values]}`` of the ``key=value`` folders in paths relative to a dataset root."""
    found: dict[str, list[str]] = {}
    for rel in relative_paths:
        for part in rel.split("/")[:-1]:
            key, sep, value = part.partition("=")
            if sep and key:
                found.setdefault(key, []).append(value)
    return found


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _folder(relative: Path) -> str:
    parent = relative.parent.as_posix()
    return "" if parent == "." else parent + "/"


def _generic_kind(exc: BaseException, *, reading: bool = False) -> ErrorKind | None:
    """Classify by exception type and the error codes clouds put in messages."""
    text = f"{type(exc).__name__}: {exc}"
    if any(m.lower() in text.lower() for m in _CREDENTIAL_MARKERS):
        return "credentials"
    if any(m in text for m in _BUCKET_MARKERS):
        return "bucket"
    if (
        isinstance(exc, PermissionError)
        or any(m in text for m in _ACCESS_MARKERS)
        or _HTTP_DENIED.search(text)
    ):
        return "access"
    if isinstance(exc, FileNotFoundError):
        return "object"
    if reading and any(m.lower() in text.lower() for m in _FORMAT_MARKERS):
        return "format"
    if reading and type(exc).__module__.startswith(("polars", "pyarrow")):
        return "format"
    return None
