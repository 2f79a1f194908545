"""Leftovers of killed local writers, and their removal (after a write, and by ``glacier gc``).

What a writer leaves when it is killed:

* an object's temp file ``.<name>.<id>.tmp`` next to the object;
* a dataset's uncommitted version folder ``<prefix>/.glacier/<format>/<id>``, or a superseded
  version a committed writer had no time to remove, or a pointer temp ``.CURRENT.<id>.tmp``;
* in the microseconds between creating and locking: the same names ending in ``.new``;
* from earlier Glacier releases (before versioned datasets): ``.<name>.<uuid>.tmp`` files or
  folders and ``.<name>.<uuid>.old`` folders (no lock).

Entries whose lock is free are provably abandoned and removed; entries without a lock to
test (``.new`` and old-version leftovers) only when older than
:data:`~glacier.local.tempfiles.UNPROVABLE_AGE`. A live writer's entries are never touched.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from glacier.local import tempfiles
from glacier.local.tempfiles import NEW, UNPROVABLE_AGE

#: Glacier's state folder inside a dataset prefix, and the symlink to the committed version.
STATE = ".glacier"
POINTER = "CURRENT"

_ID = r"[0-9a-f]{24}"
VERSION = re.compile(_ID)
OBJECT_TEMP = re.compile(rf"\.(?P<name>.+)\.(?P<id>{_ID})\.tmp")
POINTER_TEMP = re.compile(rf"\.{POINTER}\.(?P<id>{_ID})\.tmp")
LEGACY = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{32}\.(tmp|old)")


@dataclass(frozen=True)
class Leftover:
    """An entry that was (or, in a dry run, would be) removed."""

    path: Path
    reason: str
    bytes: int


def read_pointer(state: Path) -> str | None:
    """The committed version id of a dataset's state folder, or None."""
    try:
        target = os.readlink(state / POINTER)
    except OSError:
        return None
    return target if VERSION.fullmatch(target) else None


def sweep_state(state: Path, *, older_than: float = 0.0, dry_run: bool = False) -> list[Leftover]:
    """Remove abandoned entries of one dataset state folder (never the committed version,
    never a live writer's version)."""
    found: list[Leftover] = []
    try:
        names = sorted(os.listdir(state))
    except OSError:
        return found
    for name in names:
        path = state / name
        if name == POINTER or tempfiles.age(path) < older_than:
            continue
        if name.endswith(NEW):
            if _unprovable_expired(path, older_than):
                found.append(_drop(path, "unfinished creation", dry_run))
        elif VERSION.fullmatch(name):
            if name != read_pointer(state):
                held = tempfiles.claim(path)
                if held is None and not tempfiles.LOCKING and _unprovable_expired(path, older_than):
                    found.append(_drop(path, "old uncommitted version", dry_run))
                elif held is not None:
                    try:  # re-read: its writer may have committed it just before exiting
                        if name != read_pointer(state):
                            reason = "superseded or uncommitted version"
                            found.append(_drop(path, reason, dry_run))
                    finally:
                        held.release()
        elif match := POINTER_TEMP.fullmatch(name):
            version = state / match["id"]
            writer_gone = tempfiles.LOCKING and not (
                os.path.lexists(version) and tempfiles.is_locked(version)
            )
            if writer_gone or _unprovable_expired(path, older_than):
                found.append(_drop(path, "abandoned pointer update", dry_run))
    return found


def sweep_objects(
    folder: Path, *, name: str | None = None, older_than: float = 0.0, dry_run: bool = False
) -> list[Leftover]:
    """Remove abandoned object temp files in ``folder`` (only those of object ``name`` when
    given), and old-version leftovers older than the unprovable age."""
    found: list[Leftover] = []
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return found
    for entry in entries:
        if not entry.startswith("."):
            continue
        path = folder / entry
        bare = entry.removesuffix(NEW)
        temp = OBJECT_TEMP.fullmatch(bare)
        legacy = None if temp else LEGACY.fullmatch(entry)
        match = temp or legacy
        if match is None or (name is not None and match["name"] != name):
            continue
        if tempfiles.age(path) < older_than:
            continue
        if temp and not entry.endswith(NEW) and tempfiles.LOCKING:
            held = tempfiles.claim(path)
            if held is not None:
                try:
                    found.append(_drop(path, "abandoned temp file", dry_run))
                finally:
                    held.release()
        elif _unprovable_expired(path, older_than):
            reason = "old temp file" if temp else "leftover of an older Glacier"
            found.append(_drop(path, reason, dry_run))
    return found


def sweep_tree(base: Path, *, older_than: float = 0.0, dry_run: bool = False) -> list[Leftover]:
    """Every leftover under ``base`` (all buckets of a local base path)."""
    found: list[Leftover] = []
    for folder, dirs, _ in os.walk(base):
        here = Path(folder)
        found += sweep_objects(here, older_than=older_than, dry_run=dry_run)
        if here.name == STATE:
            for fmt in sorted(dirs):
                found += sweep_state(here / fmt, older_than=older_than, dry_run=dry_run)
            dirs[:] = []  # versions hold data, not leftovers of their own
            continue
        removed = {f.path.name for f in found if f.path.parent == here}
        dirs[:] = sorted(d for d in dirs if d not in removed)
    return found


def _unprovable_expired(path: Path, older_than: float) -> bool:
    """For entries without a lock to test: old enough that no writer can still own them."""
    return tempfiles.age(path) >= max(older_than, UNPROVABLE_AGE)


def _drop(path: Path, reason: str, dry_run: bool) -> Leftover:
    leftover = Leftover(path, reason, tempfiles.size(path))
    if not dry_run:
        tempfiles.remove(path)
    return leftover
