"""The commit protocol of object-store datasets, on top of conditional PUTs.

A write (see :mod:`glacier.storage.manifest` for the record itself):

1. lists the dataset's files (of its format, outside ``_``/``.`` state);
2. uploads its part files under names with a fresh token (``part-<token>-NNNNN``);
3. commits: reads the manifest with its tag (ETag, generation), writes the next manifest
   with a PUT that succeeds only if the tag is unchanged (or, for the first version, only
   if there is no manifest). If another writer committed in between, it reads the new
   manifest and commits on top of it: commits are serialised and the last one wins;
4. removes the files of the version it replaced (only files it saw committed), the files
   of the format that no manifest ever named (written by other tools or by older Glacier
   versions: a write replaces them), and orphans: part files of no committed version
   older than ``orphan_age`` (left by killed or failed writers; younger ones may belong to a
   writer still uploading, so they stay).

A failure before the commit removes what the write uploaded. A commit whose outcome is
unknown (the PUT's answer was lost) is settled by reading the manifest back; if that fails
too, the uploaded files stay (a manifest may name them) and become orphans if it does not.
A failure after the commit never fails the write (the leftovers are orphans, removed later
by a write or :meth:`DatasetLog.gc`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from glacier.backoff import Backoff, retry
from glacier.errors import StorageError
from glacier.storage.manifest import Manifest, manifest_key, next_manifest, token_of

log = logging.getLogger(__name__)

#: Part files of no committed version older than this are orphans (default for writes).
ORPHAN_AGE = timedelta(hours=24)
#: Commit attempts before giving up (each lost race re-reads the manifest).
COMMIT_ATTEMPTS = 64
#: Between attempts after losing a commit race: a few ms, growing, jittered.
RACE_BACKOFF = Backoff(0.005, factor=1.2, cap=0.2, jitter=0.8)


class _LostRace(Exception):
    """Another writer committed between our read of the manifest and our conditional PUT."""


@dataclass(frozen=True)
class Tagged:
    """An object's bytes and its version tag (S3 ETag, Azure ETag, GCS generation)."""

    data: bytes
    tag: str


class ConditionalStore(Protocol):
    """The object-store operations the protocol needs (keys are bucket-relative)."""

    def get_tagged(self, key: str) -> Tagged | None:
        """The object and its tag, or ``None`` if there is none."""

    def put_if(self, key: str, data: bytes, tag: str | None) -> bool:
        """Write ``key`` only if its tag is still ``tag`` (``None``: only if absent).
        ``False`` if another writer changed it first."""

    def data_files(self) -> dict[str, float | None]:
        """The dataset's data files (keys relative to its prefix) with their age in seconds
        (``None`` if the store did not say)."""

    def remove(self, keys: Sequence[str]) -> None:
        """Remove objects (bucket-relative keys); missing ones are not an error."""


@dataclass(frozen=True)
class Committed:
    """The outcome of a commit: the new manifest and the one it replaced."""

    manifest: Manifest
    replaced: Manifest | None


