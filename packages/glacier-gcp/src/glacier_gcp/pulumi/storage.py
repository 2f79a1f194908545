"""GCS buckets: the bucket steps of :class:`glacier_gcp.pulumi.emitter.GcpEmitter`.

A GCS bucket is one ``gcp.storage.Bucket`` resource: its customer-managed key comes first
(the bucket references it), the bucket is created with its secure defaults (uniform access,
public access prevention), and the features that are arguments of the bucket itself
(versioning, lifecycle rules, the retention policy of object lock, soft delete) are added by
their own steps with :meth:`ProgramWriter.amend`, so the template's sequence holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from glacier.plugin import (
    BucketHandle,
    Call,
    ConflictingConfigError,
    EncryptionConfig,
    Expr,
    HookTarget,
    IRBucket,
    IRProvider,
    KeyHandle,
    LifecycleTier,
    ObjectLockConfig,
    ProgramWriter,
    TierRule,
    UnsupportedFeatureError,
    tier_level,
)
from glacier_gcp.config import GcpConfig, GcsConfig, GcsLifecycleRule
from glacier_gcp.pulumi.labels import labels

GS = "gcp.storage."
GCS_CLASSES = frozenset({"STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"})
BY_LEVEL = {"hot": "STANDARD", "cool": "NEARLINE", "cold": "COLDLINE", "archive": "ARCHIVE"}
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class GcsKey(KeyHandle):
    """A Cloud KMS key Glacier created for a bucket; ``grant`` lets the Cloud Storage
    service agent use it (the bucket depends on it: creating a bucket with a key its agent
    cannot use fails)."""

    grant: str = ""


def gcp_config(provider: IRProvider) -> GcpConfig:
    """The provider's config, as the GcpConfig it must be for this emitter."""
    config = provider.config
    if not isinstance(config, GcpConfig):  # pragma: no cover - the registry routes by type
        raise TypeError(f"GcpEmitter got a provider with {type(config).__name__}")
    return config


def gcs_config(bucket: IRBucket) -> GcsConfig:
    """The bucket's GcsConfig (defaults when none was given)."""
    return bucket.config if isinstance(bucket.config, GcsConfig) else GcsConfig()


def location(bucket: IRBucket) -> str:
    """The bucket's GCS location: ``GcsConfig.location``, else the provider's region."""
    return (gcs_config(bucket).location or gcp_config(bucket.provider).region).upper()


def gcs_class(tier: LifecycleTier | str, bucket: str) -> str:
    """The GCS storage class for a tier: GCS names pass through, others map to the nearest."""
    if isinstance(tier, str):
        tier = LifecycleTier(tier, 0, tier_level(tier))
    if tier.key in GCS_CLASSES:
        return tier.key
    if tier.level is None:
        raise UnsupportedFeatureError(
            f"Storage class {tier.name!r} (bucket {bucket!r})",
            "GCP",
            "explicit tiers such as ('cool', 30), ('cold', 90), or Autoclass through a "
            "PulumiCustomization hook",
            "GCS has no automatically tiering storage class of that name",
        )
    return BY_LEVEL[tier.level]


def scope_lifecycle(config: GcsConfig, path: str) -> GcsConfig:
    """``config`` with its lifecycle rules limited to objects under ``path`` (each rule's
    own ``matches_prefix`` entries are relative to the path)."""
    rules = []
    for rule in config.lifecycle_rules or []:
        prefixes = [f"{path}{p}" for p in rule.matches_prefix] or ([path] if path else [])
        rules.append(rule.model_copy(update={"matches_prefix": prefixes}))
    return config.model_copy(update={"lifecycle_rules": rules or None})


# -- key -------------------------------------------------------------------------------------
def emit_key(bucket: IRBucket, encryption: EncryptionConfig, out: ProgramWriter) -> GcsKey:
    """KeyRing + CryptoKey (rotation) + the GCS service agent's use of it."""
    name = bucket.bucket_name
    provider = bucket.provider
    project = gcp_config(provider).project
    if encryption.algorithm == "aws:kms:dsse":
        raise UnsupportedFeatureError(
            f"Dual-layer encryption aws:kms:dsse (bucket {name!r})",
            "GCP",
            "EncryptionConfig(algorithm='kms') (a customer-managed Cloud KMS key)",
        )
    ring = out.resource(
        "gcp.kms.KeyRing",
        f"{name}-keyring",
        {"name": f"{name}-keyring", "location": location(bucket).lower(), "project": project},
        comment="Key ring for the bucket's customer-managed key (advanced_config)",
        provider=provider,
    )
    rotating = encryption.kms_key_rotation
    key = out.resource(
        "gcp.kms.CryptoKey",
        f"{name}-key",
        {
            "name": f"{name}-key",
            "key_ring": Expr(f"{ring}.id"),
            "purpose": "ENCRYPT_DECRYPT",
            "rotation_period": f"{encryption.rotation_days * SECONDS_PER_DAY}s"
            if rotating
            else None,
            "labels": labels(bucket.tags),
        },
        comment="Bucket encryption key"
        + (f", rotated every {encryption.rotation_days} days" if rotating else ""),
        provider=provider,
    )
    agent = out.value(
        f"{name}_gcs_agent",
        Call(
            GS + "get_project_service_account_output",
            {"project": project, "opts": invoke_options(provider, out)},
        ),
        comment="The Cloud Storage service agent of the project (it encrypts objects)",
    )
    grant = out.resource(
        "gcp.kms.CryptoKeyIAMMember",
        f"{name}-key-gcs-agent",
        {
            "crypto_key_id": Expr(f"{key}.id"),
            "role": "roles/cloudkms.cryptoKeyEncrypterDecrypter",
            "member": Expr(f"{agent}.member"),
        },
        comment="Let Cloud Storage use the key (this key only)",
        provider=provider,
    )
    return GcsKey(key, Expr(f"{key}.id"), grant)


