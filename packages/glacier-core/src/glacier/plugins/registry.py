"""The registry: everything the installed plugins registered, with the plugin that owns it.

Built once from the hooks (see :mod:`glacier.plugins.hookspecs`) and then read-only.
Lookups walk the config type's MRO, so a subclass of ``AwsConfig`` finds the S3 adapter.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from glacier.errors import DuplicateRegistrationError, PluginError
from glacier.models import GlacierModel
from glacier.plugins.specs import (
    BucketBackend,
    EnvDetector,
    ExecutorBackend,
    PulumiEmitterSpec,
    ServerlessBackend,
)

T = TypeVar("T")
V = TypeVar("V")


@dataclass(frozen=True)
class Owned(Generic[T]):
    """A registered record and the plugin that registered it."""

    plugin: str
    item: T


@dataclass
class Registry:
    """Read-only view of what plugins registered."""

    configs: Mapping[str, Owned[type[GlacierModel]]] = field(default_factory=dict)
    buckets: Mapping[type, Owned[BucketBackend]] = field(default_factory=dict)
    serverless: Mapping[type, Owned[ServerlessBackend]] = field(default_factory=dict)
    executors: Mapping[type, Owned[ExecutorBackend]] = field(default_factory=dict)
    detectors: tuple[Owned[EnvDetector], ...] = ()
    emitters: Mapping[type, Owned[PulumiEmitterSpec]] = field(default_factory=dict)
    plugins: tuple[str, ...] = ()

    # -- lookups -------------------------------------------------------------------------
    def config(self, name: str) -> type[GlacierModel] | None:
        owned = self.configs.get(name)
        return owned.item if owned else None

    def bucket_backend(self, provider_config: type) -> BucketBackend | None:
        return _by_mro(self.buckets, provider_config)

    def serverless_backend(self, provider_config: type) -> ServerlessBackend | None:
        return _by_mro(self.serverless, provider_config)

    def executor_backend(self, executor_config: type) -> ExecutorBackend | None:
        return _by_mro(self.executors, executor_config)

    def emitter(self, config_type: type) -> PulumiEmitterSpec | None:
        return _by_mro(self.emitters, config_type)

    def close_config_names(self, name: str, extra: Iterable[str] = ()) -> list[str]:
        return difflib.get_close_matches(name, [*self.configs, *extra], n=3, cutoff=0.6)

    def owned_by(self, plugin: str) -> dict[str, list[str]]:
        """What one plugin registered, by category (for ``glacier plugins``)."""
        out: dict[str, list[str]] = {}

        def add(category: str, label: str) -> None:
            out.setdefault(category, []).append(label)

        for name, owned in self.configs.items():
            if owned.plugin == plugin:
                add("configs", name)
        for key, ob in self.buckets.items():
            if ob.plugin == plugin:
                add("buckets", key.__name__)
        for key, os_ in self.serverless.items():
            if os_.plugin == plugin:
                add("serverless", key.__name__)
        for key, oe in self.executors.items():
            if oe.plugin == plugin:
                add("executors", key.__name__)
        for od in self.detectors:
            if od.plugin == plugin:
                add("from_env", f"{od.item.name}({', '.join(od.item.variables) or 'default'})")
        for key, oem in self.emitters.items():
            if oem.plugin == plugin:
                add("pulumi", key.__name__)
        return out


def _by_mro(table: Mapping[type, Owned[V]], key: type) -> V | None:
    for klass in getattr(key, "__mro__", (key,)):
        owned = table.get(klass)
        if owned is not None:
            return owned.item
    return None


def _collect(hook: Any) -> list[tuple[str, Any]]:
    """Call every implementation of one hook, remembering which plugin returned what."""
    results: list[tuple[str, Any]] = []
    for impl in hook.get_hookimpls():  # registration order
        try:
            value = impl.function()
        except Exception as exc:
            raise PluginError(
                f"Glacier plugin {impl.plugin_name!r} failed in {hook.name}(): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        for item in value or ():
            results.append((impl.plugin_name, item))
    return results


def _keyed(
    pairs: list[tuple[str, V]], key: Callable[[V], Any], what: str, label: Callable[[Any], str]
) -> dict[Any, Owned[V]]:
    table: dict[Any, Owned[V]] = {}
    for plugin, item in pairs:
        k = key(item)
        if k in table and table[k].plugin != plugin:
            raise DuplicateRegistrationError(
                f"Two Glacier plugins register a {what} for {label(k)}: "
                f"{table[k].plugin!r} and {plugin!r}. Uninstall one of them, or disable one "
                f"with GLACIER_DISABLE_PLUGINS={plugin}."
            )
        table[k] = Owned(plugin, item)
    return table


def build_registry() -> Registry:
    """Call every hook of the plugin manager and assemble the registry."""
    from glacier.plugins.manager import get_plugin_manager

    pm = get_plugin_manager()
    hook = pm.hook

    def name_of(k: Any) -> str:
        return k if isinstance(k, str) else getattr(k, "__name__", str(k))

    configs = _keyed(_collect(hook.glacier_configs), lambda c: c.__name__, "config", repr)
    buckets = _keyed(
        _collect(hook.glacier_bucket_backends),
        lambda b: b.provider_config,
        "bucket adapter",
        name_of,
    )
    serverless = _keyed(
        _collect(hook.glacier_serverless_backends),
        lambda b: b.provider_config,
        "serverless adapter",
        name_of,
    )
    executors = _keyed(
        _collect(hook.glacier_executor_backends), lambda b: b.config, "executor adapter", name_of
    )
    emitters = _keyed(
        _collect(hook.glacier_pulumi_emitters),
        lambda b: b.provider_config,
        "Pulumi emitter",
        name_of,
    )
    detectors = tuple(
        sorted(
            (Owned(p, d) for p, d in _collect(hook.glacier_env_detectors)),
            key=lambda o: o.item.priority,
        )
    )
    plugins = tuple(name for name, _ in pm.list_name_plugin())
    return Registry(
        configs=MappingProxyType(configs),
        buckets=MappingProxyType(buckets),
        serverless=MappingProxyType(serverless),
        executors=MappingProxyType(executors),
        detectors=detectors,
        emitters=MappingProxyType(emitters),
        plugins=plugins,
    )


_registry: Registry | None = None
_lock = threading.RLock()
_building = threading.local()


def get_registry() -> Registry:
    """The process-wide registry (built on first call)."""
    global _registry
    if _registry is None:
        with _lock:
            if getattr(_building, "active", False):
                raise PluginError(
                    "A Glacier plugin hook used the registry (e.g. `from glacier.config import "
                    "...`) while plugins were loading. Import config classes from their own "
                    "modules inside hooks (e.g. `from glacier_aws.config import AwsConfig`)."
                )
            if _registry is None:
                _building.active = True
                try:
                    _registry = build_registry()
                finally:
                    _building.active = False
    return _registry


def reset_registry() -> None:
    global _registry
    with _lock:
        _registry = None
