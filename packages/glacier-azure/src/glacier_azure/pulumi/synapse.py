"""Azure Synapse executors: a workspace with the executor's user-assigned identity attached,
its data lake (a dedicated ADLS Gen2 account and file system) and a Spark pool sized from
:class:`~glacier_azure.config.SynapseConfig` (pulumi-azure-native 3). The executor's grants and
its staging prefix are the emitter template's (``AzureEmitter.grant_access``)."""

from __future__ import annotations

from glacier.plugin import Call, Expr, IdentityHandle, IRCompute, IRGraph, ProgramWriter
from glacier_azure.config import SynapseConfig
from glacier_azure.pulumi.accounts import storage_account
from glacier_azure.pulumi.grouping import AccountSettings
from glacier_azure.pulumi.names import account_name
from glacier_azure.pulumi.provider import placement

AZ = "azure_native."


def emit_synapse(
    ir: IRGraph,
    executor: IRCompute,
    handle: IdentityHandle,
    cfg: SynapseConfig,
    out: ProgramWriter,
) -> str:
    """Workspace (identity attached, dedicated ADLS Gen2 data lake) + Spark pool; returns the
    pool's variable."""
    identity = handle.var
    provider = executor.provider
    lake = storage_account(
        ir,
        account_name(None, f"{cfg.workspace_name}lake", provider.key),
        provider,
        # Shared keys stay allowed on the workspace's own lake: Synapse without them is not
        # verified (docs/clouds/azure.md, "Secure defaults").
        AccountSettings(hierarchical_namespace=True, allow_shared_key_access=True),
        f"Data lake of Synapse workspace {cfg.workspace_name!r} (ADLS Gen2)",
        out,
    )
    where = placement(ir, provider, out)
    filesystem = out.resource(
        AZ + "storage.BlobContainer",
        f"{executor.name}-workspace-fs",
        {
            "container_name": "synapse",
            **lake.scoped(),
            "public_access": "None",
        },
        comment="Workspace file system",
        provider=provider,
        var_hint=f"{executor.name}_workspace_fs",
    )
    workspace = out.resource(
        AZ + "synapse.Workspace",
        executor.name,
        {
            "workspace_name": cfg.workspace_name,
            **where,
            "identity": Call(
                AZ + "synapse.ManagedIdentityArgs",
                {
                    "type": "SystemAssigned,UserAssigned",
                    "user_assigned_identities": [Expr(f"{identity}.id")],
                },
            ),
            "default_data_lake_storage": Call(
                AZ + "synapse.DataLakeStorageAccountDetailsArgs",
                {
                    "account_url": Call(
                        "pulumi.Output.concat",
                        args=("https://", Expr(f"{lake.var}.name"), ".dfs.core.windows.net"),
                    ),
                    "filesystem": Expr(f"{filesystem}.name"),
                    "resource_id": Expr(f"{lake.var}.id"),
                },
            ),
            "azure_ad_only_authentication": True,
            "public_network_access": "Enabled",
            "tags": executor.tags or None,
        },
        comment=f"Glacier executor {executor.name!r}: Synapse workspace {cfg.workspace_name!r} "
        "with the executor's identity",
        provider=provider,
        var_hint=f"{executor.name}_workspace",
    )
    autoscale = cfg.autoscale_max_nodes is not None
    pool = out.resource(
        AZ + "synapse.BigDataPool",
        f"{executor.name}-pool",
        {
            "big_data_pool_name": cfg.spark_pool_name,
            "workspace_name": Expr(f"{workspace}.name"),
            **where,
            "node_size": cfg.node_size,
            "node_size_family": "MemoryOptimized",
            "node_count": None if autoscale else cfg.node_count,
            "auto_scale": Call(
                AZ + "synapse.AutoScalePropertiesArgs",
                {
                    "enabled": True,
                    "min_node_count": cfg.node_count,
                    "max_node_count": cfg.autoscale_max_nodes,
                },
            )
            if autoscale
            else None,
            "auto_pause": Call(
                AZ + "synapse.AutoPausePropertiesArgs",
                {"enabled": True, "delay_in_minutes": cfg.auto_pause_minutes},
            ),
            "spark_version": cfg.spark_version,
            "tags": executor.tags or None,
        },
        comment=f"Spark pool {cfg.spark_pool_name!r}: {cfg.node_size} nodes, "
        + (f"{cfg.node_count}-{cfg.autoscale_max_nodes}" if autoscale else str(cfg.node_count))
        + f", pauses after {cfg.auto_pause_minutes} idle minutes",
        provider=provider,
        var_hint=f"{executor.name}_pool",
    )
    out.export(f"executor {executor.name} spark pool", Expr(f"{pool}.name"))
    return pool
