"""Deterministic Azure names and well-known role definitions."""

from __future__ import annotations

import hashlib
import re

#: Built-in role: read blobs (data plane).
BLOB_READER_ROLE = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
#: Built-in role: the storage account's identity wraps/unwraps keys of the vault.
CRYPTO_ENCRYPTION_USER_ROLE = "e147488a-f6f5-4113-8e2d-b22465e65bf6"

BLOB_DATA = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
READ_DATA_ACTIONS = [f"{BLOB_DATA}/read"]
WRITE_DATA_ACTIONS = [f"{BLOB_DATA}/add/action", f"{BLOB_DATA}/delete", f"{BLOB_DATA}/write"]


def short_hash(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:length]


def account_name(explicit: str | None, *seed: str) -> str:
    """The storage account name: the configured one, else ``gl<words><hash>`` (3-24 a-z0-9)."""
    if explicit:
        return explicit
    words = re.sub(r"[^a-z0-9]", "", "".join(seed[:1]).lower())[:12]
    return f"gl{words}{short_hash(*seed)}"[:24]


def vault_name(account: str) -> str:
    """A Key Vault name (3-24 alphanumerics and hyphens, starting with a letter)."""
    return f"kv-{account}"[:24].rstrip("-")
