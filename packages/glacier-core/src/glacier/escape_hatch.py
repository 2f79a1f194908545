"""Escape hatches: advanced infrastructure without (or with a little) Pulumi.

1. **Configuration** (recommended, no Pulumi import): :class:`AdvancedStorageConfig` passed as
   ``provider.bucket(..., advanced_config=...)``; each cloud's emitter translates it, or
   raises :class:`glacier.compiler.errors.UnsupportedFeatureError` naming the nearest
   alternative.
2. **Post-compilation hooks**: :class:`PulumiCustomization` passed as
   ``pipeline.compile(compiler, customizations={"data": ...})``; the exported program calls
   your function with the generated Pulumi resource.
3. **Program injection**: :class:`PulumiProgramInjector` adds code to marked regions of an
   exported ``__main__.py`` that survive re-export.

Nothing here imports Pulumi. See ``docs/escape-hatches.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from glacier.models import GlacierModel

if TYPE_CHECKING:
    from glacier.compiler.injector import PulumiProgramInjector

#: Cloud-neutral storage temperature, coldest last.
TierLevel = Literal["hot", "cool", "cold", "archive"]
TIER_LEVELS: tuple[TierLevel, ...] = ("hot", "cool", "cold", "archive")

#: Every tier name accepted in ``lifecycle_tiers`` / ``storage_class`` (case-insensitive) and
#: its neutral level. Cloud names map to the nearest level; ``None`` = no neutral equivalent
#: (only the cloud that owns the name can express it).
TIER_NAMES: dict[str, TierLevel | None] = {
    # neutral
    "HOT": "hot",
    "COOL": "cool",
    "COLD": "cold",
    "ARCHIVE": "archive",  # also Azure "Archive" and GCS "ARCHIVE"
    # AWS S3 storage classes
    "STANDARD": "hot",  # also GCS "STANDARD"
    "STANDARD_IA": "cool",
    "ONEZONE_IA": "cool",
    "GLACIER_IR": "cold",
    "GLACIER": "cold",
    "DEEP_ARCHIVE": "archive",
    "INTELLIGENT_TIERING": None,
    # GCS storage classes
    "NEARLINE": "cool",
    "COLDLINE": "cold",
}


@dataclass(frozen=True)
class LifecycleTier:
    """One validated lifecycle step: move objects to ``name`` after ``days``."""

    name: str
    days: int
    level: TierLevel | None

    @property
    def key(self) -> str:
        """The upper-cased name, for matching a cloud's native class names."""
        return self.name.upper()


def tier_level(name: str) -> TierLevel | None:
    """The neutral level of a tier name; raises ``ValueError`` for unknown names."""
    key = str(name).upper()
    if key not in TIER_NAMES:
        known = ", ".join(sorted({*(t for t in TIER_LEVELS), *TIER_NAMES}))
        raise ValueError(f"unknown storage tier {name!r}; known tiers: {known}")
    return TIER_NAMES[key]


class ObjectLockConfig(GlacierModel):
    """Write-once-read-many retention for every new object.

    ``GOVERNANCE``: privileged users can shorten or remove it. ``COMPLIANCE``: nobody can.
    """

    mode: Literal["GOVERNANCE", "COMPLIANCE"]
    retention_days: int = Field(gt=0, le=36500)


class ReplicationConfig(GlacierModel):
    """Keep a copy of every new object in ``destination_bucket`` in ``destination_region``.

    ``storage_class``: tier of the copies (any name accepted by ``lifecycle_tiers``).
    """

    destination_bucket: str = Field(min_length=1, max_length=222)
    destination_region: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
    storage_class: str | None = None

    @field_validator("storage_class")
    @classmethod
    def _known_class(cls, value: str | None) -> str | None:
        if value is not None:
            tier_level(value)
        return value


class EncryptionConfig(GlacierModel):
    """Encrypt at rest with a customer-managed key created for the bucket.

    ``algorithm``: ``"kms"`` (neutral: the cloud's key service), ``"aws:kms"`` (the same on
    AWS) or ``"aws:kms:dsse"`` (dual-layer; infrastructure double encryption on Azure).
    ``kms_key_rotation`` turns on automatic rotation every ``rotation_days``.
    """

    algorithm: Literal["kms", "aws:kms", "aws:kms:dsse"] = "kms"
    kms_key_rotation: bool = True
    rotation_days: int = Field(default=365, ge=90, le=2560)


