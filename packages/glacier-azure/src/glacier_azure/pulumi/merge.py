"""How the BlobConfig of several Glacier buckets on one container merges (the core rule:
bucket-level settings merge to the stronger value, a pinned contradiction is an error).

No BlobConfig field is per-path: every field is a setting of the container or of its storage
account. Lifecycle tiers, the per-path setting, come from ``advanced_config`` and the IR scopes
them to each bucket's prefix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glacier.plugin import Merged, MergeRule, Part, all_true, any_true, one_of

#: Redundancy options as (zone-redundant, geo-redundant, read access to the secondary).
_REDUNDANCY = {
    "LRS": (False, False, False),
    "ZRS": (True, False, False),
    "GRS": (False, True, False),
    "RAGRS": (False, True, True),
    "GZRS": (True, True, False),
    "RAGZRS": (True, True, True),
}
_BY_FLAGS = {flags: name for name, flags in _REDUNDANCY.items()}


def redundancy(field: str, parts: Sequence[Part[Any]]) -> Merged[Any]:
    """The weakest redundancy that covers every part's: ZRS and GRS merge to GZRS."""
    flags = [_REDUNDANCY[p.value] for p in parts]
    merged = tuple(any(f[i] for f in flags) for i in range(3))
    zone, geo, read = merged
    value = _BY_FLAGS[(zone, geo, read and geo)]
    return Merged(value, _note(field, parts, value))


def longest(field: str, parts: Sequence[Part[Any]]) -> Merged[Any]:
    """The longest retention (``None``: off, the weakest)."""
    value = max((p.value for p in parts), key=lambda v: v or 0)
    return Merged(value, _note(field, parts, value))


def _note(field: str, parts: Sequence[Part[Any]], value: Any) -> tuple[str, ...]:
    differing = [repr(p.name) for p in parts if p.value != value]
    if not differing:
        return ()
    return (
        f"{field} is a storage-account setting: merged to {value!r} (the stronger) for "
        f"{', '.join(differing)}",
    )


#: BlobConfig field -> merge rule (unlisted: must be equal, e.g. the access tier).
BLOB_MERGE_RULES: dict[str, MergeRule] = {
    "replication": redundancy,
    "soft_delete_retention_days": longest,
    "versioning": any_true,
    "allow_public_access": all_true,
    "hierarchical_namespace": one_of,
    "encryption_scope": one_of,
}
