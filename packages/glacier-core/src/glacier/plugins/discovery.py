"""Which Glacier plugins are installed: the ``glacier`` entry points of the distributions on
``sys.path``, found without importing anything."""

from __future__ import annotations

import os
from typing import Any

#: Entry-point group, pluggy project name and hook prefix.
GROUP = "glacier"


class InstalledPlugin:
    """One ``glacier`` entry point of an installed distribution."""

    __slots__ = ("distribution", "name", "value")

    def __init__(self, name: str, value: str, distribution: str) -> None:
        self.name = name
        self.value = value
        self.distribution = distribution

    def __repr__(self) -> str:
        return f"InstalledPlugin({self.name!r}, {self.value!r}, {self.distribution!r})"


def installed_plugins() -> list[InstalledPlugin]:
    """The ``glacier`` entry points of installed distributions.

    Reads each distribution's ``entry_points.txt`` and parses only those that mention the
    group: about 2 ms for 175 distributions, where ``importlib.metadata.entry_points()``
    parses every file (about 5 ms). A distribution found twice on ``sys.path`` counts once,
    and so does an entry-point name two distributions declare (a deployed artifact vendors
    the plugins it needs next to an installed copy): the first wins, as for imports, and the
    name resolves to one importable module anyway.
    """
    from importlib import metadata

    header = f"[{GROUP}]"
    out: list[InstalledPlugin] = []
    seen: set[str] = set()
    names: set[str] = set()
    for dist in metadata.distributions():
        text = dist.read_text("entry_points.txt")
        if not text or header not in text:
            continue
        dist_name = _distribution_name(dist)
        if dist_name in seen:
            continue
        seen.add(dist_name)
        for ep in dist.entry_points.select(group=GROUP):
            if ep.name not in names:
                names.add(ep.name)
                out.append(InstalledPlugin(ep.name, ep.value, dist_name))
    return out


def _distribution_name(dist: Any) -> str:
    """The ``Name:`` field of a distribution's metadata, read without the email parser that
    ``dist.metadata`` imports (about 1 ms)."""
    for line in (dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "").splitlines():
        if line.startswith("Name:"):
            return line[5:].strip()
        if not line:  # end of the headers
            break
    return "?"


def disabled_plugins() -> set[str]:
    """Entry-point names listed in ``GLACIER_DISABLE_PLUGINS``."""
    raw = os.environ.get("GLACIER_DISABLE_PLUGINS", "")
    return {name.strip() for name in raw.split(",") if name.strip()}