class AdvancedStorageConfig(GlacierModel):
    """Advanced storage features, declared without Pulumi; translated on every cloud.

    ``lifecycle_tiers``: ``[(tier, days), ...]`` with days non-negative and strictly
    ascending and tiers getting colder, e.g. ``[("STANDARD", 0), ("STANDARD_IA", 30),
    ("GLACIER", 90)]`` or neutrally ``[("hot", 0), ("cool", 30), ("cold", 90)]``.
    """

    object_lock: ObjectLockConfig | None = None
    replication: ReplicationConfig | None = None
    lifecycle_tiers: list[tuple[str, int]] = []
    custom_encryption: EncryptionConfig | None = None

    @field_validator("lifecycle_tiers")
    @classmethod
    def _tiers(cls, value: list[tuple[str, int]]) -> list[tuple[str, int]]:
        previous_days = -1
        previous_rank = -1
        for index, (name, days) in enumerate(value):
            level = tier_level(name)
            if days < 0:
                raise ValueError(f"lifecycle_tiers[{index}] ({name!r}, {days}): days must be >= 0")
            if days <= previous_days:
                raise ValueError(
                    f"lifecycle_tiers[{index}] ({name!r}, {days}): days must be strictly "
                    f"ascending (previous step is at day {previous_days})"
                )
            rank = TIER_LEVELS.index(level) if level else previous_rank
            if level == "hot" and index > 0:
                raise ValueError(
                    f"lifecycle_tiers[{index}] ({name!r}, {days}): only the first step may be "
                    "a hot tier; lifecycle rules move objects to colder tiers only"
                )
            if rank < previous_rank:
                raise ValueError(
                    f"lifecycle_tiers[{index}] ({name!r}, {days}): tiers must get colder "
                    f"(it follows a {TIER_LEVELS[previous_rank]} tier)"
                )
            previous_days, previous_rank = days, rank
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> AdvancedStorageConfig:
        features = (
            self.object_lock,
            self.replication,
            self.lifecycle_tiers,
            self.custom_encryption,
        )
        if not any(features):
            raise ValueError("AdvancedStorageConfig() sets no feature; pass at least one")
        return self

    def tiers(self) -> list[LifecycleTier]:
        """The validated tiers as :class:`LifecycleTier`, transitions only (a hot first
        step is where objects start, not a transition)."""
        out = [LifecycleTier(n, d, tier_level(n)) for n, d in self.lifecycle_tiers]
        return [t for t in out if t.level != "hot"]


@dataclass(frozen=True)
class PulumiCustomization:
    """Post-compilation hook: ``customize_fn(resource, context)`` returns the resource to use.

    ``customize_fn`` must be importable by path (a module-level function, not a lambda or a
    closure): the exported program imports it and calls it with the generated Pulumi
    resource and a context with ``resource_name``, ``environment`` (the provider's config,
    secrets left out: ``context.environment.region``), ``provider`` (the Pulumi provider
    instance), ``tags`` and ``resources`` (the program's other resources by logical name).
    """

    resource_name: str
    customize_fn: Callable[..., Any]
    #: ``"module:function"``, filled in from ``customize_fn``.
    ref: str = field(init=False, default="")

    def __post_init__(self) -> None:
        from glacier.compiler.customize import function_ref

        object.__setattr__(self, "ref", function_ref(self.customize_fn, self.resource_name))


def __getattr__(name: str) -> Any:
    if name == "PulumiProgramInjector":
        from glacier.compiler.injector import PulumiProgramInjector

        return PulumiProgramInjector
    raise AttributeError(f"module 'glacier.escape_hatch' has no attribute {name!r}")


__all__ = [
    "TIER_LEVELS",
    "TIER_NAMES",
    "AdvancedStorageConfig",
    "EncryptionConfig",
    "LifecycleTier",
    "ObjectLockConfig",
    "PulumiCustomization",
    "PulumiProgramInjector",
    "ReplicationConfig",
    "tier_level",
]
