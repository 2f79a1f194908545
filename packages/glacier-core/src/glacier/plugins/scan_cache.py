"""The cache of the entry-point scan (glacier/plugins/discovery.py explains when it holds).

One JSON file per ``sys.path`` (its name hashes the folders): the folders' and the read
``entry_points.txt`` files' modification times, and the entry points found.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from glacier.cache_dir import cache_root

FORMAT = 1
#: A folder changed this recently may still be changing (an install in progress, say a
#: dist-info folder whose entry_points.txt is not written yet): no cache is written then.
SETTLE_SECONDS = 2.0
Stamp = tuple[str, int]  # (path, st_mtime_ns; -1 when missing)


def path_stamps(paths: Sequence[str]) -> list[Stamp]:
    """(folder, modification time) of each ``sys.path`` entry."""
    return [(p, _mtime(p or ".")) for p in paths]


def load(group: str, stamps: list[Stamp]) -> list[tuple[str, str, str]] | None:
    """The cached (name, value, distribution) rows, or None when there is no valid cache."""
    try:
        with open(_file(group, stamps), encoding="utf-8") as file:
            data: dict[str, Any] = json.load(file)
        if data.get("format") != FORMAT or data.get("python") != sys.executable:
            return None
        if [tuple(s) for s in data["paths"]] != stamps:
            return None
        if any(_mtime(path) != mtime for path, mtime in data["files"]):
            return None
        return [(str(n), str(v), str(d)) for n, v, d in data["plugins"]]
    except (OSError, ValueError, KeyError, TypeError):  # missing, unreadable or corrupt
        return None


def store(
    group: str, stamps: list[Stamp], files: list[str], plugins: list[tuple[str, str, str]]
) -> None:
    """Write the cache atomically; failures are ignored (the next process scans again).
    Nothing is written while a folder or file was modified in the last ``SETTLE_SECONDS``."""
    files_stamps = [(f, _mtime(f)) for f in files]
    settled = time.time_ns() - int(SETTLE_SECONDS * 1e9)
    if any(mtime > settled for _, mtime in [*stamps, *files_stamps]):
        return
    data = {
        "format": FORMAT,
        "python": sys.executable,
        "paths": stamps,
        "files": files_stamps,
        "plugins": plugins,
    }
    target = _file(group, stamps)
    temp = f"{target}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(temp, "w", encoding="utf-8") as file:
            json.dump(data, file)
        os.replace(temp, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _file(group: str, stamps: list[Stamp]) -> str:
    key = "\0".join([sys.executable, group, *(p for p, _ in stamps)])
    digest = hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return os.path.join(cache_root(), "plugins", f"{group}-{digest}.json")


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1
