"""Cross-region replication: destination provider and bucket, IAM role, replication config."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glacier.plugin import BucketHandle, Call, Expr, ProgramWriter, ReplicationConfig
from glacier_aws.config import S3Config
from glacier_aws.pulumi import policy
from glacier_aws.pulumi.storage import (
    S3,
    checked_bucket_name,
    emit_secure_defaults,
    emit_versioning,
)
from glacier_aws.pulumi.tiers import s3_class

if TYPE_CHECKING:
    from glacier_aws.pulumi.emitter import AwsEmitter


def emit_replication(
    emitter: AwsEmitter, handle: BucketHandle, rep: ReplicationConfig, out: ProgramWriter
) -> None:
    """Everything replication needs: versioning on both buckets, the destination bucket in
    its region (own provider), a role S3 assumes with exactly the replication actions, and
    the replication configuration (KMS-encrypted objects included when a key is used)."""
    bucket = handle.bucket
    source = handle.var
    source_key = handle.key.ref if handle.key and handle.key.var else None
    source_versioning = handle.versioning
    config = bucket.provider.config.model_copy(update={"region": rep.destination_region})
    dest_provider = emitter.ensure_provider(config, out, "Provider for replication")
    dest_name = checked_bucket_name(rep.destination_bucket)
    origin = f"Replica of S3 bucket {bucket.bucket_name!r} (advanced_config.replication)"
    dest = out.resource(
        S3 + "Bucket",
        dest_name,
        {"bucket": dest_name, "tags": bucket.tags or None},
        comment=f"{origin} in {rep.destination_region}",
        provider=dest_provider,
        var_hint=dest_name,
    )
    dest_key = None
    if source_key is not None and bucket.advanced and bucket.advanced.custom_encryption:
        from glacier_aws.pulumi.storage import emit_key

        dest_key = emit_key(
            dest_name, dest_provider, bucket.tags, bucket.advanced.custom_encryption, out
        )
    replica = emit_secure_defaults(
        dest_name,
        dest,
        dest_provider,
        S3Config(versioning=True),
        bucket.advanced if dest_key is not None else None,
        dest_key,
        out,
    )
    replica_key = replica.ref if replica is not None else None
    dest_versioning = emit_versioning(
        dest_name, dest, dest_provider, "required by replication", out
    )
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadReplicationConfiguration",
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": Expr(f"{source}.arn"),
        },
        {
            "Sid": "ReadSourceVersions",
            "Effect": "Allow",
            "Action": [
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionTagging",
            ],
            "Resource": policy.objects_arn(source, ""),
        },
        {
            "Sid": "WriteReplicas",
            "Effect": "Allow",
            "Action": ["s3:ReplicateDelete", "s3:ReplicateObject", "s3:ReplicateTags"],
            "Resource": policy.objects_arn(dest, ""),
        },
    ]
    if source_key is not None and replica_key is not None:
        statements.append(policy.kms_grant(source_key, "read", "DecryptSource"))
        statements.append(
            {
                "Sid": "EncryptReplicas",
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                "Resource": replica_key,
            }
        )
    role = out.resource(
        "aws.iam.Role",
        f"{bucket.bucket_name}-replication",
        {
            "description": f"S3 replication of {bucket.bucket_name} to {dest_name}",
            "assume_role_policy": policy.assume_role("s3.amazonaws.com"),
            "tags": bucket.tags or None,
        },
        comment="Role S3 assumes to replicate (exact replication actions only)",
        provider=bucket.provider,
    )
    out.resource(
        "aws.iam.RolePolicy",
        f"{bucket.bucket_name}-replication",
        {"role": Expr(f"{role}.id"), "policy": policy.document(statements)},
        comment="Replication permissions: read source versions, write replicas",
        provider=bucket.provider,
    )
    destination: dict[str, Any] = {
        "bucket": Expr(f"{dest}.arn"),
        "storage_class": s3_class(rep.storage_class) if rep.storage_class else None,
    }
    rule: dict[str, Any] = {
        "id": "glacier-replication",
        "status": "Enabled",
        "filter": Call(S3 + "BucketReplicationConfigRuleFilterArgs", {"prefix": ""}),
        "delete_marker_replication": Call(
            S3 + "BucketReplicationConfigRuleDeleteMarkerReplicationArgs", {"status": "Disabled"}
        ),
    }
    if source_key is not None and replica_key is not None:
        destination["encryption_configuration"] = Call(
            S3 + "BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs",
            {"replica_kms_key_id": replica_key},
        )
        rule["source_selection_criteria"] = Call(
            S3 + "BucketReplicationConfigRuleSourceSelectionCriteriaArgs",
            {
                "sse_kms_encrypted_objects": Call(
                    S3 + "BucketReplicationConfigRuleSourceSelectionCriteria"
                    "SseKmsEncryptedObjectsArgs",
                    {"status": "Enabled"},
                )
            },
        )
    rule["destination"] = Call(S3 + "BucketReplicationConfigRuleDestinationArgs", destination)
    out.resource(
        S3 + "BucketReplicationConfig",
        f"{bucket.bucket_name}-replication",
        {
            "bucket": Expr(f"{source}.id"),
            "role": Expr(f"{role}.arn"),
            "rules": [Call(S3 + "BucketReplicationConfigRuleArgs", rule)],
        },
        comment=f"Replicate every new object to {dest_name!r} ({rep.destination_region})",
        provider=bucket.provider,
        depends_on=[v for v in (source_versioning, dest_versioning) if v],
    )
