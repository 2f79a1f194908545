"""Temporary files and folders of local writers, and how to tell abandoned ones from live ones.

A writer creates its temporary entry under a ``.new`` name, takes an exclusive ``flock`` on
it, then renames it to its working name. So from its first appearance under the working name
an entry stays locked for as long as its writer lives: the kernel drops the lock when the
process ends, ``kill -9`` included. An unlocked working entry is therefore *provably*
abandoned and can be removed at any time; a ``.new`` entry (its writer died in the
microseconds between creating and locking it) can only be judged by age.

Without ``fcntl`` (Windows) nothing can be proven and leftovers are only removed by age.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: Whether this platform has flock (POSIX). Without it, leftovers are only judged by age.
LOCKING = fcntl is not None
#: Suffix of an entry between its creation and its lock.
NEW = ".new"
#: A ``.new`` entry or a legacy temp file (no lock to test) older than this is abandoned.
UNPROVABLE_AGE = 3600.0
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def new_id() -> str:
    """A unique, time-ordered id for a write: 16 hex digits of nanoseconds + 8 random."""
    return f"{time.time_ns():016x}{secrets.token_hex(4)}"


@dataclass
class Held:
    """A temporary entry and the open descriptor that holds its lock."""

    path: Path
    fd: int

    def release(self) -> None:
        """Drop the lock (the entry stays where it is)."""
        with contextlib.suppress(OSError):
            os.close(self.fd)


#: Attempts to create an entry whose parent folder a concurrent delete() keeps removing.
CREATE_ATTEMPTS = 20


def create_file(folder: Path, name: str) -> Held:
    """Create the empty file ``folder/name`` (and missing parents), locked by this process."""

    def create() -> Held:
        new = folder / (name + NEW)
        fd = os.open(new, os.O_CREAT | os.O_EXCL | os.O_RDWR | _CLOEXEC, 0o666)
        return _publish(new, folder / name, fd)

    return _in_folder(folder, create)


def create_dir(folder: Path, name: str) -> Held:
    """Create the empty folder ``folder/name`` (and missing parents), locked by this
    process."""

    def create() -> Held:
        new = folder / (name + NEW)
        os.mkdir(new)
        try:
            fd = os.open(new, os.O_RDONLY | _CLOEXEC)
        except BaseException:
            os.rmdir(new)
            raise
        return _publish(new, folder / name, fd)

    return _in_folder(folder, create)


def _in_folder(folder: Path, create: Callable[[], Held]) -> Held:
    """Make ``folder`` and create the entry, again if a concurrent delete() removed the
    (then empty) folder in between."""
    for attempt in range(CREATE_ATTEMPTS):
        folder.mkdir(parents=True, exist_ok=True)
        try:
            return create()
        except FileNotFoundError:
            if attempt == CREATE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _publish(new: Path, final: Path, fd: int) -> Held:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(new, final)
    except BaseException:
        os.close(fd)
        remove(new)
        raise
    return Held(final, fd)


def claim(path: Path) -> Held | None:
    """Lock ``path`` if its writer is gone (nobody holds its lock); None when a live writer
    holds it, it vanished, it is a symlink or locks are unavailable."""
    if fcntl is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | _CLOEXEC | _NOFOLLOW)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        now = os.stat(path, follow_symlinks=False)
        held = os.fstat(fd)
        if (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            return Held(path, fd)
    except OSError:
        pass
    os.close(fd)
    return None


def is_locked(path: Path) -> bool:
    """Whether a live writer holds ``path``'s lock."""
    held = claim(path)
    if held is None:
        return fcntl is not None and os.path.lexists(path)
    held.release()
    return False


def age(path: Path) -> float:
    """Seconds since ``path`` was last modified (0 if it vanished)."""
    try:
        return max(0.0, time.time() - os.lstat(path).st_mtime)
    except OSError:
        return 0.0


def size(path: Path) -> int:
    """Bytes held by a file or a folder tree (symlinks not followed)."""
    try:
        info = os.lstat(path)
    except OSError:
        return 0
    if not stat.S_ISDIR(info.st_mode):
        return info.st_size
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


def remove(path: Path) -> None:
    """Remove a file or a folder tree; never follows a symlink; missing is fine."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def fsync_path(path: Path) -> None:
    """Flush a file's (or a folder's entries') data to disk."""
    fd = os.open(path, os.O_RDONLY | _CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
