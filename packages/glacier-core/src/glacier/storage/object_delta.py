"""``format="delta"`` on an object-store adapter: the adapter's URIs, storage options and
error messages around :class:`~glacier.storage.delta.DeltaTableIO`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from glacier.errors import StorageError
from glacier.storage.delta import DeltaTableIO, delta_error, is_delta_object
from glacier.storage.failures import ErrorKind, generic_kind

if TYPE_CHECKING:
    from glacier.storage.object_store import ObjectStoreBucketAdapter


class AdapterDelta(DeltaTableIO):
    """A Delta table of an object-store adapter: errors classified like the adapter's."""

    def __init__(self, adapter: ObjectStoreBucketAdapter) -> None:
        table = adapter.key.rstrip("/")
        if not table:
            raise StorageError(
                f"A Delta table needs a path: {adapter.get_uri()} is the bucket root. Use a "
                "dataset prefix such as path='events/'.",
                uri=adapter.get_uri(),
            )
        super().__init__(
            adapter.polars_uri_of(table), adapter.delta_options(), display_uri=adapter.get_uri()
        )
        self.adapter = adapter

    def translate(self, exc: BaseException, action: str) -> StorageError:
        kind = self.adapter.error_kind(exc) or delta_kind(exc)
        if kind is not None:
            return self.adapter._error(kind, action, self.display_uri, exc)
        return delta_error(exc, action, self.display_uri)


def adapter_delta(adapter: ObjectStoreBucketAdapter) -> DeltaTableIO:
    """The Delta table at the adapter's path."""
    return AdapterDelta(adapter)


def delta_objects(adapter: ObjectStoreBucketAdapter) -> list[str]:
    """fsspec paths of the Delta table's data files (its log is removed first)."""
    table = adapter.key.rstrip("/")
    start = len(adapter.fs_path(table)) + 1
    return sorted(p for p in adapter._listing(table + "/") if is_delta_object(p[start:]))


def delta_kind(exc: BaseException) -> ErrorKind | None:
    kind = generic_kind(exc)
    return kind if kind in ("bucket", "access", "credentials") else None
