"""GCS buckets: secure by default, honouring GcsConfig and AdvancedStorageConfig."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glacier.compiler.errors import ConflictingConfigError
from glacier.compiler.ir import IRBucket, IRProvider
from glacier.compiler.program import HookTarget, ProgramWriter
from glacier.compiler.pyrender import Call, Expr
from glacier.escape_hatch import AdvancedStorageConfig, LifecycleTier, tier_level
from glacier_gcp.config import GcsConfig, GcsLifecycleRule
from glacier_gcp.pulumi.labels import labels

if TYPE_CHECKING:
    from glacier_gcp.pulumi.emitter import GcpEmitter

GS = "gcp.storage."
GCS_CLASSES = frozenset({"STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"})
BY_LEVEL = {"hot": "STANDARD", "cool": "NEARLINE", "cold": "COLDLINE", "archive": "ARCHIVE"}
SECONDS_PER_DAY = 86_400


def gcs_class(emitter: GcpEmitter, tier: LifecycleTier | str, bucket: str) -> str:
    """The GCS storage class for a tier: GCS names pass through, others map to the nearest."""
    if isinstance(tier, str):
        tier = LifecycleTier(tier, 0, tier_level(tier))
    if tier.key in GCS_CLASSES:
        return tier.key
    if tier.level is None:
        raise emitter.unsupported(
            f"Storage class {tier.name!r} (bucket {bucket!r})",
            "explicit tiers such as ('cool', 30), ('cold', 90), or Autoclass through a "
            "PulumiCustomization hook",
            "GCS has no automatically tiering storage class of that name",
        )
    return BY_LEVEL[tier.level]


def emit_bucket(emitter: GcpEmitter, bucket: IRBucket, out: ProgramWriter) -> None:
    cfg: GcsConfig = bucket.config or GcsConfig()
    adv: AdvancedStorageConfig | None = bucket.advanced
    provider = bucket.provider
    location = (cfg.location or provider.config.region).upper()
    key = None
    if adv and adv.custom_encryption:
        key = emit_key(emitter, bucket.bucket_name, provider, location, adv, bucket.tags, out)
        out.set_ref(f"kms:{bucket.key}", key[0])
    lock = adv.object_lock if adv else None
    if lock and cfg.versioning:
        raise emitter.unsupported(
            f"Object lock together with versioning (bucket {bucket.bucket_name!r})",
            "GcsConfig(versioning=False): the retention policy already keeps every object for "
            "the retention period",
            "A GCS retention policy cannot be set on a bucket with Object Versioning",
        )
    rules = [_rule(r) for r in cfg.lifecycle_rules or []]
    rules += [
        _set_class(gcs_class(emitter, t, bucket.bucket_name), t.days)
        for t in (adv.tiers() if adv else [])
    ]
    parts = [f"{n!r} ({p or '/'})" for n, p in zip(bucket.names, bucket.paths, strict=True)]
    args: dict[str, Any] = {
        "name": bucket.bucket_name,
        "location": location,
        "project": provider.config.project,
        "storage_class": cfg.storage_class,
        "uniform_bucket_level_access": cfg.uniform_bucket_level_access,
        "public_access_prevention": "enforced" if cfg.public_access_prevention else "inherited",
        "force_destroy": cfg.force_destroy,
        "versioning": Call(GS + "BucketVersioningArgs", {"enabled": True})
        if cfg.versioning
        else None,
        "lifecycle_rules": rules or None,
        "soft_delete_policy": Call(
            GS + "BucketSoftDeletePolicyArgs",
            {"retention_duration_seconds": cfg.soft_delete_retention_days * SECONDS_PER_DAY},
        )
        if cfg.soft_delete_retention_days
        else None,
        "retention_policy": Call(
            GS + "BucketRetentionPolicyArgs",
            {
                "retention_period": lock.retention_days * SECONDS_PER_DAY,
                "is_locked": True if lock.mode == "COMPLIANCE" else None,
            },
        )
        if lock
        else None,
        "encryption": Call(
            GS + "BucketEncryptionArgs", {"default_kms_key_name": Expr(f"{key[0]}.id")}
        )
        if key
        else None,
        "labels": labels(bucket.tags),
    }
    comment = [f"Glacier bucket {', '.join(parts)} -> GCS bucket {bucket.bucket_name!r}"]
    comment.append(
        "Uniform access, public access prevention enforced, Google-managed encryption"
        if not key
        else "Uniform access, public access prevention enforced, customer-managed key"
    )
    if lock:
        comment.append(
            f"Object lock ({lock.mode}): retention policy of {lock.retention_days} days"
            + (", locked" if lock.mode == "COMPLIANCE" else "")
        )
    var = out.resource(
        GS + "Bucket",
        bucket.bucket_name,
        args,
        comment=comment,
        provider=provider,
        var_hint=bucket.bucket_name,
        depends_on=[key[1]] if key else (),
        target=HookTarget(tuple(bucket.names), provider, bucket.tags),
    )
    out.set_ref(f"bucket:{bucket.key}", var)
    if adv and adv.replication:
        from glacier_gcp.pulumi.replication import emit_replication

        emit_replication(emitter, bucket, var, cfg, out)
    out.export(f"{provider.key}/{bucket.bucket_name}", Expr(f"{var}.name"))


def emit_key(
    emitter: GcpEmitter,
    name: str,
    provider: IRProvider,
    location: str,
    adv: AdvancedStorageConfig,
    tags: dict[str, str],
    out: ProgramWriter,
) -> tuple[str, str]:
    """KeyRing + CryptoKey (rotation) + the GCS service agent's use of it.
    Returns (key var, grant var)."""
    enc = adv.custom_encryption
    if enc.algorithm == "aws:kms:dsse":
        raise emitter.unsupported(
            f"Dual-layer encryption aws:kms:dsse (bucket {name!r})",
            "EncryptionConfig(algorithm='kms') (a customer-managed Cloud KMS key)",
        )
    ring = out.resource(
        "gcp.kms.KeyRing",
        f"{name}-keyring",
        {
            "name": f"{name}-keyring",
            "location": location.lower(),
            "project": provider.config.project,
        },
        comment="Key ring for the bucket's customer-managed key (advanced_config)",
        provider=provider,
    )
    key = out.resource(
        "gcp.kms.CryptoKey",
        f"{name}-key",
        {
            "name": f"{name}-key",
            "key_ring": Expr(f"{ring}.id"),
            "purpose": "ENCRYPT_DECRYPT",
            "rotation_period": f"{enc.rotation_days * SECONDS_PER_DAY}s"
            if enc.kms_key_rotation
            else None,
            "labels": labels(tags),
        },
        comment="Bucket encryption key"
        + (f", rotated every {enc.rotation_days} days" if enc.kms_key_rotation else ""),
        provider=provider,
    )
    agent = out.value(
        f"{name}_gcs_agent",
        Call(
            "gcp.storage.get_project_service_account_output",
            {
                "project": provider.config.project,
                "opts": Call(
                    "pulumi.InvokeOutputOptions", {"provider": Expr(out.ref(provider.key))}
                ),
            },
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
    return key, grant


def _set_class(storage_class: str, days: int) -> Call:
    return Call(
        GS + "BucketLifecycleRuleArgs",
        {
            "action": Call(
                GS + "BucketLifecycleRuleActionArgs",
                {"type": "SetStorageClass", "storage_class": storage_class},
            ),
            "condition": Call(
                GS + "BucketLifecycleRuleConditionArgs",
                {"age": days, "send_age_if_zero": True if days == 0 else None},
            ),
        },
    )


def _rule(rule: GcsLifecycleRule) -> Call:
    if rule.action == "SetStorageClass" and rule.storage_class is None:
        raise ConflictingConfigError("A GCS SetStorageClass lifecycle rule needs storage_class.")
    return Call(
        GS + "BucketLifecycleRuleArgs",
        {
            "action": Call(
                GS + "BucketLifecycleRuleActionArgs",
                {"type": rule.action, "storage_class": rule.storage_class},
            ),
            "condition": Call(
                GS + "BucketLifecycleRuleConditionArgs",
                {
                    "age": rule.age_days,
                    "send_age_if_zero": True if rule.age_days == 0 else None,
                    "matches_prefixes": list(rule.matches_prefix) or None,
                },
            ),
        },
    )
