"""S3 buckets: :class:`S3BucketAdapter` on the shared object-store adapter.

DataFrame writes use Polars' native S3 writer; LazyFrame writes stream through s3fs (Polars
would complete a partial upload if the LazyFrame raised). Either way: one PUT, or a multipart
upload completed only at the end (atomic; never completed when the write fails). Reads use
Polars' native S3 reader (pushdown, parallel range requests). Works with AWS and
S3-compatible servers (``AwsConfig.endpoint_url``: MinIO, moto).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from glacier.plugin import ErrorKind, ObjectStoreBucketAdapter, Tagged
from glacier_aws.config import AwsConfig
from glacier_aws.credentials import (
    StaticCredentials,
    delta_options,
    polars_options,
    resolve_credentials,
    s3fs_options,
    secret_values,
)

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

#: S3 answers a failed ``If-Match``/``If-None-Match`` with 412, or 409 when two
#: conditional writes of one key race.
_CONDITION_FAILED = ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")

#: Polars' native writer asks the instance metadata service for credentials when none are
#: configured; a failure there means "no credentials", not "permission denied".
_IMDS_TOKEN = "169.254.169.254/latest/api/token"


class S3BucketAdapter(ObjectStoreBucketAdapter):
    """Bucket on Amazon S3 (or an S3-compatible endpoint). URIs: ``s3://bucket/path``."""

    scheme: ClassVar[str] = "s3"
    native_writes: ClassVar[bool] = True
    credentials_hint: ClassVar[str] = (
        "Set AwsConfig access_key_id/secret_access_key or profile, or the environment "
        "variables AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run where an "
        "instance/container role is available."
    )

    @property
    def config(self) -> AwsConfig:
        config = self.provider.config
        assert isinstance(config, AwsConfig)
        return config

    @cached_property
    def credentials(self) -> StaticCredentials | None:
        """Static or assumed-role credentials, or None for the default AWS chain."""
        return resolve_credentials(self.config)

    def filesystem(self) -> AbstractFileSystem:
        import s3fs

        fs: AbstractFileSystem = s3fs.S3FileSystem(**s3fs_options(self.config, self.credentials))
        return fs

    def polars_options(self) -> dict[str, Any]:
        return polars_options(self.config, self.credentials)

    def delta_options(self) -> dict[str, str]:
        return delta_options(self.config, self.credentials)

    def _client_call(self, method: str, **kwargs: Any) -> Any:
        """Call the s3fs filesystem's own (async) S3 client, with its credentials."""
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

    def get_tagged(self, key: str) -> Tagged | None:
        from botocore.exceptions import ClientError

        try:
            response = self._client_call("get_object", Bucket=self.resource.bucket_name, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return Tagged(bytes(response["Body"]), str(response["ETag"]))

    def put_if(self, key: str, data: bytes, tag: str | None) -> bool:
        from botocore.exceptions import ClientError

        condition = {"IfMatch": tag} if tag is not None else {"IfNoneMatch": "*"}
        try:
            self._client_call(
                "put_object", Bucket=self.resource.bucket_name, Key=key, Body=data, **condition
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _CONDITION_FAILED:
                return False
            raise
        return True

    def secrets(self) -> Sequence[str]:
        return secret_values(self.config, self.credentials)

    def error_kind(self, exc: BaseException) -> ErrorKind | None:
        from botocore.exceptions import NoCredentialsError, PartialCredentialsError

        seen: BaseException | None = exc
        while seen is not None:  # s3fs wraps botocore errors; look along the chain
            if isinstance(seen, NoCredentialsError | PartialCredentialsError):
                return "credentials"
            if _IMDS_TOKEN in str(seen):  # Polars' writer fell back to instance metadata
                return "credentials"
            seen = seen.__cause__ or seen.__context__
        return None
