"""S3 buckets: secure by default, honouring S3Config and AdvancedStorageConfig.

The steps of :class:`glacier_aws.pulumi.emitter.AwsEmitter`'s bucket template: the KMS key,
the bucket with its secure defaults (ownership, public access block, encryption, TLS-only
policy), versioning, lifecycle rules, object lock, CORS, and references to existing buckets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glacier.plugin import (
    AdvancedStorageConfig,
    BucketHandle,
    Call,
    CompilerError,
    ConflictingConfigError,
    EncryptionConfig,
    Expr,
    HookTarget,
    IRBucket,
    IRProvider,
    KeyHandle,
    ObjectLockConfig,
    ProgramWriter,
    TierRule,
)
from glacier_aws.config import S3Config, S3LifecycleRule
from glacier_aws.naming import validate_s3_bucket_name
from glacier_aws.pulumi import policy
from glacier_aws.pulumi.tiers import s3_class

S3 = "aws.s3."


def checked_bucket_name(name: str) -> str:
    """``name`` if S3 accepts it, else :class:`CompilerError` (bucket names reach ARNs in
    IAM policies, so one that S3 would refuse is refused here, before anything is written)."""
    try:
        validate_s3_bucket_name(name)
    except ValueError as exc:
        raise CompilerError(f"S3 bucket name {str(name)[:80]!r}: {exc}.") from None
    return name


def scope_lifecycle(config: S3Config, path: str) -> S3Config:
    """``config`` with its lifecycle rules limited to objects under ``path``."""
    rules = [
        rule.model_copy(update={"prefix": f"{path}{rule.prefix}"})
        for rule in config.lifecycle_rules or []
    ]
    return config.model_copy(update={"lifecycle_rules": rules or None})


def emit_key(
    name: str,
    provider: IRProvider,
    tags: dict[str, str],
    custom: EncryptionConfig,
    out: ProgramWriter,
) -> KeyHandle:
    """A customer-managed KMS key for one bucket (advanced_config.custom_encryption)."""
    key = out.resource(
        "aws.kms.Key",
        f"{name}-key",
        {
            "description": f"Encryption key of S3 bucket {name}",
            "enable_key_rotation": custom.kms_key_rotation,
            "rotation_period_in_days": custom.rotation_days if custom.kms_key_rotation else None,
            "deletion_window_in_days": 30,
            "tags": tags or None,
        },
        comment="Customer-managed KMS key from advanced_config.custom_encryption",
        provider=provider,
    )
    return KeyHandle(key, Expr(f"{key}.arn"))


def emit_bucket(bucket: IRBucket, key: KeyHandle | None, out: ProgramWriter) -> BucketHandle:
    """The S3 bucket and its secure defaults."""
    checked_bucket_name(bucket.bucket_name)
    cfg = bucket.config if isinstance(bucket.config, S3Config) else S3Config()
    adv = bucket.advanced
    locked = bool(adv and adv.object_lock)
    origin = f"Glacier bucket {bucket.describe()} -> S3 bucket {bucket.bucket_name!r}"
    var = out.resource(
        S3 + "Bucket",
        bucket.bucket_name,
        {
            "bucket": bucket.bucket_name,
            "force_destroy": cfg.force_destroy,
            "object_lock_enabled": True if locked else None,
            "tags": bucket.tags or None,
        },
        comment=[origin, "S3 bucket (object lock can only be enabled at creation)"]
        if locked
        else origin,
        provider=bucket.provider,
        var_hint=bucket.bucket_name,
        target=HookTarget(tuple(bucket.names), bucket.provider, bucket.tags),
    )
    handle = BucketHandle(var, bucket)
    key = emit_secure_defaults(bucket.bucket_name, var, bucket.provider, cfg, adv, key, out)
    handle.key = key
    return handle


def reference_bucket(bucket: IRBucket, out: ProgramWriter) -> BucketHandle:
    """An existing bucket, looked up by name: never created, changed or deleted."""
    checked_bucket_name(bucket.bucket_name)
    var = out.reference(
        S3 + "Bucket",
        bucket.bucket_name,
        bucket.bucket_name,
        comment=[
            f"Glacier bucket {bucket.describe()} -> existing S3 bucket {bucket.bucket_name!r}",
            "Referenced (existing=True): Glacier reads its attributes, never changes or deletes it",
        ],
        provider=bucket.provider,
        var_hint=bucket.bucket_name,
    )
    return BucketHandle(var, bucket, existing=True)


def versioning_reason(cfg: S3Config, adv: AdvancedStorageConfig | None) -> str | None:
    if cfg.versioning:
        return "S3Config(versioning=True)"
    if adv and adv.object_lock:
        return "required by object lock"
    if adv and adv.replication:
        return "required by replication"
    return None


def emit_versioning(
    name: str, var: str, provider: IRProvider, reason: str, out: ProgramWriter
) -> str:
    return out.resource(
        S3 + "BucketVersioning",
        f"{name}-versioning",
        {
            "bucket": Expr(f"{var}.id"),
            "versioning_configuration": Call(
                S3 + "BucketVersioningVersioningConfigurationArgs", {"status": "Enabled"}
            ),
        },
        comment=f"Versioning ({reason})",
        provider=provider,
    )


def emit_secure_defaults(
    name: str,
    var: str,
    provider: IRProvider,
    cfg: S3Config,
    adv: AdvancedStorageConfig | None,
    key: KeyHandle | None,
    out: ProgramWriter,
) -> KeyHandle | None:
    """Ownership controls, public access block, encryption, TLS-only policy. Returns the
    key that encrypts the bucket (Glacier's, or the one named by ``kms_key_id``)."""
    out.resource(
        S3 + "BucketOwnershipControls",
        f"{name}-ownership",
        {
            "bucket": Expr(f"{var}.id"),
            "rule": Call(
                S3 + "BucketOwnershipControlsRuleArgs", {"object_ownership": "BucketOwnerEnforced"}
            ),
        },
        comment="ACLs disabled: the bucket owner owns every object",
        provider=provider,
    )
    pab = None
    if cfg.public_access_block:
        pab = out.resource(
            S3 + "BucketPublicAccessBlock",
            f"{name}-public-access-block",
            {
                "bucket": Expr(f"{var}.id"),
                "block_public_acls": True,
                "block_public_policy": True,
                "ignore_public_acls": True,
                "restrict_public_buckets": True,
            },
            comment="Public access blocked (opt out: S3Config(public_access_block=False))",
            provider=provider,
        )
    key = emit_encryption(name, var, cfg, adv, key, provider, out)
    if cfg.enforce_tls:
        out.resource(
            S3 + "BucketPolicy",
            f"{name}-tls-only",
            {"bucket": Expr(f"{var}.id"), "policy": policy.tls_only(var)},
            comment="Deny any request not made over TLS (opt out: S3Config(enforce_tls=False))",
            provider=provider,
            depends_on=[pab] if pab else (),
        )
    return key


def emit_encryption(
    name: str,
    var: str,
    cfg: S3Config,
    adv: AdvancedStorageConfig | None,
    key: KeyHandle | None,
    provider: IRProvider,
    out: ProgramWriter,
) -> KeyHandle | None:
    """Default encryption: Glacier's key (advanced_config), the user's ``kms_key_id``, or
    ``S3Config.encryption``. Returns the key identities need to use."""
    custom = adv.custom_encryption if adv else None
    if custom is not None:
        if cfg.kms_key_id:
            raise ConflictingConfigError(
                f"Bucket {name!r}: S3Config(kms_key_id=...) and advanced_config."
                "custom_encryption both choose the KMS key; keep one."
            )
        algorithm = "aws:kms:dsse" if custom.algorithm == "aws:kms:dsse" else "aws:kms"
    else:
        algorithm = cfg.encryption
        if cfg.kms_key_id:
            key = KeyHandle(None, cfg.kms_key_id)
    out.resource(
        S3 + "BucketServerSideEncryptionConfiguration",
        f"{name}-encryption",
        {
            "bucket": Expr(f"{var}.id"),
            "rules": [
                Call(
                    S3 + "BucketServerSideEncryptionConfigurationRuleArgs",
                    {
                        "apply_server_side_encryption_by_default": Call(
                            S3
                            + "BucketServerSideEncryptionConfigurationRule"
                            + "ApplyServerSideEncryptionByDefaultArgs",
                            {
                                "sse_algorithm": algorithm,
                                "kms_master_key_id": key.ref if key else None,
                            },
                        ),
                        "bucket_key_enabled": cfg.bucket_key_enabled
                        if algorithm.startswith("aws:kms")
                        else None,
                    },
                )
            ],
        },
        comment=f"Encryption at rest ({algorithm})",
        provider=provider,
    )
    return key


def emit_lifecycle(
    handle: BucketHandle, cfg: S3Config, tiers: Sequence[TierRule], out: ProgramWriter
) -> None:
    """The bucket's lifecycle rules: S3Config's (already scoped per path) and the tiers."""
    bucket = handle.bucket
    rules = [
        _rule(r, rule_id) for r, rule_id in zip(cfg.lifecycle_rules or [], _ids(cfg), strict=True)
    ]
    for n, tier_rule in enumerate(tiers, start=1):
        rule_id = "glacier-tiers" if len(tiers) == 1 else f"glacier-tiers-{n}"
        rules.append(
            Call(
                S3 + "BucketLifecycleConfigurationRuleArgs",
                {
                    "id": rule_id,
                    "status": "Enabled",
                    "filter": Call(
                        S3 + "BucketLifecycleConfigurationRuleFilterArgs",
                        {"prefix": tier_rule.prefix},
                    ),
                    "transitions": [
                        Call(
                            S3 + "BucketLifecycleConfigurationRuleTransitionArgs",
                            {"days": t.days, "storage_class": s3_class(t)},
                        )
                        for t in tier_rule.tiers
                    ],
                },
            )
        )
    if not rules:
        return
    out.resource(
        S3 + "BucketLifecycleConfiguration",
        f"{bucket.bucket_name}-lifecycle",
        {"bucket": Expr(f"{handle.var}.id"), "rules": rules},
        comment="Lifecycle rules (S3Config.lifecycle_rules, advanced_config.lifecycle_tiers)",
        provider=bucket.provider,
        depends_on=[handle.versioning] if handle.versioning else (),
    )


def emit_lock(handle: BucketHandle, lock: ObjectLockConfig, out: ProgramWriter) -> None:
    name = handle.bucket.bucket_name
    out.resource(
        S3 + "BucketObjectLockConfiguration",
        f"{name}-object-lock",
        {
            "bucket": Expr(f"{handle.var}.id"),
            "object_lock_enabled": "Enabled",
            "rule": Call(
                S3 + "BucketObjectLockConfigurationRuleArgs",
                {
                    "default_retention": Call(
                        S3 + "BucketObjectLockConfigurationRuleDefaultRetentionArgs",
                        {"mode": lock.mode, "days": lock.retention_days},
                    )
                },
            ),
        },
        comment=f"Object lock ({lock.mode}, {lock.retention_days} days) from advanced_config",
        provider=handle.provider,
        depends_on=[handle.versioning] if handle.versioning else (),
    )


def emit_cors(handle: BucketHandle, cfg: S3Config, out: ProgramWriter) -> None:
    if not cfg.cors:
        return
    name = handle.bucket.bucket_name
    out.resource(
        S3 + "BucketCorsConfiguration",
        f"{name}-cors",
        {
            "bucket": Expr(f"{handle.var}.id"),
            "cors_rules": [
                Call(
                    S3 + "BucketCorsConfigurationCorsRuleArgs",
                    {
                        "allowed_methods": list(r.allowed_methods),
                        "allowed_origins": list(r.allowed_origins),
                        "allowed_headers": list(r.allowed_headers) or None,
                        "expose_headers": list(r.expose_headers) or None,
                        "max_age_seconds": r.max_age_seconds,
                    },
                )
                for r in cfg.cors
            ],
        },
        comment=f"CORS rules from S3Config of {name!r}",
        provider=handle.provider,
    )


def _ids(cfg: S3Config) -> list[str]:
    """Rule ids, made unique (rules of several Glacier buckets may share an id)."""
    seen: dict[str, int] = {}
    out = []
    for rule in cfg.lifecycle_rules or []:
        seen[rule.id] = seen.get(rule.id, 0) + 1
        out.append(rule.id if seen[rule.id] == 1 else f"{rule.id}-{seen[rule.id]}")
    return out


def _rule(rule: S3LifecycleRule, rule_id: str) -> Call:
    args: dict[str, Any] = {
        "id": rule_id,
        "status": "Enabled" if rule.enabled else "Disabled",
        "filter": Call(S3 + "BucketLifecycleConfigurationRuleFilterArgs", {"prefix": rule.prefix}),
        "transitions": [
            Call(
                S3 + "BucketLifecycleConfigurationRuleTransitionArgs",
                {"days": t.days, "storage_class": t.storage_class},
            )
            for t in rule.all_transitions()
        ]
        or None,
        "expiration": Call(
            S3 + "BucketLifecycleConfigurationRuleExpirationArgs", {"days": rule.expiration_days}
        )
        if rule.expiration_days
        else None,
        "noncurrent_version_expiration": Call(
            S3 + "BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs",
            {"noncurrent_days": rule.noncurrent_expiration_days},
        )
        if rule.noncurrent_expiration_days
        else None,
        "abort_incomplete_multipart_upload": Call(
            S3 + "BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs",
            {"days_after_initiation": rule.abort_incomplete_multipart_days},
        )
        if rule.abort_incomplete_multipart_days
        else None,
    }
    return Call(S3 + "BucketLifecycleConfigurationRuleArgs", args)
