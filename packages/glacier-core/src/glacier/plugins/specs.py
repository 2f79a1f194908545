"""What plugins register: small frozen records, returned from hooks.

Adapters and emitters are given as classes or as ``"module:Attribute"`` strings; strings are
imported on first use, which keeps ``import glacier`` and plugin discovery cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from glacier.models import (
    BucketConfig,
    ExecutorConfig,
    ProviderConfig,
    ServerlessConfig,
)

Ref = type | str


def load_ref(ref: Ref) -> Any:
    """Import ``"package.module:Attr"`` (or return a class as it is)."""
    if not isinstance(ref, str):
        return ref
    module_name, _, attr = ref.partition(":")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in attr.split(".") if attr else []:
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class BucketBackend:
    """Storage for providers configured with ``provider_config``.

    ``validate_name`` raises ``ValueError`` with the broken rule for an invalid bucket name.
    """

    provider_config: type[ProviderConfig]
    config: type[BucketConfig] | None
    adapter: Ref
    validate_name: Callable[[str], None] | None = None


@dataclass(frozen=True)
class ServerlessBackend:
    """Functions for providers configured with ``provider_config``."""

    provider_config: type[ProviderConfig]
    config: type[ServerlessConfig] | None
    adapter: Ref


@dataclass(frozen=True)
class ExecutorBackend:
    """An engine chosen by the executor's own config type (Databricks runs on any cloud)."""

    config: type[ExecutorConfig]
    adapter: Ref
    #: Provider config types this engine runs on; empty means any.
    provider_configs: tuple[type[ProviderConfig], ...] = ()


@dataclass(frozen=True)
class EnvDetector:
    """Picks a provider config from environment variables for ``Provider.from_env()``.

    Detectors run in ascending ``priority``; the first that returns a config wins.
    The design's order is AWS (100), Azure (200), GCP (300), then Local (10_000).
    """

    name: str
    priority: int
    detect: Callable[[Mapping[str, str]], ProviderConfig | None]
    #: Environment variables that make this detector fire (for messages and docs).
    variables: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class PulumiEmitterSpec:
    """Renders the compiler's resource graph for one provider config type."""

    provider_config: type[ProviderConfig] | type[ExecutorConfig]
    emitter: Ref
