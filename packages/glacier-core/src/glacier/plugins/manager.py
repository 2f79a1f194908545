"""The plugin manager: built once, on first need, from the ``glacier`` entry-point group.

Environment:
    GLACIER_DISABLE_PLUGINS: comma-separated entry-point names not to load (``aws,gcp``).
    GLACIER_TRACE_PLUGINS: when set, print every hook call to stderr (debugging).
"""

from __future__ import annotations

import os
import sys
import threading
from importlib import metadata
from types import ModuleType

import pluggy

from glacier.errors import PluginLoadError
from glacier.plugins import hookspecs

GROUP = "glacier"

_lock = threading.RLock()
_manager: pluggy.PluginManager | None = None
_extra: list[tuple[object, str]] = []


def _builtin_plugins() -> list[tuple[ModuleType, str]]:
    from glacier.local import hooks as local_hooks
    from glacier.spark import hooks as spark_hooks

    return [(local_hooks, "local"), (spark_hooks, "spark")]


def _disabled() -> set[str]:
    raw = os.environ.get("GLACIER_DISABLE_PLUGINS", "")
    return {name.strip() for name in raw.split(",") if name.strip()}


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    disabled = _disabled()
    for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
        if ep.name in disabled or pm.is_blocked(ep.name) or pm.has_plugin(ep.name):
            continue
        dist = ep.dist.name if ep.dist is not None else "?"
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginLoadError(
                f"Glacier plugin {ep.name!r} (distribution {dist}, {ep.value}) failed to "
                f"import: {type(exc).__name__}: {exc}. Reinstall it, or skip it with "
                f"GLACIER_DISABLE_PLUGINS={ep.name}."
            ) from exc
        pm.register(plugin, name=ep.name)
        _distributions[ep.name] = dist


#: Plugin name → distribution name, for ``glacier plugins``.
_distributions: dict[str, str] = {}


def get_plugin_manager() -> pluggy.PluginManager:
    """Return the process-wide plugin manager, loading plugins on the first call."""
    global _manager
    if _manager is not None:
        return _manager
    with _lock:
        if _manager is None:
            pm = pluggy.PluginManager(GROUP)
            pm.add_hookspecs(hookspecs)
            for module, name in _builtin_plugins():
                pm.register(module, name=name)
                _distributions[name] = "glacier-core"
            for plugin, name in _extra:
                pm.register(plugin, name=name)
                _distributions.setdefault(name, "(registered in code)")
            _load_entry_points(pm)
            pm.check_pending()
            if os.environ.get("GLACIER_TRACE_PLUGINS"):
                pm.trace.root.setwriter(sys.stderr.write)
                pm.enable_tracing()
            _manager = pm
    return _manager


def register_plugin(plugin: object, name: str) -> None:
    """Register a plugin object from code (tests, notebooks). Rebuilds the registry."""
    with _lock:
        _extra.append((plugin, name))
        reset()


def unregister_plugin(name: str) -> None:
    """Undo :func:`register_plugin`."""
    with _lock:
        _extra[:] = [(p, n) for p, n in _extra if n != name]
        _distributions.pop(name, None)
        reset()


def reset() -> None:
    """Forget the manager and registry so the next call reloads plugins."""
    global _manager
    from glacier.plugins import registry

    with _lock:
        _manager = None
        registry.reset_registry()


def distribution_of(plugin_name: str) -> str:
    """Distribution that installed a plugin (for listings)."""
    return _distributions.get(plugin_name, "?")
