"""Registers the local backend through Glacier's hooks, like any other plugin.

Thin on purpose: classes are named by path, so loading this plugin imports no config model.
"""

from __future__ import annotations

from glacier.plugins import (
    BucketBackend,
    EnvDetector,
    ExecutorBackend,
    ServerlessBackend,
    hookimpl,
)

_CONFIG = "glacier.local.config"
LOCAL_CONFIG = f"{_CONFIG}:LocalConfig"


def validate_local_bucket_name(name: str) -> None:
    """A local bucket is one folder name: no separators, not '.' or '..'."""
    if name in {".", ".."} or "/" in name or "\\" in name or "\0" in name:
        raise ValueError("a local bucket name is a single folder name (no '/', '\\', '.', '..')")


@hookimpl
def glacier_configs() -> list[str]:
    return [LOCAL_CONFIG, f"{_CONFIG}:LocalFunctionConfig", f"{_CONFIG}:LocalExecutorConfig"]


@hookimpl
def glacier_bucket_backends() -> list[BucketBackend]:
    return [
        BucketBackend(
            provider_config=LOCAL_CONFIG,
            config=None,
            adapter="glacier.local.bucket:LocalBucketAdapter",
            validate_name=validate_local_bucket_name,
        )
    ]


@hookimpl
def glacier_serverless_backends() -> list[ServerlessBackend]:
    return [
        ServerlessBackend(
            provider_config=LOCAL_CONFIG,
            config=f"{_CONFIG}:LocalFunctionConfig",
            adapter="glacier.local.serverless:LocalServerlessAdapter",
        )
    ]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    return [
        ExecutorBackend(
            config=f"{_CONFIG}:LocalExecutorConfig",
            adapter="glacier.local.executor:LocalExecutorAdapter",
        )
    ]


@hookimpl
def glacier_env_detectors() -> list[EnvDetector]:
    # No variables: the fallback when no cloud's detector fires (GLACIER_LOCAL_BASE_PATH
    # only sets the folder).
    return [EnvDetector(name="local", priority=10_000, config=LOCAL_CONFIG)]
