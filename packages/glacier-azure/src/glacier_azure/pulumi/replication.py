"""Object replication to a container in another region (Azure)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from glacier.compiler.ir import IRBucket
from glacier.compiler.program import ProgramWriter
from glacier.compiler.pyrender import Call, Expr
from glacier_azure.config import BlobConfig
from glacier_azure.pulumi.names import account_name
from glacier_azure.pulumi.storage import ST, access_tier, emit_account

if TYPE_CHECKING:
    from glacier_azure.pulumi.emitter import AzureEmitter


def emit_replication(
    emitter: AzureEmitter,
    bucket: IRBucket,
    account: str,
    container: str,
    cfg: BlobConfig,
    out: ProgramWriter,
) -> None:
    """Destination account + container in the destination region and an object replication
    policy on both accounts (versioning and change feed are turned on where required)."""
    rep = bucket.advanced.replication
    if cfg.hierarchical_namespace:
        raise emitter.unsupported(
            f"Replication of bucket {bucket.bucket_name!r} to {rep.destination_bucket!r}",
            "BlobConfig(hierarchical_namespace=False) for object replication, or "
            "BlobConfig(replication='GRS' or 'RAGRS') for a geo-redundant copy in the paired "
            "region",
            "Azure object replication is not available on accounts with a hierarchical "
            "namespace (ADLS Gen2)",
        )
    dest_provider = emitter.provider_for(rep.destination_region, bucket.provider, out)
    dest_account_name = account_name(
        None, rep.destination_bucket, dest_provider.key, bucket.bucket_name
    )
    dest_cfg = BlobConfig(
        hierarchical_namespace=False,
        versioning=True,
        replication=cfg.replication,
        allow_shared_key_access=cfg.allow_shared_key_access,
        allowed_ip_ranges=cfg.allowed_ip_ranges,
    )
    tier = (
        access_tier(emitter, rep.storage_class, bucket.bucket_name) if rep.storage_class else None
    )
    encryption = bucket.advanced.custom_encryption
    dest_account = emit_account(
        emitter,
        dest_provider,
        out,
        name=dest_account_name,
        cfg=dest_cfg,
        encryption=encryption,
        versioning=True,
        access_tier=tier,
        comment=f"Replica account for {bucket.bucket_name!r} in {rep.destination_region}",
    )
    dest_rg = emitter.resource_group(dest_provider, out)
    dest_container = out.resource(
        ST + "BlobContainer",
        rep.destination_bucket,
        {
            "container_name": rep.destination_bucket,
            "account_name": Expr(f"{dest_account}.name"),
            "resource_group_name": Expr(f"{dest_rg}.name"),
            "public_access": "None",
        },
        comment=f"Replica container of {bucket.bucket_name!r} (advanced_config.replication)",
        provider=dest_provider,
        var_hint=f"{rep.destination_bucket}_container",
    )
    source_rg = emitter.resource_group(bucket.provider, out)
    dest_policy = out.resource(
        ST + "ObjectReplicationPolicy",
        f"{bucket.bucket_name}-replication-destination",
        {
            "account_name": Expr(f"{dest_account}.name"),
            "resource_group_name": Expr(f"{dest_rg}.name"),
            "object_replication_policy_id": "default",
            "source_account": Expr(f"{account}.id"),
            "destination_account": Expr(f"{dest_account}.id"),
            "rules": [
                Call(
                    ST + "ObjectReplicationPolicyRuleArgs",
                    {
                        "source_container": Expr(f"{container}.name"),
                        "destination_container": Expr(f"{dest_container}.name"),
                    },
                )
            ],
        },
        comment="Object replication, destination side (created first; it assigns the ids)",
        provider=dest_provider,
    )
    out.resource(
        ST + "ObjectReplicationPolicy",
        f"{bucket.bucket_name}-replication-source",
        {
            "account_name": Expr(f"{account}.name"),
            "resource_group_name": Expr(f"{source_rg}.name"),
            "object_replication_policy_id": Expr(f"{dest_policy}.policy_id"),
            "source_account": Expr(f"{account}.id"),
            "destination_account": Expr(f"{dest_account}.id"),
            "rules": Expr(f"{dest_policy}.rules"),
        },
        comment="Object replication, source side (same policy and rule ids)",
        provider=bucket.provider,
    )
