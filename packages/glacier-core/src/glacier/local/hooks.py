"""Registers the local backend through Glacier's hooks, like any other plugin."""

from __future__ import annotations

from collections.abc import Mapping

from glacier.local.config import LocalConfig, LocalExecutorConfig, LocalFunctionConfig
from glacier.models import GlacierModel, ProviderConfig
from glacier.plugins import (
    BucketBackend,
    EnvDetector,
    ExecutorBackend,
    ServerlessBackend,
    hookimpl,
)


def validate_local_bucket_name(name: str) -> None:
    """A local bucket is one folder name: no separators, not '.' or '..'."""
    if name in {".", ".."} or "/" in name or "\\" in name or "\0" in name:
        raise ValueError("a local bucket name is a single folder name (no '/', '\\', '.', '..')")


def _detect(environ: Mapping[str, str]) -> ProviderConfig:
    return LocalConfig.from_env(environ)


@hookimpl
def glacier_configs() -> list[type[GlacierModel]]:
    return [LocalConfig, LocalFunctionConfig, LocalExecutorConfig]


@hookimpl
def glacier_bucket_backends() -> list[BucketBackend]:
    return [
        BucketBackend(
            provider_config=LocalConfig,
            config=None,
            adapter="glacier.local.bucket:LocalBucketAdapter",
            validate_name=validate_local_bucket_name,
        )
    ]


@hookimpl
def glacier_serverless_backends() -> list[ServerlessBackend]:
    return [
        ServerlessBackend(
            provider_config=LocalConfig,
            config=LocalFunctionConfig,
            adapter="glacier.local.serverless:LocalServerlessAdapter",
        )
    ]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    return [
        ExecutorBackend(
            config=LocalExecutorConfig, adapter="glacier.local.executor:LocalExecutorAdapter"
        )
    ]


@hookimpl
def glacier_env_detectors() -> list[EnvDetector]:
    return [EnvDetector(name="local", priority=10_000, detect=_detect, variables=())]