class DatasetLog:
    """Manifest commits and cleanup of one dataset (``prefix`` ends in ``/`` or is ``""``)."""

    def __init__(self, store: ConditionalStore, prefix: str, fmt: str, uri: str) -> None:
        self.store = store
        self.prefix = prefix
        self.fmt = fmt
        self.uri = uri
        self.key = manifest_key(prefix, fmt)

    @property
    def manifest_uri(self) -> str:
        return self.uri + self.key[len(self.prefix) :]

    def read(self) -> tuple[Manifest, str] | None:
        """The current manifest and its tag, or ``None``."""
        tagged = self.store.get_tagged(self.key)
        if tagged is None:
            return None
        return Manifest.parse(tagged.data, self.manifest_uri), tagged.tag

    def commit(self, token: str, files: tuple[str, ...], rows: int | None) -> Committed:
        """Make ``files`` (relative keys) the current version (last committer wins)."""
        return self._commit(
            lambda prev: next_manifest(prev, token=token, fmt=self.fmt, files=files, rows=rows)
        )

    def commit_delete(self) -> Committed | None:
        """Mark the dataset deleted; ``None`` if it has no live manifest."""
        current = self.read()
        if current is None or not current[0].live:
            return None
        return self._commit(
            lambda prev: prev.tombstone() if prev else Manifest(0, "", self.fmt, deleted=True)
        )

    def _commit(self, make: _Make) -> Committed:
        """Commit the manifest ``make(previous)`` on top of the current one; a writer that
        loses the race reads the new current manifest and commits again (last one wins)."""

        def attempt(number: int) -> Committed:
            current = self.read()
            previous, tag = current if current is not None else (None, None)
            manifest = make(previous)
            try:
                done = self.store.put_if(self.key, manifest.to_bytes(), tag)
            except Exception:
                # The PUT may have landed although its answer was lost: then it committed.
                after = self.read()
                if after is not None and after[0].to_bytes() == manifest.to_bytes():
                    return Committed(manifest, previous)
                raise
            if not done:
                raise _LostRace
            return Committed(manifest, previous)

        try:
            return retry(
                attempt, attempts=COMMIT_ATTEMPTS, backoff=RACE_BACKOFF, retry_on=_LostRace
            )
        except _LostRace:
            raise StorageError(
                f"Could not commit {self.uri}: other writers committed first {COMMIT_ATTEMPTS} "
                "times in a row. Write again.",
                uri=self.uri,
            ) from None

    # -- cleanup -------------------------------------------------------------------------
    def stale_files(
        self,
        committed: Committed,
        listed: dict[str, float | None],
        orphan_age: timedelta | None = None,
    ) -> list[str]:
        """Relative keys a commit leaves to remove (see the module doc, step 4); part files
        of no version are orphans once older than ``orphan_age`` (default
        :data:`ORPHAN_AGE`)."""
        if orphan_age is None:
            orphan_age = ORPHAN_AGE
        keep = set(committed.manifest.files)
        replaced = set(committed.replaced.files) if committed.replaced else set()
        stale = set(replaced - keep)
        for rel, age in listed.items():
            if rel in keep or rel in replaced:
                continue
            if token_of(rel) is None or _older(age, orphan_age):
                stale.add(rel)
        return sorted(stale)

    def remove_quietly(self, relative: Sequence[str]) -> None:
        """Remove files after a commit: a failure is logged, never raised (the write has
        committed; what is left is removed by a later write or :meth:`gc`)."""
        if not relative:
            return
        try:
            self.store.remove([self.prefix + r for r in relative])
        except Exception as exc:
            log.warning(
                "Committed %s but could not remove %d replaced file(s) (%s); a later write "
                "or gc removes them.",
                self.uri,
                len(relative),
                type(exc).__name__,
            )

    def gc(self, older_than: timedelta, *, dry_run: bool = False) -> list[str]:
        """Remove orphans: part files of no committed version, older than ``older_than``.
        Returns their relative keys (``dry_run``: lists them, removes nothing). Files of the
        current version are never touched."""
        listed = self.store.data_files()
        current = self.read()
        keep = set(current[0].files) if current is not None else set()
        orphans = sorted(
            rel
            for rel, age in listed.items()
            if rel not in keep and token_of(rel) is not None and _older(age, older_than)
        )
        if orphans and not dry_run:
            self.store.remove([self.prefix + r for r in orphans])
        return orphans


class _Make(Protocol):
    def __call__(self, previous: Manifest | None) -> Manifest: ...


def _older(age: float | None, limit: timedelta) -> bool:
    """Whether an object of ``age`` seconds is older than ``limit`` (unknown: not older,
    unless the limit is zero)."""
    if limit <= timedelta(0):
        return True
    return age is not None and age > limit.total_seconds()
