"""Object replication to a container in another region (Azure)."""

from __future__ import annotations

from glacier.plugin import (
    Call,
    Expr,
    IRGraph,
    IRProvider,
    ProgramWriter,
    ReplicationConfig,
)
from glacier_azure.config import AzureConfig
from glacier_azure.pulumi.accounts import ST, ContainerHandle, storage_account
from glacier_azure.pulumi.grouping import AccountSettings
from glacier_azure.pulumi.names import account_name
from glacier_azure.pulumi.provider import azure_config
from glacier_azure.pulumi.storage import access_tier


def replica_config(source: AzureConfig, location: str) -> AzureConfig:
    """The provider config of the replica: ``source`` in ``location``, with its own
    resource group (``<group>-<location>``) and no named storage account."""
    group = source.resource_group
    return source.model_copy(
        update={
            "location": location,
            "storage_account": None,
            "resource_group": f"{group}-{location}" if group else None,
        }
    )


def emit_replication(
    ir: IRGraph,
    handle: ContainerHandle,
    rep: ReplicationConfig,
    destination: IRProvider,
    out: ProgramWriter,
) -> None:
    """Destination account + container in the destination region and an object replication
    policy on both accounts. The source account has versioning and change feed and a flat
    namespace (its settings group asks for them, see :mod:`.accounts`); the replica account
    gets versioning, the source's redundancy and key settings, and the access tier of
    ``rep.storage_class``."""
    bucket = handle.bucket
    source = handle.account
    tier = access_tier(rep.storage_class, bucket.bucket_name) if rep.storage_class else "Hot"
    settings = AccountSettings(
        redundancy=source.settings.redundancy,
        access_tier=tier,
        hierarchical_namespace=False,
        versioning=True,
        change_feed=True,
        encryption=source.settings.encryption,
        allow_shared_key_access=source.settings.allow_shared_key_access,
        allowed_ip_ranges=source.settings.allowed_ip_ranges,
    )
    replica = storage_account(
        ir,
        account_name(None, rep.destination_bucket, destination.key, bucket.bucket_name),
        destination,
        settings,
        f"Replica account for {bucket.bucket_name!r} in {azure_config(destination).location}",
        out,
    )
    container = out.resource(
        ST + "BlobContainer",
        rep.destination_bucket,
        {
            "container_name": rep.destination_bucket,
            **replica.scoped(),
            "public_access": "None",
        },
        comment=f"Replica container of {bucket.bucket_name!r} (advanced_config.replication)",
        provider=destination,
        var_hint=f"{rep.destination_bucket}_container",
    )
    services = [s for s in (source.blob_service, replica.blob_service) if s]
    policy = out.resource(
        ST + "ObjectReplicationPolicy",
        f"{bucket.bucket_name}-replication-destination",
        {
            **replica.scoped(),
            "object_replication_policy_id": "default",
            "source_account": Expr(f"{source.var}.id"),
            "destination_account": Expr(f"{replica.var}.id"),
            "rules": [
                Call(
                    ST + "ObjectReplicationPolicyRuleArgs",
                    {
                        "source_container": Expr(f"{handle.var}.name"),
                        "destination_container": Expr(f"{container}.name"),
                    },
                )
            ],
        },
        comment="Object replication, destination side (created first; it assigns the ids), "
        "once versioning and change feed are on",
        provider=destination,
        depends_on=services,
    )
    out.resource(
        ST + "ObjectReplicationPolicy",
        f"{bucket.bucket_name}-replication-source",
        {
            **source.scoped(),
            "object_replication_policy_id": Expr(f"{policy}.policy_id"),
            "source_account": Expr(f"{source.var}.id"),
            "destination_account": Expr(f"{replica.var}.id"),
            "rules": Expr(f"{policy}.rules"),
        },
        comment="Object replication, source side (same policy and rule ids)",
        provider=bucket.provider,
        depends_on=services,
    )
