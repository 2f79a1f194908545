"""The plugin host: one object, one lock, that loads Glacier's plugins through pluggy and
answers lookups ("which bucket adapter serves AwsConfig?").

Loading happens in two steps, each on first need:

1. **Built-ins** - the local backend and Spark, plus plugins registered from code
   (:meth:`PluginHost.register`). Enough for everything a ``LocalConfig`` pipeline does.
2. **Installed plugins** - the ``glacier`` entry-point group. Loaded when a lookup is not
   answered by the built-ins: a cloud config name (``from glacier.config import
   AwsConfig``), a config type registered by no built-in, ``Provider.from_env()`` (any
   plugin's detector may claim the environment), ``glacier plugins``.

Either step imports only the plugins' thin hook modules; hooks return records naming config
classes, adapters and emitters by ``"module:Class"`` path, imported when used.

Every hook is called through pluggy, once per plugin (``pm.subset_hook_caller``), so the
host knows which plugin registered what and pluggy's hook-call monitoring sees every call.

Environment:
    GLACIER_DISABLE_PLUGINS: comma-separated entry-point names not to load (``aws,gcp``).
    GLACIER_TRACE_PLUGINS: when set, print every plugin load and hook call to stderr.
"""

from __future__ import annotations

import os
import sys
import threading
import types
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from glacier.errors import GlacierError, PluginError, PluginLoadError
from glacier.plugins.discovery import GROUP, InstalledPlugin, disabled_plugins, installed_plugins
from glacier.plugins.registry import (
    Owned,
    Registrations,
    Registry,
    adapter_class,
    emitter_class,
    find,
)
from glacier.plugins.specs import ClassRef, class_key

if TYPE_CHECKING:
    import pluggy

    from glacier.models import ProviderConfig
    from glacier.plugins.specs import BucketBackend, ExecutorBackend, ServerlessBackend

#: Built-in plugins: name -> hook module (registered before any entry point).
BUILTINS: dict[str, str] = {"local": "glacier.local.hooks", "spark": "glacier.spark.hooks"}

#: Hook name -> field of :class:`Registrations` it fills.
HOOKS: dict[str, str] = {
    "glacier_configs": "configs",
    "glacier_bucket_backends": "buckets",
    "glacier_serverless_backends": "serverless",
    "glacier_executor_backends": "executors",
    "glacier_env_detectors": "detectors",
    "glacier_pulumi_emitters": "emitters",
}


