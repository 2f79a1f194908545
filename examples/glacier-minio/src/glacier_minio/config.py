"""MinIO configs: the provider (:class:`MinioConfig`: where the store is, which keys) and the
bucket settings (:class:`MinioBucketConfig`: versioning, expiry rules).

Configs are data: pydantic models, strict and frozen (``glacier.plugin.GlacierModel``).
Validators reject bad values with a message that names the field and the fix; secrets are
``SecretStr``, so they never appear in a repr, a log line, a job spec or a compiled program.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import ClassVar, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from glacier.plugin import BucketConfig, ConfigError, GlacierModel, ProviderConfig

#: Environment variables ``MinioConfig.from_env()`` reads; job processes read the two key
#: variables too (a job spec never carries secrets, see docs/plugins.md).
ENDPOINT_VAR = "MINIO_ENDPOINT"
REGION_VAR = "MINIO_REGION"
ACCESS_KEY_VAR = "MINIO_ACCESS_KEY"
SECRET_KEY_VAR = "MINIO_SECRET_KEY"
ALLOW_HTTP_VAR = "MINIO_ALLOW_HTTP"

_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_TRUE = {"1", "true", "yes", "on"}


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (``localhost``, ``127.0.0.1``, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class MinioConfig(ProviderConfig):
    """A MinIO server (or any S3-compatible store: Ceph RGW, Cloudflare R2, ...).

    Keys: ``access_key``/``secret_key`` here, else the environment variables
    ``MINIO_ACCESS_KEY``/``MINIO_SECRET_KEY`` of the process that touches the data (a job
    process on an engine reads them from its own environment). ``from_env()`` reads
    ``MINIO_ENDPOINT``, ``MINIO_REGION``, ``MINIO_ACCESS_KEY``, ``MINIO_SECRET_KEY`` and
    ``MINIO_ALLOW_HTTP``.
    """

    cloud: ClassVar[str] = "minio"

    endpoint: str = Field(description="Base URL of the S3 API, e.g. https://minio.example:9000.")
    region: str = Field(default="us-east-1", description="Region the server is configured with.")
    access_key: SecretStr | None = Field(default=None, description="Access key (user name).")
    secret_key: SecretStr | None = Field(default=None, description="Secret key (password).")
    allow_http: bool = Field(
        default=False,
        description="Allow a plain-http endpoint on another machine (keys and data would "
        "travel unencrypted). http://localhost and http://127.0.0.1 are always allowed.",
    )

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        url = urlsplit(value)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(
                f"endpoint {value!r} is not a URL of the S3 API; use the form "
                "'https://minio.example:9000'"
            )
        if url.username or url.password:
            raise ValueError(
                "endpoint holds credentials; give them as access_key/secret_key (or the "
                f"{ACCESS_KEY_VAR}/{SECRET_KEY_VAR} variables), never in the URL"
            )
        if url.path.strip("/") or url.query or url.fragment:
            raise ValueError(
                f"endpoint {value!r} has a path or query; give the server's base URL only "
                "(buckets are named by bucket_name)"
            )
        return value.rstrip("/")

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.fullmatch(value):
            raise ValueError(
                f"region {value!r} is not a region name; use the one the server is "
                "configured with (MinIO's default is 'us-east-1')"
            )
        return value

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if (self.access_key is None) != (self.secret_key is None):
            raise ValueError(
                "access_key and secret_key go together: give both, or neither (then the "
                f"{ACCESS_KEY_VAR}/{SECRET_KEY_VAR} environment variables are used)"
            )
        url = urlsplit(self.endpoint)
        if url.scheme == "http" and not self.allow_http and not is_loopback(url.hostname or ""):
            raise ValueError(
                f"endpoint {self.endpoint!r} is plain http on another machine: keys and data "
                "would travel unencrypted. Use https, or set allow_http=True "
                f"({ALLOW_HTTP_VAR}=1) on a network you trust"
            )
        return self

    @property
    def uses_http(self) -> bool:
        """Whether the endpoint is plain http (clients must be told to allow it)."""
        return self.endpoint.startswith("http://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        endpoint = env.get(ENDPOINT_VAR)
        if not endpoint:
            raise ConfigError(
                f"MinioConfig.from_env(): {ENDPOINT_VAR} is not set; set it to the S3 API "
                "URL of the server (e.g. https://minio.example:9000)."
            )
        access, secret = env.get(ACCESS_KEY_VAR), env.get(SECRET_KEY_VAR)
        return cls(
            endpoint=endpoint,
            region=env.get(REGION_VAR) or "us-east-1",
            access_key=SecretStr(access) if access else None,
            secret_key=SecretStr(secret) if secret else None,
            allow_http=env.get(ALLOW_HTTP_VAR, "").strip().lower() in _TRUE,
        )


class MinioExpiration(GlacierModel):
    """Delete objects under ``prefix`` ``days`` days after they were written (MinIO's
    lifecycle expiry). When Glacier buckets with different configs share one MinIO bucket,
    each one's rules are limited to its own path (``prefix`` then follows that path)."""

    prefix: str = ""
    days: int = Field(ge=1, description="Age in days at which objects are deleted.")


class MinioBucketConfig(BucketConfig):
    """Bucket settings on MinIO. Buckets are private (MinIO grants no anonymous access
    unless a bucket policy says so, and Glacier writes none)."""

    versioning: bool = Field(default=False, description="Keep every version of every object.")
    force_destroy: bool = Field(
        default=False, description="Let `pulumi destroy` delete a bucket that holds objects."
    )
    expiration: list[MinioExpiration] | None = Field(
        default=None, description="Expiry rules, by object prefix."
    )
