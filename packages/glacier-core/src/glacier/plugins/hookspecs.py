"""Hook specifications. Every hook is prefixed ``glacier_`` and returns a list of records.

All hooks are called once, when the registry is first built (on the first API call that
needs plugins). Returning an empty list (or not implementing a hook) means "nothing here".
"""

from __future__ import annotations

import pluggy

from glacier.models import GlacierModel
from glacier.plugins.specs import (
    BucketBackend,
    EnvDetector,
    ExecutorBackend,
    PulumiEmitterSpec,
    ServerlessBackend,
)

hookspec = pluggy.HookspecMarker("glacier")


@hookspec
def glacier_configs() -> list[type[GlacierModel]]:
    """Return config classes to export from ``glacier.config`` under their class names.

    Two plugins exporting one name is an error naming both plugins.
    """
    raise NotImplementedError


@hookspec
def glacier_bucket_backends() -> list[BucketBackend]:
    """Return bucket adapters, each keyed by the provider config type it serves."""
    raise NotImplementedError


@hookspec
def glacier_serverless_backends() -> list[ServerlessBackend]:
    """Return serverless adapters, each keyed by the provider config type it serves."""
    raise NotImplementedError


@hookspec
def glacier_executor_backends() -> list[ExecutorBackend]:
    """Return executor adapters, each keyed by the executor config type it runs."""
    raise NotImplementedError


@hookspec
def glacier_env_detectors() -> list[EnvDetector]:
    """Return environment detectors used by ``Provider.from_env()``."""
    raise NotImplementedError


@hookspec
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    """Return Pulumi emitters, keyed by provider (or executor) config type."""
    raise NotImplementedError