class PluginHost:
    """Loads plugins on first need and answers lookups. Thread-safe: one re-entrant lock
    guards every change; lookups read an immutable :class:`Registry` without locking."""

    def __init__(
        self,
        builtins: Mapping[str, str] | None = None,
        entry_points: Callable[[], Sequence[InstalledPlugin]] | None = None,
    ) -> None:
        self._builtins = dict(BUILTINS if builtins is None else builtins)
        self._scan = entry_points or installed_plugins
        self._lock = threading.RLock()
        self._extra: list[tuple[object, str]] = []
        self._distributions: dict[str, str] = {}
        self._pm: pluggy.PluginManager | None = None
        # (registry, complete): the built-ins' records, plus every installed plugin's once
        # complete. One tuple, replaced whole, so lock-free readers see a consistent pair.
        self._state: tuple[Registry, bool] | None = None
        self._loading = False

    # -- plugins registered from code ------------------------------------------------------
    def register(self, plugin: object, name: str) -> None:
        """Register a plugin object (a module or an object with ``@hookimpl`` methods) from
        code, e.g. in a test; it is loaded with the built-ins. Use the ``plugin_host``
        fixture of :mod:`glacier.testing.plugins` in tests, which undoes it."""
        with self._lock:
            self._extra = [(p, n) for p, n in self._extra if n != name]
            self._extra.append((plugin, name))
            self.reset()

    def code_plugins(self) -> tuple[tuple[object, str], ...]:
        """Plugins registered with :meth:`register`, as ``(plugin, name)`` pairs."""
        return tuple(self._extra)

    def unregister(self, name: str) -> None:
        """Undo :meth:`register`."""
        with self._lock:
            self._extra = [(p, n) for p, n in self._extra if n != name]
            self.reset()

    def reset(self) -> None:
        """Forget everything loaded; the next lookup loads plugins again (re-reading
        ``GLACIER_DISABLE_PLUGINS`` and ``GLACIER_TRACE_PLUGINS``)."""
        with self._lock:
            self._check_not_loading("reset the plugins")
            self._pm = None
            self._state = None
            self._distributions = {}

    # -- lookups ---------------------------------------------------------------------------
    def registry(self, complete: bool = True) -> Registry:
        """What the plugins registered: every installed plugin's records (default), or only
        the built-ins' and code-registered ones when ``complete`` is False."""
        state = self._state
        if state is not None and (state[1] or not complete):
            return state[0]
        return self._load(complete)

    def plugin_manager(self) -> pluggy.PluginManager:
        """The pluggy manager with every plugin loaded."""
        self.registry()
        assert self._pm is not None
        return self._pm

    def distribution_of(self, plugin: str) -> str:
        """The distribution that installed a plugin (``glacier-core`` for built-ins)."""
        return self._distributions.get(plugin, "?")

    def config_class(self, name: str) -> type | None:
        """The config class exported as ``glacier.config.<name>``: imports only the module
        that defines it, and installed plugins only when no built-in has that name."""
        registry = self.registry(complete=False)
        if registry.config_ref(name) is None:
            registry = self.registry()
        return registry.config(name)

    def bucket_backend(self, provider_config: type) -> BucketBackend | None:
        """Storage for a provider config type (None when no plugin serves it)."""
        found: BucketBackend | None = self._find("buckets", provider_config)
        return found

    def serverless_backend(self, provider_config: type) -> ServerlessBackend | None:
        """Functions for a provider config type (None when no plugin serves it)."""
        found: ServerlessBackend | None = self._find("serverless", provider_config)
        return found

    def executor_backend(self, executor_config: type) -> ExecutorBackend | None:
        """The engine for an executor config type (None when no plugin serves it)."""
        found: ExecutorBackend | None = self._find("executors", executor_config)
        return found

    def adapter_class(self, kind: str, config_type: type) -> type | None:
        """The adapter class of ``kind`` (``bucket``, ``serverless``, ``executor``) for a
        config type, imported and checked against its base class; None if unregistered.

        Raises :class:`~glacier.errors.PluginError` naming the plugin when the adapter
        cannot be imported or does not subclass the expected base.
        """
        table = {"bucket": "buckets", "serverless": "serverless", "executor": "executors"}
        owned = self._find_owned(table[kind], config_type)
        return None if owned is None else adapter_class(owned, kind)

    def emitter_class(self, config_type: type, expected: type) -> type | None:
        """The Pulumi emitter class for a config type, imported and checked to subclass
        ``expected`` (``PulumiEmitter``, or ``EngineEmitter`` for executor configs)."""
        owned = self._find_owned("emitters", config_type)
        return None if owned is None else emitter_class(owned, expected)

    def detect(self, environ: Mapping[str, str]) -> ProviderConfig | None:
        """The provider config the first matching detector (by priority) builds from
        ``environ``; every installed plugin is consulted."""
        for owned in self.registry().detectors:
            try:
                config = owned.item(environ)
            except (GlacierError, ValueError):  # invalid values: the config's own message
                raise
            except Exception as exc:
                raise PluginError(
                    f"The environment detector {owned.item.name!r} of Glacier plugin "
                    f"{owned.plugin!r} failed: {type(exc).__name__}: {exc}"
                ) from exc
            if config is not None:
                return config
        return None

    def _find(self, table: str, cls: type) -> Any:
        owned = self._find_owned(table, cls)
        return None if owned is None else owned.item

    def _find_owned(self, table: str, cls: type) -> Owned[Any] | None:
        """Built-ins first; installed plugins only when the built-ins have no record for
        ``cls`` itself (a record for a base class may be overridden by a plugin)."""
        owned, exact = find(getattr(self.registry(complete=False), table), cls)
        if exact:
            return owned
        return find(getattr(self.registry(), table), cls)[0]

    # -- loading ---------------------------------------------------------------------------
    def _check_not_loading(self, action: str) -> None:
        if self._loading:
            raise PluginError(
                f"A Glacier plugin hook tried to {action} while plugins were loading (e.g. "
                "`from glacier.config import ...` inside a hook). Hooks return records that "
                "name classes by 'module:Class' path instead of importing them."
            )

    def _load(self, complete: bool) -> Registry:
        with self._lock:
            state = self._state
            if state is not None and (state[1] or not complete):
                return state[0]
            self._check_not_loading("use the plugin registry")
            self._loading = True
            try:
                if state is None:
                    self._pm = _new_manager()
                    state = (self._add(self._builtin_plugins(), Registry()), False)
                    self._state = state
                if complete:
                    state = (self._add(self._installed_plugins(), state[0]), True)
                    self._state = state
                return state[0]
            except BaseException:
                self._pm, self._state = None, None  # a failed load is retried from scratch
                raise
            finally:
                self._loading = False

    def _builtin_plugins(self) -> list[tuple[object, str, str]]:
        import importlib

        plugins: list[tuple[object, str, str]] = [
            (importlib.import_module(module), name, "glacier-core")
            for name, module in self._builtins.items()
        ]
        plugins += [(plugin, name, "(registered in code)") for plugin, name in self._extra]
        return plugins

    def _installed_plugins(self) -> list[tuple[object, str, str]]:
        assert self._pm is not None
        disabled = disabled_plugins()
        plugins = []
        for ep in sorted(self._scan(), key=lambda e: e.name):
            if ep.name in disabled or self._pm.has_plugin(ep.name):
                continue
            _trace(f"loading plugin {ep.name!r} from {ep.distribution} ({ep.value})")
            try:
                from glacier.plugins.specs import load_ref

                plugin = load_ref(ep.value)
            except Exception as exc:
                raise PluginLoadError(
                    f"Glacier plugin {ep.name!r} (distribution {ep.distribution}, {ep.value}) "
                    f"failed to import: {type(exc).__name__}: {exc}. Reinstall it, or skip it "
                    f"with GLACIER_DISABLE_PLUGINS={ep.name}."
                ) from exc
            plugins.append((plugin, ep.name, ep.distribution))
        return plugins

    def _add(self, plugins: list[tuple[object, str, str]], registry: Registry) -> Registry:
        """Register plugins with pluggy, call their hooks, merge their records."""
        pm = self._pm
        assert pm is not None
        plugins = [(_hooks_only(plugin), name, dist) for plugin, name, dist in plugins]
        for plugin, name, dist in plugins:
            pm.register(plugin, name=name)
            self._distributions[name] = dist
        pm.check_pending()
        for plugin, name, _ in plugins:
            registry = registry.with_plugin(name, _call_hooks(pm, plugin, name))
        return registry


