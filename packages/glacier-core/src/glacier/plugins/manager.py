"""Module-level shortcuts to the process-wide plugin host (:mod:`glacier.plugins.host`).

Kept for code written against the earlier two-singleton design; everything here delegates to
:func:`glacier.plugins.host.get_host`, whose one lock guards every change. In tests, prefer
the ``plugin_host`` fixture (:mod:`glacier.testing.plugins`), which undoes registrations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glacier.plugins.host import GROUP, disabled_plugins, get_host

if TYPE_CHECKING:
    import pluggy

__all__ = [
    "GROUP",
    "disabled_plugins",
    "distribution_of",
    "get_plugin_manager",
    "register_plugin",
    "reset",
    "unregister_plugin",
]


def get_plugin_manager() -> pluggy.PluginManager:
    """The pluggy manager with every plugin loaded."""
    return get_host().plugin_manager()


def register_plugin(plugin: object, name: str) -> None:
    """Register a plugin object from code (see :meth:`PluginHost.register`)."""
    get_host().register(plugin, name)


def unregister_plugin(name: str) -> None:
    """Undo :func:`register_plugin`."""
    get_host().unregister(name)


def reset() -> None:
    """Forget loaded plugins so the next lookup reloads them."""
    get_host().reset()


def distribution_of(plugin_name: str) -> str:
    """Distribution that installed a plugin (for listings)."""
    return get_host().distribution_of(plugin_name)
