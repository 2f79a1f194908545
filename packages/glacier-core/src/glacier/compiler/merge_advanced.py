"""Merge the ``advanced_config`` of several Glacier buckets on one cloud bucket.

``lifecycle_tiers`` are per-path (the IR scopes them to each bucket's prefix, see
:class:`glacier.compiler.ir.TierRule`); object lock, replication and custom encryption are
bucket-level and merge to the stronger setting (see :mod:`glacier.compiler.merge`).
"""

from __future__ import annotations

from collections.abc import Sequence

from glacier.compiler.merge import Part, one_of
from glacier.escape_hatch import AdvancedStorageConfig, EncryptionConfig, ObjectLockConfig

_LOCK_MODES = ("GOVERNANCE", "COMPLIANCE")
#: Weakest first; "kms" and "aws:kms" are one strength (a customer-managed key).
_ALGORITHMS = {"kms": 0, "aws:kms": 0, "aws:kms:dsse": 1}


def merge_advanced(
    parts: Sequence[Part[AdvancedStorageConfig]],
) -> tuple[AdvancedStorageConfig | None, list[str]]:
    """The bucket-level features of ``parts`` merged (``None`` when only per-path tiers
    remain) and notes for the compile summary."""
    notes: list[str] = []
    lock = _merge_lock([Part(p.name, p.path, p.value.object_lock) for p in parts], notes)
    replication = one_of(
        "advanced_config.replication",
        [Part(p.name, p.path, p.value.replication) for p in parts],
    ).value
    encryption = _merge_encryption(
        [Part(p.name, p.path, p.value.custom_encryption) for p in parts], notes
    )
    if lock is None and replication is None and encryption is None:
        return None, notes
    merged = AdvancedStorageConfig.model_construct(
        object_lock=lock,
        replication=replication,
        lifecycle_tiers=[],
        custom_encryption=encryption,
    )
    return merged, notes


def _merge_lock(
    parts: Sequence[Part[ObjectLockConfig | None]], notes: list[str]
) -> ObjectLockConfig | None:
    locks = [p for p in parts if p.value is not None]
    if not locks:
        return None
    mode = max((p.value.mode for p in locks if p.value), key=_LOCK_MODES.index)
    days = max(p.value.retention_days for p in locks if p.value)
    merged = ObjectLockConfig(mode=mode, retention_days=days)
    if len(locks) < len(parts) or any(p.value != merged for p in locks):
        notes.append(
            f"object lock is bucket-level: {mode}, {days} days applies to every object of the "
            f"bucket ({', '.join(repr(p.name) for p in parts)})"
        )
    return merged


def _merge_encryption(
    parts: Sequence[Part[EncryptionConfig | None]], notes: list[str]
) -> EncryptionConfig | None:
    keys = [p.value for p in parts if p.value is not None]
    if not keys:
        return None
    algorithm = max((k.algorithm for k in keys), key=lambda a: _ALGORITHMS[a])
    rotating = [k for k in keys if k.kms_key_rotation]
    merged = EncryptionConfig(
        algorithm=algorithm,
        kms_key_rotation=bool(rotating),
        rotation_days=min(k.rotation_days for k in rotating) if rotating else 365,
    )
    if len(keys) < len(parts) or any(k != merged for k in keys):
        notes.append(
            f"custom encryption is bucket-level: one {algorithm} key"
            + (f" rotated every {merged.rotation_days} days" if rotating else "")
            + f" encrypts the whole bucket ({', '.join(repr(p.name) for p in parts)})"
        )
    return merged
