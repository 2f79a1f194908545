"""MinIO buckets: :class:`MinioBucketAdapter`, the object-store bucket base filled in.

The base (``glacier.plugin.ObjectStoreBucketAdapter``) does every operation - lazy scans,
atomic single-object writes, transactional datasets, snapshot reads, Delta tables, error
messages - once for every store. This adapter only says how to reach MinIO: an s3fs
filesystem, Polars' native S3 options, and the conditional get/put the dataset manifests
need.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from glacier.plugin import AccessDeniedError, ObjectStoreBucketAdapter, Tagged
from glacier_minio.config import ACCESS_KEY_VAR, SECRET_KEY_VAR, MinioConfig
from glacier_minio.credentials import Keys, polars_options, resolve_keys, s3fs_options

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

#: Error codes of a failed ``If-Match``/``If-None-Match`` (412), or of two conditional
#: writes of one key racing (409).
_CONDITION_FAILED = ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")


class MinioBucketAdapter(ObjectStoreBucketAdapter):
    """A bucket on a MinIO (S3-compatible) server. URIs: ``s3://bucket/path``."""

    scheme: ClassVar[str] = "s3"
    native_writes: ClassVar[bool] = True  # DataFrames upload with Polars' own S3 writer
    credentials_hint: ClassVar[str] = (
        f"Give MinioConfig(access_key=..., secret_key=...), or set {ACCESS_KEY_VAR} and "
        f"{SECRET_KEY_VAR} in the environment of the process that runs the task."
    )

    @property
    def config(self) -> MinioConfig:
        config = self.provider.config
        assert isinstance(config, MinioConfig)  # the registry routes MinioConfig here
        return config

    @cached_property
    def keys(self) -> Keys:
        """The keys, resolved once; a clear error (before any request) when there are none."""
        keys = resolve_keys(self.config)
        if keys is None:
            uri = self.get_uri()
            raise AccessDeniedError(
                f"Cannot reach {uri} on {self.config.endpoint}: no MinIO keys. "
                f"{self.credentials_hint} Job processes never receive keys from the "
                "pipeline: set the variables in the engine's environment.",
                uri=uri,
            )
        return keys

    # -- the hooks of the object-store base ------------------------------------------------
    def filesystem(self) -> AbstractFileSystem:
        import s3fs

        fs: AbstractFileSystem = s3fs.S3FileSystem(**s3fs_options(self.config, self.keys))
        return fs

    def polars_options(self) -> dict[str, Any]:
        return polars_options(self.config, self.keys)

    def delta_options(self) -> dict[str, str]:
        # Conditional PUTs make concurrent Delta commits safe without a lock service.
        return {**super().delta_options(), "aws_conditional_put": "etag"}

    def get_tagged(self, key: str) -> Tagged | None:
        from botocore.exceptions import ClientError

        try:
            response = self._call("get_object", Bucket=self.resource.bucket_name, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return Tagged(bytes(response["Body"]), str(response["ETag"]))

    def put_if(self, key: str, data: bytes, tag: str | None) -> bool:
        from botocore.exceptions import ClientError

        condition = {"IfMatch": tag} if tag is not None else {"IfNoneMatch": "*"}
        try:
            self._call(
                "put_object", Bucket=self.resource.bucket_name, Key=key, Body=data, **condition
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _CONDITION_FAILED:
                return False
            raise
        return True

    def secrets(self) -> Sequence[str]:
        keys = resolve_keys(self.config)
        return [keys.secret_key.get_secret_value()] if keys is not None else []

    # -- helpers ---------------------------------------------------------------------------
    def _call(self, method: str, **kwargs: Any) -> Any:
        """One S3 API call through the filesystem's own (async) client and keys."""
        from fsspec.asyn import sync

        fs: Any = self.fs

        async def call() -> Any:
            client = await fs.set_session()
            response = await getattr(client, method)(**kwargs)
            if "Body" in response:
                async with response["Body"] as body:
                    response["Body"] = await body.read()
            return response

        return sync(fs.loop, call)
