"""Small byte objects under a bucket prefix, through the bucket's own adapter.

Run records, serve state and bucket-trigger polling need what a table-oriented
:class:`~glacier.resources.bucket.Bucket` does not offer: put/get a few bytes, list the
children of a prefix, and list objects with a version (etag, generation, mtime). A bucket
adapter hands out its :class:`Blobs` (``BucketAdapter.blobs()``): the local adapter a folder
(:class:`LocalBlobs`), object-store adapters their fsspec filesystem with the provider's
credentials (:class:`ObjectStoreBlobs`), so this works on every backend and uses the same
error messages. A plugin whose adapter is neither overrides ``blobs()``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from glacier.storage.object_store import ObjectStoreBucketAdapter


#: Unique temporary names per process without a syscall (the pid is refreshed after fork).
_PID = [os.getpid()]
_COUNTER = itertools.count()


def _after_fork() -> None:
    _PID[0] = os.getpid()


os.register_at_fork(after_in_child=_after_fork)


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """One object: its key (relative to the prefix), public URI and a version that changes
    whenever the object is rewritten (etag, generation, or mtime+size locally)."""

    key: str
    uri: str
    version: str
    #: Last modification (seconds since the epoch), when the backend tells it cheaply.
    mtime: float | None = None


class Blobs(ABC):
    """Byte objects under one prefix. Keys are ``/``-separated and relative to the prefix."""

    @property
    @abstractmethod
    def uri(self) -> str:
        """URI of the prefix itself (for messages)."""

    @abstractmethod
    def uri_of(self, key: str) -> str:
        """URI of one key."""

    @abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Write ``data`` at ``key`` in one atomic step (readers see old or new, never half)."""

    @abstractmethod
    def get(self, key: str) -> bytes | None:
        """The bytes at ``key``, or None when there is no such object."""

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        """Several objects at once (missing ones are left out)."""
        out: dict[str, bytes] = {}
        for key in keys:
            data = self.get(key)
            if data is not None:
                out[key] = data
        return out

    @abstractmethod
    def children(self, key: str = "") -> list[str]:
        """Names of the objects and folders directly under ``key`` (a folder), sorted."""

    @abstractmethod
    def walk(self, key: str = "") -> list[BlobInfo]:
        """Every object under ``key`` (recursively) with its version, sorted by key."""

    def exists(self, key: str) -> bool:
        return self.get(key) is not None

    @abstractmethod
    def create(self, key: str, data: bytes) -> bool:
        """Write ``data`` at ``key`` only if nothing is there, atomically (of two concurrent
        callers exactly one gets True). False when the object exists already."""