# -- pluggy --------------------------------------------------------------------------------
def _hooks_only(plugin: object) -> object:
    """A plugin module as pluggy sees it: only its ``glacier_*`` attributes. pluggy inspects
    every attribute of what it registers, and a hooks module also holds everything it
    imports (a third of ``Provider.from_env()``'s time with six plugins)."""
    if not isinstance(plugin, types.ModuleType):
        return plugin
    view = types.ModuleType(plugin.__name__, plugin.__doc__)
    view.__file__ = getattr(plugin, "__file__", None)
    for key, value in vars(plugin).items():
        if key.startswith(f"{GROUP}_"):
            setattr(view, key, value)
    return view


def _new_manager() -> pluggy.PluginManager:
    import pluggy

    from glacier.plugins import hookspecs

    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    if os.environ.get("GLACIER_TRACE_PLUGINS"):
        pm.add_hookcall_monitoring(_before_hook, _after_hook)
    return pm


def _call_hooks(pm: pluggy.PluginManager, plugin: object, name: str) -> Registrations:
    """Call every hook of one plugin through pluggy and collect its records."""
    others = [p for p in pm.get_plugins() if p is not plugin]
    found: dict[str, tuple[Any, ...]] = {}
    for hook in pm.get_hookcallers(plugin) or ():
        hook_name = hook.name
        field_name = HOOKS.get(hook_name)
        if field_name is None:  # a hook the registry does not collect
            continue
        caller = pm.subset_hook_caller(hook_name, remove_plugins=others)
        try:
            results = caller()
            records = tuple(item for result in results for item in (result or ()))
        except Exception as exc:
            raise PluginError(
                f"Glacier plugin {name!r} failed in {hook_name}(): {type(exc).__name__}: {exc}"
            ) from exc
        found[field_name] = records
    return Registrations(**found)


def _trace(message: str) -> None:
    if os.environ.get("GLACIER_TRACE_PLUGINS"):
        sys.stderr.write(f"glacier plugins: {message}\n")


def _before_hook(hook_name: str, impls: Sequence[Any], kwargs: Mapping[str, object]) -> None:
    names = ", ".join(repr(impl.plugin_name) for impl in impls)
    _trace(f"call {hook_name}() on {names}")


def _after_hook(
    outcome: Any, hook_name: str, impls: Sequence[Any], kwargs: Mapping[str, object]
) -> None:
    if outcome.exception is not None:
        _trace(f"{hook_name}() raised {type(outcome.exception).__name__}: {outcome.exception}")
    else:
        _trace(f"{hook_name}() -> {outcome.get_result()!r}")


_host = PluginHost()


def get_host() -> PluginHost:
    """The process-wide plugin host."""
    return _host


__all__ = [
    "BUILTINS",
    "GROUP",
    "ClassRef",
    "InstalledPlugin",
    "PluginHost",
    "class_key",
    "disabled_plugins",
    "get_host",
    "installed_plugins",
]
