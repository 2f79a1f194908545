"""S3 buckets: secure by default, honouring S3Config and AdvancedStorageConfig."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glacier.compiler.errors import CompilerError, ConflictingConfigError
from glacier.compiler.ir import IRBucket, IRProvider
from glacier.compiler.program import HookTarget, ProgramWriter
from glacier.compiler.pyrender import Call, Expr
from glacier.escape_hatch import AdvancedStorageConfig
from glacier_aws.config import S3Config, S3LifecycleRule
from glacier_aws.naming import validate_s3_bucket_name
from glacier_aws.pulumi import policy
from glacier_aws.pulumi.tiers import s3_class

if TYPE_CHECKING:
    from glacier_aws.pulumi.emitter import AwsEmitter

S3 = "aws.s3."


def checked_bucket_name(name: str) -> str:
    """``name`` if S3 accepts it, else :class:`CompilerError` (bucket names reach ARNs in
    IAM policies, so one that S3 would refuse is refused here, before anything is written)."""
    try:
        validate_s3_bucket_name(name)
    except ValueError as exc:
        raise CompilerError(f"S3 bucket name {str(name)[:80]!r}: {exc}.") from None
    return name


def describe(bucket: IRBucket) -> str:
    parts = [f"{n!r} ({p or '/'})" for n, p in zip(bucket.names, bucket.paths, strict=True)]
    return f"Glacier bucket {', '.join(parts)} -> S3 bucket {bucket.bucket_name!r}"


def emit_bucket(emitter: AwsEmitter, bucket: IRBucket, out: ProgramWriter) -> None:
    """Every resource of one S3 bucket (and its replica, if replicated)."""
    checked_bucket_name(bucket.bucket_name)
    cfg: S3Config = bucket.config or S3Config()
    adv: AdvancedStorageConfig | None = bucket.advanced
    origin = describe(bucket)
    tags = bucket.tags or None
    var = out.resource(
        S3 + "Bucket",
        bucket.bucket_name,
        {
            "bucket": bucket.bucket_name,
            "force_destroy": cfg.force_destroy,
            "object_lock_enabled": True if adv and adv.object_lock else None,
            "tags": tags,
        },
        comment=[origin, "S3 bucket (object lock can only be enabled at creation)"]
        if adv and adv.object_lock
        else origin,
        provider=bucket.provider,
        var_hint=bucket.bucket_name,
        target=HookTarget(tuple(bucket.names), bucket.provider, bucket.tags),
    )
    out.set_ref(f"bucket:{bucket.key}", var)
    key_arn = emit_secure_defaults(emitter, bucket.bucket_name, var, bucket, cfg, adv, out)
    if key_arn is not None:
        out.set_ref(f"kms:{bucket.key}", key_arn.code.removesuffix(".arn"))
    versioned = cfg.versioning or bool(adv and (adv.object_lock or adv.replication))
    versioning = None
    if versioned:
        reason = _versioning_reason(cfg, adv)
        versioning = emit_versioning(bucket.bucket_name, var, bucket.provider, reason, out)
    emit_lifecycle(bucket, var, cfg, adv, versioning, out)
    if cfg.cors:
        out.resource(
            S3 + "BucketCorsConfiguration",
            f"{bucket.bucket_name}-cors",
            {
                "bucket": Expr(f"{var}.id"),
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
            comment=f"CORS rules from S3Config of {bucket.bucket_name!r}",
            provider=bucket.provider,
        )
    if adv and adv.object_lock:
        lock = adv.object_lock
        out.resource(
            S3 + "BucketObjectLockConfiguration",
            f"{bucket.bucket_name}-object-lock",
            {
                "bucket": Expr(f"{var}.id"),
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
            provider=bucket.provider,
            depends_on=[versioning] if versioning else (),
        )
    if adv and adv.replication:
        from glacier_aws.pulumi.replication import emit_replication

        emit_replication(emitter, bucket, var, key_arn, versioning, out)
    out.export(f"{bucket.provider.key}/{bucket.bucket_name}", Expr(f"{var}.bucket"))


def _versioning_reason(cfg: S3Config, adv: AdvancedStorageConfig | None) -> str:
    if cfg.versioning:
        return "S3Config(versioning=True)"
    if adv and adv.object_lock:
        return "required by object lock"
    return "required by replication"


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
    emitter: AwsEmitter,
    name: str,
    var: str,
    bucket: IRBucket,
    cfg: S3Config,
    adv: AdvancedStorageConfig | None,
    out: ProgramWriter,
    provider: IRProvider | None = None,
) -> Expr | None:
    """Ownership controls, public access block, encryption, TLS-only policy. Returns the
    KMS key ARN expression when a customer-managed key encrypts the bucket."""
    provider = provider or bucket.provider
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
    key_arn = emit_encryption(emitter, name, var, cfg, adv, provider, bucket.tags, out)
    if cfg.enforce_tls:
        out.resource(
            S3 + "BucketPolicy",
            f"{name}-tls-only",
            {"bucket": Expr(f"{var}.id"), "policy": policy.tls_only(var)},
            comment="Deny any request not made over TLS (opt out: S3Config(enforce_tls=False))",
            provider=provider,
            depends_on=[pab] if pab else (),
        )
    return key_arn


def emit_encryption(
    emitter: AwsEmitter,
    name: str,
    var: str,
    cfg: S3Config,
    adv: AdvancedStorageConfig | None,
    provider: IRProvider,
    tags: dict[str, str],
    out: ProgramWriter,
) -> Expr | None:
    custom = adv.custom_encryption if adv else None
    key_arn: Expr | None = None
    if custom is not None:
        if cfg.kms_key_id:
            raise ConflictingConfigError(
                f"Bucket {name!r}: S3Config(kms_key_id=...) and advanced_config."
                "custom_encryption both choose the KMS key; keep one."
            )
        key = out.resource(
            "aws.kms.Key",
            f"{name}-key",
            {
                "description": f"Encryption key of S3 bucket {name}",
                "enable_key_rotation": custom.kms_key_rotation,
                "rotation_period_in_days": custom.rotation_days
                if custom.kms_key_rotation
                else None,
                "deletion_window_in_days": 30,
                "tags": tags or None,
            },
            comment="Customer-managed KMS key from advanced_config.custom_encryption",
            provider=provider,
        )
        key_arn = Expr(f"{key}.arn")
        algorithm = "aws:kms:dsse" if custom.algorithm == "aws:kms:dsse" else "aws:kms"
    else:
        algorithm = cfg.encryption
        key_arn = None
    kms_id: Any = key_arn if key_arn is not None else cfg.kms_key_id
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
                            {"sse_algorithm": algorithm, "kms_master_key_id": kms_id},
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
    if key_arn is None and cfg.kms_key_id:
        return None
    return key_arn


def emit_lifecycle(
    bucket: IRBucket,
    var: str,
    cfg: S3Config,
    adv: AdvancedStorageConfig | None,
    versioning: str | None,
    out: ProgramWriter,
) -> None:
    rules = [_rule(r) for r in cfg.lifecycle_rules or []]
    tiers = adv.tiers() if adv else []
    if tiers:
        rules.append(
            Call(
                S3 + "BucketLifecycleConfigurationRuleArgs",
                {
                    "id": "glacier-tiers",
                    "status": "Enabled",
                    "filter": Call(
                        S3 + "BucketLifecycleConfigurationRuleFilterArgs", {"prefix": ""}
                    ),
                    "transitions": [
                        Call(
                            S3 + "BucketLifecycleConfigurationRuleTransitionArgs",
                            {"days": t.days, "storage_class": s3_class(t)},
                        )
                        for t in tiers
                    ],
                },
            )
        )
    if not rules:
        return
    out.resource(
        S3 + "BucketLifecycleConfiguration",
        f"{bucket.bucket_name}-lifecycle",
        {"bucket": Expr(f"{var}.id"), "rules": rules},
        comment="Lifecycle rules (S3Config.lifecycle_rules, advanced_config.lifecycle_tiers)",
        provider=bucket.provider,
        depends_on=[versioning] if versioning else (),
    )


def _rule(rule: S3LifecycleRule) -> Call:
    return Call(
        S3 + "BucketLifecycleConfigurationRuleArgs",
        {
            "id": rule.id,
            "status": "Enabled" if rule.enabled else "Disabled",
            "filter": Call(
                S3 + "BucketLifecycleConfigurationRuleFilterArgs", {"prefix": rule.prefix}
            ),
            "transitions": [
                Call(
                    S3 + "BucketLifecycleConfigurationRuleTransitionArgs",
                    {"days": t.days, "storage_class": t.storage_class},
                )
                for t in rule.all_transitions()
            ]
            or None,
            "expiration": Call(
                S3 + "BucketLifecycleConfigurationRuleExpirationArgs",
                {"days": rule.expiration_days},
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
        },
    )
