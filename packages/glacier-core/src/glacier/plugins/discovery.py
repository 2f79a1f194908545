"""Which Glacier plugins are installed: the ``glacier`` entry points of the distributions on
``sys.path``, found without importing anything.

Listing ``sys.path`` and opening every distribution's ``entry_points.txt`` costs a few
milliseconds per process (about 5 ms for 200 distributions here), so each folder's result is
cached in Glacier's cache folder (``$GLACIER_CACHE_DIR``, default ``~/.cache/glacier``), one
file per interpreter (:mod:`glacier.plugins.scan_cache`). A folder's entry is used only while
the folder and the ``entry_points.txt`` files it declared keep their modification times:
installing, removing or reinstalling a distribution changes its folder's, so the next process
lists that folder again (and only that one). A cache that cannot be read or written is
ignored.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
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
    """The ``glacier`` entry points of installed distributions, in ``sys.path`` order.

    Each ``sys.path`` folder is listed once, and only the ``entry_points.txt`` of its
    ``*.dist-info`` / ``*.egg-info`` folders are opened; only those that mention the group
    are parsed (with ``importlib.metadata``). A folder's result comes from the cache (see the
    module docstring) while the folder and the files it read keep their modification times.

    A distribution found twice on ``sys.path`` counts once, and so does an entry-point name
    two distributions declare (a deployed artifact vendors the plugins it needs next to an
    installed copy): the first wins, as for imports, and the name resolves to one importable
    module anyway.
    """
    from glacier.plugins.scan_cache import FolderCache

    cache = FolderCache(GROUP)
    out: list[InstalledPlugin] = []
    seen: set[str] = set()
    names: set[str] = set()
    for entry in sys.path:
        folder = os.path.abspath(entry or ".")  # "" and relative entries follow the cwd
        rows = cache.get(folder)
        if rows is None:
            read: list[str] = []
            rows = scan_folder(folder, read)
            cache.put(folder, read, rows)
        here: set[str] = set()
        for name, value, dist_name in rows:
            if dist_name in seen:  # found in an earlier folder
                continue
            here.add(dist_name)
            if name not in names:
                names.add(name)
                out.append(InstalledPlugin(name, value, dist_name))
        seen |= here
    cache.save()
    return out


def scan_folder(entry: str, read: list[str]) -> list[tuple[str, str, str]]:
    """(entry-point name, value, distribution) of the group in one ``sys.path`` entry, its
    distributions in name order; the ``entry_points.txt`` files that declare the group are
    appended to ``read``. Entries that are not folders (zip files) go through
    ``importlib.metadata``."""
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for dist in _declaring_distributions(entry, read):
        dist_name = _distribution_name(dist)
        if dist_name in seen:
            continue
        seen.add(dist_name)
        rows += [(ep.name, ep.value, dist_name) for ep in dist.entry_points.select(group=GROUP)]
    return rows


def _declaring_distributions(entry: str, read: list[str]) -> Iterator[Any]:
    from importlib import metadata

    header = f"[{GROUP}]"
    folder = entry or "."
    try:
        listing = sorted(os.listdir(folder))  # sorted: one order on every file system
    except NotADirectoryError:  # a zip file: importlib.metadata reads it
        for dist in metadata.distributions(path=[entry]):
            text = dist.read_text("entry_points.txt")
            if text and header in text:
                yield dist
        return
    except OSError:  # missing or unreadable: nothing to import from there either
        return
    for name in listing:
        if not name.endswith((".dist-info", ".egg-info")):
            continue
        path = os.path.join(folder, name)
        file_path = os.path.join(path, "entry_points.txt")
        try:
            with open(file_path, encoding="utf-8") as file:
                text = file.read()
        except OSError:  # no entry points (or an egg-info file, not a folder)
            continue
        if header in text:
            read.append(file_path)
            yield metadata.PathDistribution(Path(path))


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