class LocalBlobs(Blobs):
    """A folder. Writes go to a hidden temporary file renamed over the target."""

    def __init__(self, root: Path) -> None:
        #: May be relative (to the working directory at each call, like LocalConfig's
        #: base_path); no syscall is spent on resolving it per write.
        self.root = Path(root)
        self._made: set[str] = set()

    @property
    def uri(self) -> str:
        return self.root.absolute().as_uri() + "/"

    def path_of(self, key: str) -> Path:
        return self.root / key if key else self.root

    def uri_of(self, key: str) -> str:
        return self.path_of(key).absolute().as_uri()

    def put(self, key: str, data: bytes) -> None:
        # Plain os calls: a record is written twice per run, so each syscall counts.
        target = os.path.join(self.root, key)
        parent, name = os.path.split(target)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        tmp = os.path.join(parent, f".{name}.{_PID[0]}-{next(_COUNTER)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except FileNotFoundError:  # the folder was removed since we made it
            self._made.discard(parent)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
            self.put(key, data)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def create(self, key: str, data: bytes) -> bool:
        # Write a temporary file, then link it to the name: link fails if the name exists.
        target = os.path.join(self.root, key)
        parent, name = os.path.split(target)
        os.makedirs(parent, exist_ok=True)
        tmp = os.path.join(parent, f".{name}.{_PID[0]}-{next(_COUNTER)}.tmp")
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
            try:
                os.link(tmp, target)
            except FileExistsError:
                return False
            return True
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    def get(self, key: str) -> bytes | None:
        try:
            return self.path_of(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def children(self, key: str = "") -> list[str]:
        try:
            return sorted(e.name for e in os.scandir(self.path_of(key)) if not _hidden(e.name))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def walk(self, key: str = "") -> list[BlobInfo]:
        base = self.path_of(key)
        if base.is_file():
            st = base.stat()
            rel = key
            return [
                BlobInfo(
                    rel, base.absolute().as_uri(), f"{st.st_mtime_ns}-{st.st_size}", st.st_mtime
                )
            ]
        out: list[BlobInfo] = []
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
            for name in filenames:
                if _hidden(name):
                    continue
                path = Path(dirpath) / name
                try:
                    st = path.stat()
                except FileNotFoundError:  # removed while we walked
                    continue
                rel = path.relative_to(self.root).as_posix()
                uri = path.absolute().as_uri()
                out.append(BlobInfo(rel, uri, f"{st.st_mtime_ns}-{st.st_size}", st.st_mtime))
        return sorted(out, key=lambda b: b.key)


def _hidden(name: str) -> bool:
    """Temporary files of atomic writes (``.x.tmp``) and hidden files are never objects."""
    return name.startswith(".")


class ObjectStoreBlobs(Blobs):
    """A prefix in S3, Azure Blob or GCS, through the adapter's fsspec filesystem."""

    def __init__(self, adapter: ObjectStoreBucketAdapter) -> None:
        self.adapter = adapter
        path = str(adapter.resource.path)
        self.prefix = path if (not path or path.endswith("/")) else path.rsplit("/", 1)[0] + "/"
        if self.prefix == "/":
            self.prefix = ""

    @property
    def uri(self) -> str:
        return self.adapter.uri_of(self.prefix)

    def _fs_path(self, key: str) -> str:
        return self.adapter.fs_path(self.prefix + key)

    def uri_of(self, key: str) -> str:
        return self.adapter.uri_of(self.prefix + key)

    def put(self, key: str, data: bytes) -> None:
        with self.adapter._translating("write", self.uri_of(key)):
            self.adapter.fs.pipe_file(self._fs_path(key), data)

    def create(self, key: str, data: bytes) -> bool:
        # A conditional write: S3 If-None-Match: *, GCS ifGenerationMatch=0, Azure
        # If-None-Match: * (fsspec's mode="create"); the store refuses it when the key exists.
        with self.adapter._translating("write", self.uri_of(key)):
            try:
                self.adapter.fs.pipe_file(self._fs_path(key), data, mode="create")
            except FileExistsError:
                return False
        return True

    def get(self, key: str) -> bytes | None:
        with self.adapter._translating("read", self.uri_of(key)):
            try:
                return bytes(self.adapter.fs.cat_file(self._fs_path(key)))
            except FileNotFoundError:
                return None

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        if len(keys) < 2:
            return super().get_many(keys)
        paths = {self._fs_path(k): k for k in keys}
        with self.adapter._translating("read", self.uri):
            found: dict[str, Any] = self.adapter.fs.cat(list(paths), on_error="omit")
        out: dict[str, bytes] = {}
        for path, data in found.items():
            key = paths.get(path) or paths.get(path.lstrip("/"))
            if key is not None and isinstance(data, bytes | bytearray):
                out[key] = bytes(data)
        return out

    def _invalidate(self) -> None:
        with contextlib.suppress(Exception):
            self.adapter.fs.invalidate_cache()

    def children(self, key: str = "") -> list[str]:
        root = self._fs_path(key)
        self._invalidate()
        with self.adapter._translating("list", self.uri_of(key)):
            try:
                entries = self.adapter.fs.ls(root, detail=False)
            except FileNotFoundError:
                return []
        names = {str(e).rstrip("/").rsplit("/", 1)[-1] for e in entries}
        return sorted(n for n in names if n and not _hidden(n) and f"{root}/{n}" != root)

    def walk(self, key: str = "") -> list[BlobInfo]:
        root = self._fs_path(key)
        self._invalidate()
        with self.adapter._translating("list", self.uri_of(key)):
            try:
                found: dict[str, dict[str, Any]] = self.adapter.fs.find(root, detail=True)
            except FileNotFoundError:
                return []
        base = self._fs_path("")
        out: list[BlobInfo] = []
        for path, info in found.items():
            path = path.lstrip("/")
            if info.get("type") == "directory" or path.endswith("/"):
                continue
            rel = path[len(base) + 1 :] if base and path.startswith(base + "/") else path
            if any(_hidden(part) for part in rel.split("/")):
                continue
            out.append(BlobInfo(rel, self.uri_of(rel), _version(info)))
        return sorted(out, key=lambda b: b.key)


def _version(info: dict[str, Any]) -> str:
    """The most precise version an object store reports: GCS generation, else the ETag,
    else the modification time; plus the size."""
    for name in ("generation", "ETag", "etag", "LastModified", "last_modified", "mtime", "updated"):
        value = info.get(name)
        if value not in (None, ""):
            return f"{name}:{str(value).strip(chr(34))}:{info.get('size', '')}"
    return f"size:{info.get('size', '')}"
