"""The registry: what the loaded plugins registered, and which plugin registered each record.

A :class:`Registry` is an immutable value. The plugin host (:mod:`glacier.plugins.host`)
builds it one plugin at a time (:meth:`Registry.with_plugin`) and swaps the new value in, so
readers never see a half-built table and need no lock.

Tables are keyed by ``"module:qualname"`` strings (see :mod:`glacier.plugins.specs`);
lookups walk the config type's MRO, so a subclass of ``AwsConfig`` finds the S3 adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from glacier.errors import DuplicateRegistrationError, PluginError
from glacier.plugins.specs import (
    BucketBackend,
    ClassRef,
    EnvDetector,
    ExecutorBackend,
    PulumiEmitterSpec,
    ServerlessBackend,
    class_key,
    load_ref,
    mro_keys,
    ref_key,
    short_name,
)

T = TypeVar("T")
V = TypeVar("V")

_EMPTY: Mapping[str, Any] = MappingProxyType({})

# Plain slotted classes, not dataclasses: building a dataclass costs ~0.3 ms at import, and
# this module is on the import path of every Glacier program.


class Owned(Generic[T]):
    """A registered record and the plugin that registered it."""

    __slots__ = ("item", "plugin")

    def __init__(self, plugin: str, item: T) -> None:
        self.plugin = plugin
        self.item = item

    def __repr__(self) -> str:
        return f"Owned({self.plugin!r}, {self.item!r})"


class Registrations:
    """Everything one plugin returned from its hooks (see :mod:`glacier.plugins.hookspecs`)."""

    __slots__ = ("buckets", "configs", "detectors", "emitters", "executors", "serverless")

    def __init__(
        self,
        configs: tuple[ClassRef, ...] = (),
        buckets: tuple[BucketBackend, ...] = (),
        serverless: tuple[ServerlessBackend, ...] = (),
        executors: tuple[ExecutorBackend, ...] = (),
        detectors: tuple[EnvDetector, ...] = (),
        emitters: tuple[PulumiEmitterSpec, ...] = (),
    ) -> None:
        self.configs = configs
        self.buckets = buckets
        self.serverless = serverless
        self.executors = executors
        self.detectors = detectors
        self.emitters = emitters


class Registry:
    """Read-only view of what plugins registered (an immutable value: building it returns a
    new one)."""

    __slots__ = (
        "buckets",
        "configs",
        "detectors",
        "emitters",
        "executors",
        "plugins",
        "serverless",
    )

    def __init__(
        self,
        configs: Mapping[str, Owned[ClassRef]] = _EMPTY,
        buckets: Mapping[str, Owned[BucketBackend]] = _EMPTY,
        serverless: Mapping[str, Owned[ServerlessBackend]] = _EMPTY,
        executors: Mapping[str, Owned[ExecutorBackend]] = _EMPTY,
        detectors: tuple[Owned[EnvDetector], ...] = (),
        emitters: Mapping[str, Owned[PulumiEmitterSpec]] = _EMPTY,
        plugins: tuple[str, ...] = (),
    ) -> None:
        #: Config class name -> its ref (class or ``"module:Class"``).
        self.configs = configs
        #: ``"module:qualname"`` of a provider config -> its storage.
        self.buckets = buckets
        self.serverless = serverless
        #: ``"module:qualname"`` of an executor config -> its engine.
        self.executors = executors
        #: In the order ``Provider.from_env()`` tries them (ascending priority).
        self.detectors = detectors
        self.emitters = emitters
        #: Names of the plugins, in registration order.
        self.plugins = plugins

    def __repr__(self) -> str:
        return f"<Registry of plugins {', '.join(self.plugins) or '(none)'}>"

    # -- building --------------------------------------------------------------------------
    def with_plugin(self, plugin: str, regs: Registrations) -> Registry:
        """A new registry with one more plugin's records.

        Raises :class:`~glacier.errors.DuplicateRegistrationError` naming both plugins when
        ``plugin`` registers a name or a key another plugin already registered.
        """
        return Registry(
            configs=_merge(
                self.configs,
                plugin,
                regs.configs,
                key=lambda ref: short_name(ref),
                what="config",
                label=repr,
            ),
            buckets=_merge(
                self.buckets, plugin, regs.buckets, _provider_key, "bucket adapter", _short
            ),
            serverless=_merge(
                self.serverless,
                plugin,
                regs.serverless,
                _provider_key,
                "serverless adapter",
                _short,
            ),
            executors=_merge(
                self.executors,
                plugin,
                regs.executors,
                lambda b: ref_key(b.config),
                "executor adapter",
                _short,
            ),
            detectors=tuple(
                sorted(
                    (*self.detectors, *(Owned(plugin, d) for d in regs.detectors)),
                    key=lambda o: o.item.priority,
                )
            ),
            emitters=_merge(
                self.emitters, plugin, regs.emitters, _provider_key, "Pulumi emitter", _short
            ),
            plugins=(*self.plugins, plugin),
        )

    # -- lookups ---------------------------------------------------------------------------
    def config_ref(self, name: str) -> Owned[ClassRef] | None:
        """The registered ref of the config class called ``name`` (nothing imported)."""
        return self.configs.get(name)

    def config(self, name: str) -> type | None:
        """The config class called ``name``, importing only the module that defines it."""
        owned = self.configs.get(name)
        if owned is None:
            return None
        return _resolve(owned, "config", expected=None, canonical=True)

    def bucket_backend(self, provider_config: type) -> BucketBackend | None:
        """The storage registered for ``provider_config`` (or its nearest base class)."""
        return _item(find(self.buckets, provider_config)[0])

    def serverless_backend(self, provider_config: type) -> ServerlessBackend | None:
        """The function backend registered for ``provider_config`` (or a base class)."""
        return _item(find(self.serverless, provider_config)[0])

    def executor_backend(self, executor_config: type) -> ExecutorBackend | None:
        """The engine registered for ``executor_config`` (or a base class)."""
        return _item(find(self.executors, executor_config)[0])

    def emitter(self, config_type: type, expected: type) -> PulumiEmitterSpec | None:
        """The emitter registered for ``config_type``, with ``emitter`` already imported and
        checked to subclass ``expected`` (the compiler passes
        :class:`~glacier.compiler.emitter.EngineEmitter` for an executor config,
        :class:`~glacier.compiler.emitter.PulumiEmitter` for a provider config)."""
        owned = find(self.emitters, config_type)[0]
        if owned is None:
            return None
        return owned.item.replace(emitter=emitter_class(owned, expected))

    def close_config_names(self, name: str, extra: Iterable[str] = ()) -> list[str]:
        """Up to three registered (or ``extra``) config names close to ``name``."""
        return close_names(name, [*self.configs, *extra])

    def owned_by(self, plugin: str) -> dict[str, list[str]]:
        """What one plugin registered, by category (for ``glacier plugins``)."""
        out: dict[str, list[str]] = {}

        def add(category: str, label: str) -> None:
            out.setdefault(category, []).append(label)

        for name, owned_config in self.configs.items():
            if owned_config.plugin == plugin:
                add("configs", name)
        tables: tuple[tuple[str, Mapping[str, Owned[Any]]], ...] = (
            ("buckets", self.buckets),
            ("serverless", self.serverless),
            ("executors", self.executors),
            ("pulumi", self.emitters),
        )
        for category, table in tables:
            for key, owned in table.items():
                if owned.plugin == plugin:
                    add(category, _short(key))
        for od in self.detectors:
            if od.plugin == plugin:
                add("from_env", f"{od.item.name}({', '.join(od.item.variables) or 'default'})")
        return out


# -- helpers -------------------------------------------------------------------------------
def find(table: Mapping[str, Owned[V]], cls: type) -> tuple[Owned[V] | None, bool]:
    """The record for ``cls`` or its nearest base class, and whether it was registered for
    ``cls`` itself (an exact hit, which no plugin loaded later can change)."""
    for depth, key in enumerate(mro_keys(cls)):
        owned = table.get(key)
        if owned is not None:
            return owned, depth == 0
    return None, False


def close_names(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` distinct candidates close to ``name``, best first, compared without case
    (``AWSConfig`` -> ``AwsConfig`` first, each name once)."""
    import difflib

    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    matches = difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[m] for m in matches]


