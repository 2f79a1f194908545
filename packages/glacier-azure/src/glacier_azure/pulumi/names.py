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


def derived_account_name(default: str, *settings: str) -> str:
    """The name of an account that holds containers with other account-level settings than
    the provider's default account ``default``: its first 16 characters and a hash of
    ``settings`` (the settings that differ from the defaults). Depends on nothing else, so
    adding a container never renames an account."""
    return f"{default[:16]}{short_hash(default, *settings)}"


def vault_name(account: str) -> str:
    """A Key Vault name (3-24 alphanumerics and hyphens, starting with a letter)."""
    return f"kv-{account}"[:24].rstrip("-")
