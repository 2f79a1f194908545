"""Local datasets: immutable versions behind an atomically replaced pointer.

Layout of a dataset at prefix ``P`` (``P`` is a folder of the bucket; the bucket root for
``path="/"``)::

    P/.glacier/<format>/CURRENT     symlink to the committed version (replaced atomically)
    P/.glacier/<format>/<id>/       one version: the files of one write (hive folders inside)
    P/meta.csv, P/_state/, ...      everything else under P is left alone

A write creates a new version folder (locked by its writer, see
:mod:`glacier.local.tempfiles`), streams the data into it, fsyncs the files, then replaces
``CURRENT``: the commit is that one rename. Readers see the old or the new version, never a
mix, and concurrent writers each commit a complete version (the last rename wins). After the
commit, the writer retires what the new version replaces: plain files of the format under
``P`` (written by other tools or by older Glacier versions) and datasets nested under ``P``;
then it removes superseded and abandoned versions. Files under ``_``/``.`` folders and other
formats' files are never touched.

A read lists the committed version of ``P`` and of every dataset nested under it plus plain
files, opens them all (:mod:`glacier.local.snapshot` pins them) and checks that no pointer
moved meanwhile, else lists again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from glacier.backoff import Backoff, retry
from glacier.errors import PathEscapeError, StorageError
from glacier.local import tempfiles
from glacier.local.leftovers import POINTER, STATE, read_pointer, sweep_state
from glacier.local.paths import inside
from glacier.local.snapshot import DataFile, close_all, open_files
from glacier.storage.formats import Format

#: Attempts to list a dataset that writers keep committing to, before giving up.
LIST_ATTEMPTS = 200
#: Waits between those attempts: 0.5 ms at first, doubling up to 20 ms.
LIST_BACKOFF = Backoff(0.0005, cap=0.02)


def hidden(name: str) -> bool:
    """State, temp and system entries: never data, never touched by writes of data."""
    return name.startswith((".", "_"))


def state_dir(prefix: Path, fmt: Format) -> Path:
    return prefix / STATE / fmt.name


@dataclass
class Listing:
    """A dataset's files, and the pointers read while listing them (to verify)."""

    files: list[DataFile] = field(default_factory=list)
    pointers: list[tuple[Path, str]] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)

    def unchanged(self) -> bool:
        return all(read_pointer(state) == vid for state, vid in self.pointers)


def list_files(prefix: Path, fmt: Format, real_root: Path) -> Listing:
    """One pass over the dataset (no consistency check: see :func:`snapshot`)."""
    listing = Listing()
    for folder, dirs, names in os.walk(prefix):
        here = Path(folder)
        rel = PurePosixPath(*here.relative_to(prefix).parts)
        state = state_dir(here, fmt)
        vid = read_pointer(state)
        if vid is not None:
            listing.pointers.append((state, vid))
            version = state / vid
            if not version.is_dir():
                listing.missing.append(version)
            for vfolder, vdirs, vnames in os.walk(version):
                vdirs[:] = sorted(d for d in vdirs if not hidden(d))
                vrel = PurePosixPath(*Path(vfolder).relative_to(version).parts)
                for name in sorted(vnames):
                    if _is_data(name, fmt):
                        listing.files.append(DataFile(rel / vrel / name, Path(vfolder) / name))
        dirs[:] = sorted(d for d in dirs if not hidden(d))
        for name in sorted(names):
            if _is_data(name, fmt):
                path = here / name
                if os.path.islink(path) and not inside(real_root, path):
                    raise PathEscapeError(
                        f"{path} is a symlink to a file outside its bucket folder "
                        f"{real_root}; Glacier never reads outside a bucket. Remove the symlink."
                    )
                listing.files.append(DataFile(rel / name, path))
    listing.files.sort(key=lambda f: str(f.logical))
    return listing


