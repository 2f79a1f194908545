"""The cache of the entry-point scan (glacier/plugins/discovery.py says when it holds).

One JSON file per interpreter, keyed by ``sys.path`` folder: the folder's modification time,
the ``entry_points.txt`` files that declared the group (with theirs) and the rows found.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from typing import Any

from glacier.cache_dir import cache_root

FORMAT = 2
#: A folder or file changed this recently may still be changing (an install in progress, say
#: a dist-info folder whose entry_points.txt is not written yet): it is not cached.
SETTLE_SECONDS = 2.0
Row = tuple[str, str, str]  # (entry-point name, value, distribution)


class FolderCache:
    """Cached scan results of ``sys.path`` folders, for one entry-point group."""

    def __init__(self, group: str) -> None:
        key = f"{sys.executable}\0{group}".encode("utf-8", "surrogatepass")
        name = f"{group}-{hashlib.sha1(key).hexdigest()[:16]}.json"
        self.file = os.path.join(cache_root(), "plugins", name)
        self.folders: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.changed = False
        try:
            with open(self.file, encoding="utf-8") as file:
                data = json.load(file)
            if data.get("format") == FORMAT and isinstance(data.get("folders"), dict):
                self.folders = data["folders"]
        except (OSError, ValueError):  # missing, unreadable or corrupt: scan
            pass

    def get(self, entry: str) -> list[Row] | None:
        """The cached rows of ``entry``, or None when they must be scanned again."""
        cached = self.folders.get(entry)
        try:
            if cached is None or cached["mtime"] != _mtime(entry or "."):
                return None
            if any(_mtime(path) != mtime for path, mtime in cached["files"]):
                return None
            rows = [(str(n), str(v), str(d)) for n, v, d in cached["rows"]]
        except (KeyError, TypeError, ValueError):  # a malformed entry: scan
            return None
        self.used[entry] = cached
        return rows

    def put(self, entry: str, files: list[str], rows: list[Row]) -> None:
        """Record a fresh scan of ``entry`` (not when anything in it changed just now)."""
        stamps = [(path, _mtime(path)) for path in files]
        mtime = _mtime(entry or ".")
        settled = time.time_ns() - int(SETTLE_SECONDS * 1e9)
        if any(m > settled for m in (mtime, *(m for _, m in stamps))):
            return
        self.used[entry] = {"mtime": mtime, "files": stamps, "rows": rows}
        self.changed = True

    def save(self) -> None:
        """Write the entries of this ``sys.path`` atomically, if any changed (failures are
        ignored: the next process scans again)."""
        if not self.changed:
            return
        temp = f"{self.file}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.file), exist_ok=True)
            with open(temp, "w", encoding="utf-8") as file:
                json.dump({"format": FORMAT, "folders": self.used}, file)
            os.replace(temp, self.file)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1
