"""Keys and client options for one :class:`~glacier_minio.config.MinioConfig`.

Keys come from the config, else from ``MINIO_ACCESS_KEY``/``MINIO_SECRET_KEY`` in this
process's environment. The second path is how a job process gets them: a job spec carries
only the config's public fields (``endpoint``, ``region``), never a ``SecretStr``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from glacier_minio.config import ACCESS_KEY_VAR, SECRET_KEY_VAR, MinioConfig

#: Attempts per request (botocore's "standard" mode retries throttling, 5xx and resets).
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Keys:
    """An access key pair."""

    access_key: SecretStr = field(repr=False)
    secret_key: SecretStr = field(repr=False)


def resolve_keys(config: MinioConfig, environ: Mapping[str, str] | None = None) -> Keys | None:
    """The config's keys, else the environment's; ``None`` when neither has both."""
    if config.access_key is not None and config.secret_key is not None:
        return Keys(config.access_key, config.secret_key)
    env = os.environ if environ is None else environ
    access, secret = env.get(ACCESS_KEY_VAR), env.get(SECRET_KEY_VAR)
    if access and secret:
        return Keys(SecretStr(access), SecretStr(secret))
    return None


def s3fs_options(config: MinioConfig, keys: Keys) -> dict[str, Any]:
    """Keyword arguments for ``s3fs.S3FileSystem``: path-style requests to the endpoint."""
    return {
        "key": keys.access_key.get_secret_value(),
        "secret": keys.secret_key.get_secret_value(),
        "client_kwargs": {"endpoint_url": config.endpoint, "region_name": config.region},
        "config_kwargs": {
            "s3": {"addressing_style": "path"},
            "retries": {"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
        },
        "use_listings_cache": False,  # other processes write the same prefixes
    }


def polars_options(config: MinioConfig, keys: Keys) -> dict[str, Any]:
    """Keyword arguments for Polars' native S3 readers and writers (object_store keys)."""
    storage: dict[str, Any] = {
        "aws_endpoint_url": config.endpoint,
        "aws_region": config.region,
        "aws_access_key_id": keys.access_key.get_secret_value(),
        "aws_secret_access_key": keys.secret_key.get_secret_value(),
        "aws_virtual_hosted_style_request": "false",
        "max_retries": MAX_ATTEMPTS,
    }
    if config.uses_http:
        storage["aws_allow_http"] = "true"
    # credential_provider=None: use exactly these keys, never an AWS profile or role.
    return {"storage_options": storage, "credential_provider": None}