def invoke_options(provider: IRProvider, out: ProgramWriter) -> Call:
    """``pulumi.InvokeOutputOptions`` naming the provider's explicit instance."""
    return Call(
        "pulumi.InvokeOutputOptions", {"provider": Expr(out.handles.provider(provider.key).var)}
    )


# -- bucket ----------------------------------------------------------------------------------
def emit_bucket(bucket: IRBucket, key: KeyHandle | None, out: ProgramWriter) -> BucketHandle:
    """The GCS bucket with its secure defaults, encrypted with ``key`` when given."""
    cfg = gcs_config(bucket)
    provider = bucket.provider
    args: dict[str, Any] = {
        "name": bucket.bucket_name,
        "location": location(bucket),
        "project": gcp_config(provider).project,
        "storage_class": cfg.storage_class,
        "uniform_bucket_level_access": cfg.uniform_bucket_level_access,
        "public_access_prevention": "enforced" if cfg.public_access_prevention else "inherited",
        "force_destroy": cfg.force_destroy,
        "encryption": Call(GS + "BucketEncryptionArgs", {"default_kms_key_name": key.ref})
        if key
        else None,
        "labels": labels(bucket.tags),
    }
    var = out.resource(
        GS + "Bucket",
        bucket.bucket_name,
        args,
        comment=[
            f"Glacier bucket {bucket.describe()} -> GCS bucket {bucket.bucket_name!r}",
            "Uniform access, public access prevention enforced, "
            + ("customer-managed key" if key else "Google-managed encryption"),
        ],
        provider=provider,
        var_hint=bucket.bucket_name,
        depends_on=[key.grant] if isinstance(key, GcsKey) else (),
        target=HookTarget(tuple(bucket.names), provider, bucket.tags),
    )
    return BucketHandle(var, bucket, key=key)


def reference_bucket(bucket: IRBucket, out: ProgramWriter) -> BucketHandle:
    """An existing bucket, looked up by name: never created, changed or deleted."""
    var = out.reference(
        GS + "Bucket",
        bucket.bucket_name,
        bucket.bucket_name,
        comment=[
            f"Glacier bucket {bucket.describe()} -> existing GCS bucket {bucket.bucket_name!r}",
            "Referenced (existing=True): Glacier reads its attributes, never changes or deletes it",
        ],
        provider=bucket.provider,
        var_hint=bucket.bucket_name,
    )
    return BucketHandle(var, bucket, existing=True)


# -- features that are arguments of the bucket ------------------------------------------------
def amend_versioning(handle: BucketHandle, out: ProgramWriter) -> str:
    out.amend(handle.var, {"versioning": Call(GS + "BucketVersioningArgs", {"enabled": True})})
    return handle.var


def amend_lifecycle(handle: BucketHandle, tiers: Sequence[TierRule], out: ProgramWriter) -> None:
    """GcsConfig's rules (already scoped per path when the bucket is shared) and the
    lifecycle tiers, each limited to its prefix."""
    name = handle.bucket.bucket_name
    rules = [_rule(r, name) for r in gcs_config(handle.bucket).lifecycle_rules or []]
    for tier_rule in tiers:
        prefixes = [tier_rule.prefix] if tier_rule.prefix else []
        rules += [
            _lifecycle_rule("SetStorageClass", gcs_class(t, name), t.days, prefixes)
            for t in tier_rule.tiers
        ]
    out.amend(handle.var, {"lifecycle_rules": rules or None})


def amend_retention(handle: BucketHandle, lock: ObjectLockConfig, out: ProgramWriter) -> None:
    """Object lock as the bucket's retention policy (locked for COMPLIANCE)."""
    if gcs_config(handle.bucket).versioning:
        raise UnsupportedFeatureError(
            f"Object lock together with versioning (bucket {handle.bucket.bucket_name!r})",
            "GCP",
            "GcsConfig(versioning=False): the retention policy already keeps every object for "
            "the retention period",
            "A GCS retention policy cannot be set on a bucket with Object Versioning",
        )
    policy = Call(
        GS + "BucketRetentionPolicyArgs",
        {
            "retention_period": lock.retention_days * SECONDS_PER_DAY,
            "is_locked": True if lock.mode == "COMPLIANCE" else None,
        },
    )
    out.amend(handle.var, {"retention_policy": policy})


def amend_soft_delete(handle: BucketHandle, out: ProgramWriter) -> None:
    days = gcs_config(handle.bucket).soft_delete_retention_days
    if days:
        policy = Call(
            GS + "BucketSoftDeletePolicyArgs",
            {"retention_duration_seconds": days * SECONDS_PER_DAY},
        )
        out.amend(handle.var, {"soft_delete_policy": policy})


def _rule(rule: GcsLifecycleRule, bucket: str) -> Call:
    if rule.action == "SetStorageClass" and rule.storage_class is None:
        raise ConflictingConfigError(
            f"Bucket {bucket!r}: a GCS SetStorageClass lifecycle rule needs storage_class."
        )
    return _lifecycle_rule(rule.action, rule.storage_class, rule.age_days, rule.matches_prefix)


def _lifecycle_rule(action: str, storage_class: str | None, days: int, prefixes: list[str]) -> Call:
    return Call(
        GS + "BucketLifecycleRuleArgs",
        {
            "action": Call(
                GS + "BucketLifecycleRuleActionArgs",
                {"type": action, "storage_class": storage_class},
            ),
            "condition": Call(
                GS + "BucketLifecycleRuleConditionArgs",
                {
                    "age": days,
                    "send_age_if_zero": True if days == 0 else None,
                    "matches_prefixes": list(prefixes) or None,
                },
            ),
        },
    )