def emitter_class(owned: Owned[PulumiEmitterSpec], expected: type) -> type:
    """Import a registered emitter and check it subclasses ``expected`` (the compiler says
    which base it needs: plugins never import the compiler to check its classes)."""
    return _resolve(owned, "Pulumi emitter", expected=expected, ref=owned.item.emitter)


def adapter_class(owned: Owned[Any], kind: str) -> type:
    """Import a registered adapter and check it subclasses the adapter base of ``kind``
    (``"bucket"``, ``"serverless"`` or ``"executor"``)."""
    from glacier.adapters import base

    expected: type = {
        "bucket": base.BucketAdapter,
        "serverless": base.ServerlessAdapter,
        "executor": base.ExecutorAdapter,
    }[kind]
    return _resolve(owned, f"{kind} adapter", expected=expected, ref=owned.item.adapter)


def _resolve(
    owned: Owned[Any],
    what: str,
    expected: type | None,
    ref: ClassRef | None = None,
    canonical: bool = False,
) -> type:
    """Import ``ref`` (default: the owned item), naming the plugin in every error."""
    target = owned.item if ref is None else ref
    try:
        obj = load_ref(target)
    except (ImportError, AttributeError) as exc:
        raise PluginError(
            f"The {what} {target!r} registered by Glacier plugin {owned.plugin!r} cannot be "
            f"imported: {type(exc).__name__}: {exc}. Install the plugin's dependencies, or "
            f"skip the plugin with GLACIER_DISABLE_PLUGINS={owned.plugin}."
        ) from exc
    if not isinstance(obj, type):
        raise PluginError(
            f"Glacier plugin {owned.plugin!r} registered the {what} {target!r}, which is a "
            f"{type(obj).__name__}, not a class."
        )
    if expected is not None and not issubclass(obj, expected):
        raise PluginError(
            f"Glacier plugin {owned.plugin!r} registered {obj.__module__}.{obj.__qualname__} "
            f"as a {what}, but it does not subclass {expected.__module__}.{expected.__name__}."
            f" Make it a subclass of {expected.__name__}."
        )
    if canonical and isinstance(target, str) and class_key(obj) != target:
        raise PluginError(
            f"Glacier plugin {owned.plugin!r} registered the {what} {target!r}, but that class "
            f"is defined as {class_key(obj)!r}. Register it by its defining module, so lookups "
            "by type find it."
        )
    return obj


def _provider_key(record: Any) -> str:
    return ref_key(record.provider_config)


def _short(key: Any) -> str:
    return short_name(key)


def _item(owned: Owned[V] | None) -> V | None:
    return None if owned is None else owned.item


def _merge(
    table: Mapping[str, Owned[V]],
    plugin: str,
    items: Iterable[V],
    key: Callable[[V], str],
    what: str,
    label: Callable[[str], str],
) -> Mapping[str, Owned[V]]:
    out = dict(table)
    for item in items:
        k = key(item)
        if k in out and out[k].plugin != plugin:
            raise DuplicateRegistrationError(
                f"Two Glacier plugins register a {what} for {label(k)}: {out[k].plugin!r} and "
                f"{plugin!r}. Uninstall one of them, or disable one with "
                f"GLACIER_DISABLE_PLUGINS={plugin}."
            )
        out[k] = Owned(plugin, item)
    return MappingProxyType(out)


def get_registry() -> Registry:
    """Every installed plugin's registrations (loads them all; see
    :meth:`glacier.plugins.host.PluginHost.registry`)."""
    from glacier.plugins.host import get_host

    return get_host().registry()
