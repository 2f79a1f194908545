"""The commit record of an object-store dataset: which files make up its current version.

An object store has no multi-key transaction, so a dataset (a prefix of files) is made
transactional by one small JSON object per dataset and format, the *manifest*::

    <prefix>_glacier/<format>-manifest.json

A write puts its part files under names no other write uses (``part-<token>-NNNNN``), then
replaces the manifest with a conditional PUT that succeeds only if the manifest is still the
one the writer read (S3 ``If-Match``/``If-None-Match``, Azure ``ETag``, GCS
``ifGenerationMatch``). Glacier readers read the manifest first and scan exactly its files,
so they see one committed version, never a mix. The ``_glacier/`` folder starts with ``_``,
so it is state: dataset writes, deletes and engines that glob the prefix (Spark, Hive) skip it.

This module only knows the record and the names; the adapter does the I/O.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from glacier.errors import StorageError

#: Folder (under a dataset prefix) of Glacier's own state.
STATE_DIR = "_glacier"
#: Manifest schema version, written into every manifest.
SCHEMA = 1
#: Part files of transactional writes: ``part-<24 hex token>-<5 digits><suffix>``.
TXN_FILE = re.compile(r"(?:^|/)part-(?P<token>[0-9a-f]{24})-\d{5}\.[^/]+$")


def manifest_key(prefix: str, fmt: str) -> str:
    """Key of the manifest of the ``fmt`` dataset at ``prefix`` (``""`` or ending in ``/``)."""
    return f"{prefix}{STATE_DIR}/{fmt}-manifest.json"


def new_token() -> str:
    """A write token: 12 hex digits of milliseconds, then 12 random hex digits."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(6)}"


def token_of(relative_key: str) -> str | None:
    """The write token in a transactional part file's name, or ``None`` for other files."""
    match = TXN_FILE.search(relative_key)
    return match.group("token") if match else None


@dataclass(frozen=True)
class Manifest:
    """One committed version of a dataset.

    ``files`` are keys relative to the dataset prefix. A ``deleted`` manifest (a tombstone,
    written by ``delete()``) has no files: readers treat it like no manifest at all.
    """

    version: int
    token: str
    format: str
    files: tuple[str, ...] = ()
    rows: int | None = None
    deleted: bool = False
    committed_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def live(self) -> bool:
        """Whether this manifest names a dataset (not a tombstone)."""
        return not self.deleted

    def to_bytes(self) -> bytes:
        body: dict[str, Any] = {
            "glacier_manifest": SCHEMA,
            "version": self.version,
            "token": self.token,
            "format": self.format,
            "files": list(self.files),
            "rows": self.rows,
            "deleted": self.deleted,
            "committed_at": self.committed_at,
        }
        return json.dumps(body, indent=1).encode()

    @classmethod
    def parse(cls, data: bytes, uri: str) -> Manifest:
        """Read a manifest, or raise :class:`StorageError` naming ``uri`` if it is broken."""
        try:
            body = json.loads(data)
            if not isinstance(body, dict) or body.get("glacier_manifest") != SCHEMA:
                raise ValueError("not a Glacier manifest (schema 1)")
            files = body["files"]
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                raise ValueError("'files' is not a list of keys")
            if any(f.startswith("/") or ".." in f.split("/") for f in files):
                raise ValueError("'files' names a key outside the dataset")
            rows = body.get("rows")
            return cls(
                version=int(body["version"]),
                token=str(body["token"]),
                format=str(body["format"]),
                files=tuple(files),
                rows=int(rows) if rows is not None else None,
                deleted=bool(body.get("deleted", False)),
                committed_at=str(body.get("committed_at", "")),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError(
                f"The dataset manifest {uri} is unreadable ({exc}). It was changed outside "
                "Glacier: delete it (the dataset is then read by listing its files) and "
                "write the dataset again.",
                uri=uri,
            ) from exc

    def tombstone(self) -> Manifest:
        """The manifest that marks this dataset deleted (keeps the version counter)."""
        return Manifest(
            version=self.version + 1, token=self.token, format=self.format, deleted=True
        )


def next_manifest(
    previous: Manifest | None, *, token: str, fmt: str, files: tuple[str, ...], rows: int | None
) -> Manifest:
    """The manifest that replaces ``previous`` (``None``: the first version)."""
    version = previous.version + 1 if previous is not None else 1
    return Manifest(version=version, token=token, format=fmt, files=files, rows=rows)
