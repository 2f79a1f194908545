"""S3 buckets: :class:`S3BucketAdapter` on the shared object-store adapter.

Writes go through s3fs (one PUT, or a multipart upload completed on close: atomic; aborted
when producing the data fails). Reads use Polars' native S3 reader (pushdown, parallel range
requests). Works with AWS and S3-compatible servers (``AwsConfig.endpoint_url``: MinIO, moto).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from glacier.storage.object_store import ErrorKind, ObjectStoreBucketAdapter
from glacier_aws.config import AwsConfig
from glacier_aws.credentials import (
    StaticCredentials,
    polars_options,
    resolve_credentials,
    s3fs_options,
    secret_values,
)

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem


class S3BucketAdapter(ObjectStoreBucketAdapter):
    """Bucket on Amazon S3 (or an S3-compatible endpoint). URIs: ``s3://bucket/path``."""

    scheme: ClassVar[str] = "s3"
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

    def secrets(self) -> Sequence[str]:
        return secret_values(self.config, self.credentials)

    def error_kind(self, exc: BaseException) -> ErrorKind | None:
        from botocore.exceptions import NoCredentialsError, PartialCredentialsError

        seen: BaseException | None = exc
        while seen is not None:  # s3fs wraps botocore errors; look along the chain
            if isinstance(seen, NoCredentialsError | PartialCredentialsError):
                return "credentials"
            seen = seen.__cause__ or seen.__context__
        return None
