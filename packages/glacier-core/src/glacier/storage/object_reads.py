"""Reading object-store locations: snapshot sources and the pyarrow fallback reader.

:class:`ReadSource` is what :mod:`glacier.storage.snapshot` reads an adapter's location by;
:func:`scan_pyarrow` reads Parquet through ``pyarrow.dataset`` over fsspec for stores Polars
cannot read natively (the GCS emulators).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from glacier.storage.snapshot import Snapshot

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from glacier.errors import StorageError
    from glacier.storage.object_store import ObjectStoreBucketAdapter

#: Single objects up to this size are read with one GET (see :class:`ReadSource`).
WHOLE_READ_BYTES = 32 * 1024 * 1024


class ReadSource:
    """The adapter's location as a :class:`~glacier.storage.snapshot.SnapshotSource`.

    A single object up to :data:`WHOLE_READ_BYTES` is read with one GET (one response is
    one version: a snapshot by construction); larger ones are read with range requests and
    checked against their tag afterwards. Dataset files never change (new names on every
    write), so a dataset read needs no check.
    """

    def __init__(self, adapter: ObjectStoreBucketAdapter, uri: str) -> None:
        self.adapter = adapter
        self.uri = uri

    def resolve(self) -> Snapshot:
        adapter = self.adapter
        with adapter._translating("read", self.uri):
            if adapter.resource.is_dataset:
                snapshot = adapter._resolve_dataset()
                if not snapshot.files:
                    raise adapter._missing(self.uri)
                return snapshot
            info = adapter._object_info()
            if info is None:
                raise adapter._missing(self.uri)
            whole = int(info.get("size") or 0) <= WHOLE_READ_BYTES
            return Snapshot((adapter.fs_path(adapter.key),), (adapter.object_tag(info), whole))

    def frame(self, files: Sequence[str], pin: Any = None) -> pl.LazyFrame:
        adapter = self.adapter
        if isinstance(pin, tuple) and pin[1] is True:
            data = adapter.fs.cat_file(files[0])  # one GET: one version, whole
            return adapter.fmt.scan(io.BytesIO(data))
        return adapter._scan_files(files)

    def unchanged(self, snapshot: Snapshot) -> bool:
        pin = snapshot.pin
        if self.adapter.resource.is_dataset or (isinstance(pin, tuple) and pin[1] is True):
            return True
        with self.adapter._translating("read", self.uri):
            info = self.adapter._object_info()
        return info is not None and (self.adapter.object_tag(info), False) == pin

    def translate(self, exc: BaseException) -> StorageError:
        return self.adapter._translate(exc, "read", self.uri, reading=True)


def scan_pyarrow(
    fs: AbstractFileSystem, files: Sequence[str], base: str, dataset: bool
) -> pl.LazyFrame:
    """Parquet through ``pyarrow.dataset`` over fsspec; hive ``key=value`` folders become
    columns (Int64 when every value is an integer, else String), like Polars' scans."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    plain = ds.dataset(list(files), filesystem=fs, format="parquet")
    if not dataset:
        return pl.scan_pyarrow_dataset(plain)
    values = hive_values([f[len(base) + 1 :] for f in files])
    missing = {k: v for k, v in values.items() if k not in plain.schema.names}
    if not missing:  # no hive folders, or the keys are stored in the files too
        return pl.scan_pyarrow_dataset(plain)
    schema = pa.schema(
        [
            pa.field(name, pa.int64() if all(is_int(v) for v in vals) else pa.string())
            for name, vals in missing.items()
        ]
    )
    typed = ds.dataset(
        list(files),
        filesystem=fs,
        format="parquet",
        partitioning=ds.partitioning(schema, flavor="hive"),
        partition_base_dir=base,
    )
    return pl.scan_pyarrow_dataset(typed)


def hive_values(relative_paths: Sequence[str]) -> dict[str, list[str]]:
    """``{key: [values]}`` of the ``key=value`` folders in paths relative to a dataset root."""
    found: dict[str, list[str]] = {}
    for rel in relative_paths:
        for part in rel.split("/")[:-1]:
            key, sep, value = part.partition("=")
            if sep and key:
                found.setdefault(key, []).append(value)
    return found


def is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True
