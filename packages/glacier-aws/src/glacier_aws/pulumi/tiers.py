"""Lifecycle tier names on S3: exact S3 class names pass through, neutral and other clouds'
names map to the nearest class (see the table in docs/escape-hatches.md)."""

from __future__ import annotations

from glacier.plugin import LifecycleTier, tier_level

S3_CLASSES = frozenset(
    {"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"}
)
BY_LEVEL = {"hot": "STANDARD", "cool": "STANDARD_IA", "cold": "GLACIER", "archive": "DEEP_ARCHIVE"}


def s3_class(tier: LifecycleTier | str) -> str:
    """The S3 storage class for a tier (a :class:`LifecycleTier` or a tier name)."""
    if isinstance(tier, str):
        tier = LifecycleTier(tier, 0, tier_level(tier))
    if tier.key in S3_CLASSES or tier.key == "STANDARD":
        return tier.key
    return BY_LEVEL[tier.level or "hot"]