def snapshot(
    prefix: Path, fmt: Format, real_root: Path, uri: str, *, pin: bool
) -> tuple[list[DataFile], list[IO[bytes]]]:
    """A consistent listing (and, with ``pin``, every file opened): no pointer moved and no
    file vanished between listing and opening. Retries while writers commit."""

    def attempt(_: int) -> tuple[list[DataFile], list[IO[bytes]]]:
        listing = list_files(prefix, fmt, real_root)
        handles: list[IO[bytes]] = []
        if pin:
            try:
                handles = open_files([f.physical for f in listing.files])
            except FileNotFoundError:
                raise _Changed from None
        if not listing.unchanged():
            close_all(handles)
            raise _Changed
        if listing.missing:
            close_all(handles)
            raise StorageError(
                f"Dataset {uri}: its committed version {listing.missing[0]} is missing "
                "(removed by hand?). Write the dataset again to replace it.",
                uri=uri,
            )
        return listing.files, handles

    try:
        return retry(attempt, attempts=LIST_ATTEMPTS, backoff=LIST_BACKOFF, retry_on=_Changed)
    except _Changed:
        raise StorageError(
            f"Dataset {uri} changed during each of {LIST_ATTEMPTS} attempts to read it (writers "
            "commit continuously); retry when they pause.",
            uri=uri,
        ) from None


class _Changed(Exception):
    """A writer committed while a snapshot was being taken: list again."""


@contextlib.contextmanager
def new_version(prefix: Path, fmt: Format) -> Iterator[tempfiles.Held]:
    """A fresh version folder, locked by this process for the duration of the block; removed
    when the block raises."""
    state = state_dir(prefix, fmt)
    held = tempfiles.create_dir(state, tempfiles.new_id())
    try:
        yield held
    except BaseException:
        if read_pointer(state) != held.path.name:  # interrupted after its commit: keep it
            tempfiles.remove(held.path)
        raise
    finally:
        held.release()


def data_files(version: Path, fmt: Format) -> list[Path]:
    """The data files a write produced in its version folder."""
    return sorted(
        Path(folder) / name
        for folder, _, names in os.walk(version)
        for name in names
        if _is_data(name, fmt)
    )


def commit(version: tempfiles.Held) -> None:
    """Publish ``version`` as the committed one: a new ``CURRENT`` symlink renamed over the
    old one.

    A symlink's short target lives in its inode, so the pointer needs no fsync of its own:
    the filesystem journals it with the rename, and after a power loss ``CURRENT`` names the
    old or the new version, never garbage. The data files were fsynced before."""
    state = version.path.parent
    vid = version.path.name
    temp = state / f".{POINTER}.{vid}.tmp"
    os.symlink(vid, temp)
    try:
        os.replace(temp, state / POINTER)
    except BaseException:
        tempfiles.remove(temp)
        raise


def tidy(prefix: Path, fmt: Format) -> None:
    """After a commit: retire what the new version replaced and remove dead versions. Best
    effort: a failure here never fails the committed write (gc catches up)."""
    with contextlib.suppress(OSError):
        retire_others(prefix, fmt)
    with contextlib.suppress(OSError):
        sweep_state(state_dir(prefix, fmt))


def delete(prefix: Path, fmt: Format) -> None:
    """Delete the dataset: unlink the pointer (the commit), then retire files and versions."""
    state = state_dir(prefix, fmt)
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        os.unlink(state / POINTER)
    retire_others(prefix, fmt)
    sweep_state(state)
    for folder in (state, state.parent):
        with contextlib.suppress(OSError):
            os.rmdir(folder)  # only when empty (a live writer's version keeps it)


def retire_others(prefix: Path, fmt: Format) -> None:
    """Remove the format's plain files under ``prefix`` and retire nested datasets; never
    anything under ``_``/``.`` folders, never other formats. Folders emptied are removed."""
    emptied: set[Path] = set()
    for folder, dirs, names in os.walk(prefix):
        here = Path(folder)
        if here != prefix:
            nested = state_dir(here, fmt)
            if read_pointer(nested) is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(nested / POINTER)
                sweep_state(nested)
                for empty in (nested, nested.parent):
                    with contextlib.suppress(OSError):
                        os.rmdir(empty)
        dirs[:] = [d for d in dirs if not hidden(d)]
        for name in names:
            if _is_data(name, fmt):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(here / name)  # a symlink: the link only
                emptied.add(here)
    for start in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        empty = start
        while empty != prefix and prefix in empty.parents:
            try:
                os.rmdir(empty)
            except OSError:
                break
            empty = empty.parent


def _is_data(name: str, fmt: Format) -> bool:
    return name.endswith(fmt.suffix) and not hidden(name)
