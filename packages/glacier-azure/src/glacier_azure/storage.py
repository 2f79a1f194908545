"""Azure Blob containers: :class:`BlobBucketAdapter` on the shared object-store adapter.

DataFrame writes use Polars' native Azure writer, LazyFrame writes stream through adlfs. Both
stage blocks and the blob appears only when the block list is committed at the end (one
atomic step); a failed write never commits, and its uncommitted blocks are discarded by the
service. Reads use Polars' native Azure reader.
URIs: ``abfs://container@account.dfs.core.windows.net/path``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from glacier.plugin import ErrorKind, ObjectStoreBucketAdapter, Tagged
from glacier_azure.config import AzureConfig
from glacier_azure.credentials import AzureSettings, blob_filesystem

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem


class BlobBucketAdapter(ObjectStoreBucketAdapter):
    """Container in an Azure storage account (Blob or ADLS Gen2), or on Azurite."""

    scheme: ClassVar[str] = "abfs"
    bucket_word: ClassVar[str] = "container"
    native_writes: ClassVar[bool] = True
    credentials_hint: ClassVar[str] = (
        "Set AzureConfig connection_string, account_key or a service principal "
        "(tenant_id/client_id/client_secret), or AZURE_STORAGE_CONNECTION_STRING / "
        "AZURE_STORAGE_KEY, or sign in for DefaultAzureCredential (az login, managed identity)."
    )

    @cached_property
    def settings(self) -> AzureSettings:
        config = self.provider.config
        assert isinstance(config, AzureConfig)
        return AzureSettings(config)

    def uri_of(self, key: str) -> str:
        account = self.settings.account or "<storage_account>"
        return f"abfs://{self.resource.bucket_name}@{account}.dfs.core.windows.net/{key}"

    def get_engine_uri(self) -> str:
        """Spark engines read ADLS Gen2 over TLS as ``abfss://`` (Hadoop's ``abfs://`` is the
        plain-HTTP driver, refused by accounts that require secure transfer, the default)."""
        return "abfss://" + self.get_uri().removeprefix("abfs://")

    def filesystem(self) -> AbstractFileSystem:
        return blob_filesystem(self.settings, self.get_uri())

    def polars_options(self) -> dict[str, Any]:
        return self.settings.polars_options(self.get_uri())

    def delta_options(self) -> dict[str, str]:
        return self.settings.delta_options(self.get_uri())

    def _blob_call(self, key: str, call: Any) -> Any:
        """Run ``await call(blob_client)`` on adlfs' own (async) client, with its
        credentials."""
        from fsspec.asyn import sync

        fs: Any = self.fs

        async def run() -> Any:
            blob = fs.service_client.get_blob_client(self.resource.bucket_name, key)
            async with blob:
                return await call(blob)

        return sync(fs.loop, run)

    def get_tagged(self, key: str) -> Tagged | None:
        from azure.core.exceptions import ResourceNotFoundError

        async def download(blob: Any) -> Tagged:
            stream = await blob.download_blob()
            return Tagged(await stream.readall(), str(stream.properties.etag))

        try:
            result: Tagged = self._blob_call(key, download)
        except ResourceNotFoundError as exc:
            if str(getattr(exc, "error_code", "") or "") == "ContainerNotFound":
                raise
            return None
        return result

    def put_if(self, key: str, data: bytes, tag: str | None) -> bool:
        from azure.core import MatchConditions
        from azure.core.exceptions import ResourceExistsError, ResourceModifiedError

        async def upload(blob: Any) -> None:
            if tag is None:  # If-None-Match: *
                await blob.upload_blob(data, overwrite=False)
            else:  # If-Match: <etag>
                await blob.upload_blob(
                    data, overwrite=True, etag=tag, match_condition=MatchConditions.IfNotModified
                )

        try:
            self._blob_call(key, upload)
        except (ResourceExistsError, ResourceModifiedError):
            return False
        return True

    def secrets(self) -> Sequence[str]:
        return self.settings.secrets()

    def abort_upload(self, file: Any) -> None:
        """Never commit the block list; release the file's client. Staged blocks that are
        never committed are garbage-collected by the service."""
        file.closed = True
        with contextlib.suppress(Exception):
            file.close()

    def error_kind(self, exc: BaseException) -> ErrorKind | None:
        from azure.core.exceptions import ClientAuthenticationError, ResourceNotFoundError

        seen: BaseException | None = exc
        while seen is not None:  # adlfs wraps SDK errors; look along the chain
            name = type(seen).__name__
            if name == "CredentialUnavailableError":
                return "credentials"
            if isinstance(seen, ClientAuthenticationError):
                return "access"
            if isinstance(seen, ResourceNotFoundError):
                code = str(getattr(seen, "error_code", "") or "")
                return "bucket" if code == "ContainerNotFound" else "object"
            seen = seen.__cause__ or seen.__context__
        return None
