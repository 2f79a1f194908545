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

LOCAL_CONFIG = "glacier.local.config:LocalConfig"
FUNCTION_CONFIG = "glacier.local.compute_config:LocalFunctionConfig"
EXECUTOR_CONFIG = "glacier.local.compute_config:LocalExecutorConfig"


def validate_local_bucket_name(name: str) -> None:
    """A local bucket is one folder name: no separators, not '.' or '..', no control
    characters (a trailing newline included), valid text, at most 255 bytes."""
    if name in {".", ".."} or "/" in name or "\\" in name:
        raise ValueError("a local bucket name is a single folder name (no '/', '\\', '.', '..')")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise ValueError("it holds a control character (a newline?); remove it")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise ValueError("it holds a lone surrogate, which is not valid text") from None
    if size > 255:
        raise ValueError(f"it is {size} bytes long in UTF-8; a folder name is at most 255")


@hookimpl
def glacier_configs() -> list[str]:
    return [LOCAL_CONFIG, FUNCTION_CONFIG, EXECUTOR_CONFIG]


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
            config=FUNCTION_CONFIG,
            adapter="glacier.local.serverless:LocalServerlessAdapter",
        )
    ]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    return [
        ExecutorBackend(
            config=EXECUTOR_CONFIG,
            adapter="glacier.local.executor:LocalExecutorAdapter",
        )
    ]


@hookimpl
def glacier_env_detectors() -> list[EnvDetector]:
    # No variables: the fallback when no cloud's detector fires (GLACIER_LOCAL_BASE_PATH
    # only sets the folder).
    return [EnvDetector(name="local", priority=10_000, config=LOCAL_CONFIG)]
