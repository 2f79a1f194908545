"""Bucket: a path in object storage (or a local folder), holding one object or a dataset."""

from __future__ import annotations

import builtins
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from glacier.errors import InvalidPathError
from glacier.exit_guard import armed_on_error
from glacier.resources.base import Resource
from glacier.resources.paths import parse_bucket_path
from glacier.storage.formats import get_format, infer_format

if TYPE_CHECKING:
    import polars as pl

    from glacier.adapters.base import BucketAdapter, WriteResult
    from glacier.models import BucketConfig
    from glacier.provider import Provider


class Bucket(Resource):
    """Generic bucket: S3, Azure Blob, GCS or a local folder, chosen by the provider's config.

    ``path`` names one object (``raw/sales.parquet``) or, when it is empty or ends with ``/``,
    a dataset: every file of the format under that prefix, read as one table (hive-style
    ``key=value`` folders become columns). A path is a key relative to the bucket, checked
    by :func:`glacier.resources.paths.parse_bucket_path` when the bucket is created.

    ``path=""`` (the default) names the whole bucket: it can be read, granted and used as a
    staging bucket, but ``write()`` and ``delete()`` on it are refused, since they would
    replace every file of the format in the bucket. ``path="/"`` declares the bucket-root
    dataset explicitly (``path`` is then ``""`` and ``explicit_root`` is True): writable.

    Create buckets with :meth:`glacier.Provider.bucket`.
    """

    kind = "bucket"

    def __init__(
        self,
        bucket_name: str,
        path: str = "",
        format: str | None = None,
        provider: Provider | None = None,
        config: BucketConfig | None = None,
        name: str | None = None,
        advanced_config: Any | None = None,
        existing: bool = False,
    ) -> None:
        checked = parse_bucket_path(path, bucket_name)
        self.bucket_name = bucket_name
        #: Referenced by compiled programs, never created or deleted (``existing=True``).
        self.existing = bool(existing)
        self.path = checked.key
        #: True when the bucket-root dataset was declared with ``path="/"`` (writable).
        self.explicit_root = checked.explicit_root
        fmt = format or infer_format(self.path) or "parquet"
        self.format = get_format(fmt).name
        self.advanced_config = advanced_config
        super().__init__(provider, config, name)

    @property
    def is_dataset(self) -> bool:
        """True when the path is a prefix of many files rather than one object."""
        return self.path == "" or self.path.endswith("/")

    def _get_adapter(self) -> BucketAdapter:
        return super()._get_adapter()

    def scan(self) -> pl.LazyFrame:
        """Lazily scan the data as a Polars LazyFrame."""
        return self._get_adapter().scan()

    def read(self) -> pl.DataFrame:
        """Read the data eagerly (``scan().collect()``); a storage fault or a Polars panic
        while collecting is a :class:`~glacier.errors.StorageError` naming the URI."""
        from glacier.storage.faults import storage_errors

        lazy = self.scan()
        with armed_on_error(), storage_errors(self.get_uri(), "Reading", plan_is_ours=True):
            return lazy.collect()

    def write(
        self, data: pl.DataFrame | pl.LazyFrame, *, partition_by: list[str] | None = None
    ) -> WriteResult:
        """Atomically write a DataFrame or LazyFrame (LazyFrames stream to the sink).

        ``partition_by`` (datasets only) writes hive-style ``column=value/`` folders.
        """
        from glacier.resources.writes import record_write
        from glacier.storage.formats import to_frame

        self._refuse_whole_bucket("write", "replace")
        with armed_on_error():
            result = self._get_adapter().write(to_frame(data), partition_by=partition_by)
        record_write(result)
        return result

    def exists(self) -> bool:
        """Whether the object (or any file under the dataset prefix) exists."""
        return self._get_adapter().exists()

    def get_uri(self) -> str:
        """Cloud URI: ``s3://b/p``, ``abfs://c@acct.dfs.core.windows.net/p``, ``gs://b/p``,
        ``file:///...``."""
        return self._get_adapter().get_uri()

    def list(self) -> list[str]:
        """URIs of the objects under this bucket's path."""
        return self._get_adapter().list()

    def delete(self) -> None:
        """Delete the object, or every file of the format under the dataset prefix (never
        anything under a ``_`` or ``.`` folder, nor other formats' files)."""
        self._refuse_whole_bucket("delete", "delete")
        self._get_adapter().delete()

    def gc(
        self, older_than: timedelta | None = None, *, dry_run: bool = False
    ) -> builtins.list[str]:
        """Remove what failed or killed writers left under this bucket's path: temp files,
        part files of no committed version, a Delta table's files no recent version needs.
        Never a committed version. ``older_than`` defaults to the backend's safe age: 0
        locally (a running writer's files are locked, so they are never taken), 24 hours on
        object stores (safe while other writers run if none writes for longer). Returns the
        URIs removed (``dry_run``: that would be)."""
        return self._get_adapter().gc(older_than, dry_run=dry_run)

    def _refuse_whole_bucket(self, operation: str, verb: str) -> None:
        """``path=""`` names the whole bucket; changing it needs the explicit ``path="/"``."""
        if self.path == "" and not self.explicit_root:
            raise InvalidPathError(
                f"Bucket {self.name!r}: {operation}() with path='' would {verb} every "
                f"{self.format} file in bucket {self.bucket_name!r}. Use a dataset prefix such "
                "as path='events/', or declare the bucket-root dataset explicitly with "
                "path='/'."
            )

    def _generate_name(self) -> str:
        stem = self.path.strip("/").replace("/", "_")
        return f"{self.bucket_name}_{stem}" if stem else self.bucket_name

    def __repr__(self) -> str:
        path = "/" if self.explicit_root else self.path
        return (
            f"Bucket(name={self.name!r}, bucket_name={self.bucket_name!r}, path={path!r}, "
            f"format={self.format!r}, provider={type(self.provider.config).__name__})"
        )
