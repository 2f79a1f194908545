"""GCS buckets: :class:`GcsBucketAdapter` on the shared object-store adapter.

Everything goes through gcsfs: Polars' native ``gs://`` IO does not work against the GCS
emulators, and the path tests run must be the path users run. Parquet is read lazily with
``pyarrow.dataset`` over gcsfs (projection and predicate pushdown via
``pl.scan_pyarrow_dataset``); CSV/NDJSON through Polars over gcsfs files.

Writes are one simple upload, or a resumable upload whose object appears only when the last
chunk is sent (atomic). A failed write never sends the last chunk; the abandoned upload
session expires on its own (GCS keeps it at most a week) and never becomes an object.
URIs: ``gs://bucket/path``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from glacier.plugin import ErrorKind, ObjectStoreBucketAdapter, Tagged
from glacier_gcp.config import GcpConfig
from glacier_gcp.credentials import delta_options, gcsfs_options

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem


class GcsBucketAdapter(ObjectStoreBucketAdapter):
    """Bucket on Google Cloud Storage (or a GCS emulator)."""

    scheme: ClassVar[str] = "gs"
    credentials_hint: ClassVar[str] = (
        "Set GcpConfig.credentials_path (or GOOGLE_APPLICATION_CREDENTIALS) to a service "
        "account key file, or set up Application Default Credentials "
        "(gcloud auth application-default login, or a workload identity)."
    )

    @property
    def config(self) -> GcpConfig:
        config = self.provider.config
        assert isinstance(config, GcpConfig)
        return config

    def filesystem(self) -> AbstractFileSystem:
        # The core class: gcsfs' experimental HNS subclass probes a gRPC API on every call.
        from gcsfs.core import GCSFileSystem

        fs: AbstractFileSystem = GCSFileSystem(**gcsfs_options(self.config))
        return fs

    def polars_options(self) -> None:
        return None

    def delta_options(self) -> dict[str, str]:
        return delta_options(self.config, self.get_uri())

    def get_tagged(self, key: str) -> Tagged | None:
        """The object's generation (metadata), then its bytes of exactly that generation
        (``ifGenerationMatch``: a newer one makes the read fail, so it is read again)."""
        fs: Any = self.fs
        bucket = self.resource.bucket_name
        for _ in range(8):
            try:
                meta = fs.call("GET", "b/{}/o/{}", bucket, key, json_out=True)
                generation = str(meta["generation"])
                _, data = fs.call(
                    "GET",
                    "b/{}/o/{}",
                    bucket,
                    key,
                    alt="media",
                    generation=generation,
                    ifGenerationMatch=generation,
                )
            except FileNotFoundError:
                return None
            except FileExistsError:  # gcsfs' name for 412: replaced between the two calls
                continue
            return Tagged(bytes(data), generation)
        return None

    def put_if(self, key: str, data: bytes, tag: str | None) -> bool:
        """A one-request upload with ``ifGenerationMatch`` (``0``: only if absent)."""
        fs: Any = self.fs
        url = f"{fs._location}/upload/storage/v1/b/{quote(self.resource.bucket_name, safe='')}/o"
        try:
            fs.call(
                "POST",
                url,
                uploadType="media",
                name=key,
                ifGenerationMatch=tag if tag is not None else "0",
                data=data,
                headers={"Content-Type": "application/octet-stream"},
                json_out=True,
            )
        except FileExistsError:  # 412 Precondition Failed
            return False
        return True

    def abort_upload(self, file: Any) -> None:
        """Never send the last chunk; the unfinished resumable session simply expires."""
        file.location = None
        file.closed = True

    def error_kind(self, exc: BaseException) -> ErrorKind | None:
        seen: BaseException | None = exc
        while seen is not None:  # gcsfs/google-auth errors, possibly wrapped
            name = type(seen).__name__
            if name in {"DefaultCredentialsError", "RefreshError"}:
                return "credentials"
            if getattr(seen, "code", None) in (401, 403):
                return "access"
            seen = seen.__cause__ or seen.__context__
        return None
