"""Pytest fixture for tests that register Glacier plugins or change how plugins load.

Make it available in a ``conftest.py``::

    from glacier.testing.plugins import plugin_host  # noqa: F401

and use it in a test::

    def test_my_plugin(plugin_host: PluginHost) -> None:
        plugin_host.register(my_hooks, "mine")
        assert plugin_host.registry().config("MyConfig") is not None

After changing ``GLACIER_DISABLE_PLUGINS`` or ``GLACIER_TRACE_PLUGINS`` (``monkeypatch``),
call ``plugin_host.reset()`` so the next lookup reloads plugins with the new setting.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from glacier.plugins.host import PluginHost, get_host


@pytest.fixture
def plugin_host() -> Iterator[PluginHost]:
    """The process-wide plugin host, put back as it was when the test ends: plugins the
    test registered are unregistered, plugins it unregistered come back, and the host
    reloads on next use (so settings the test changed do not leak)."""
    host = get_host()
    before = host.code_plugins()
    try:
        yield host
    finally:
        kept = {name for _, name in before}
        for _, name in host.code_plugins():
            if name not in kept:
                host.unregister(name)
        present = {name for _, name in host.code_plugins()}
        for plugin, name in before:
            if name not in present:
                host.register(plugin, name)
        host.reset()
