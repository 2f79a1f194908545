"""What every Azure resource of one provider shares, emitted once per provider: the resource
group (and the placement arguments it implies), the tenant/subscription lookup, built-in role
ids and Glacier's custom blob-writer role."""

from __future__ import annotations

from typing import Any

from glacier.plugin import Call, Expr, IRGraph, IRProvider, ProgramWriter
from glacier_azure.config import AzureConfig
from glacier_azure.pulumi.names import WRITE_DATA_ACTIONS

AZ = "azure_native."


def azure_config(provider: IRProvider) -> AzureConfig:
    """The provider's config, as the AzureConfig it must be for this emitter."""
    config = provider.config
    if not isinstance(config, AzureConfig):  # pragma: no cover - the registry routes by type
        raise TypeError(f"AzureEmitter got a provider with {type(config).__name__}")
    return config


def tags_of(ir: IRGraph, provider: IRProvider) -> dict[str, str]:
    """The provider's tags (those of its first tagged resource)."""
    for res in ir.resources:
        if res.provider.key == provider.key and res.tags:
            return dict(res.tags)
    return {}


def resource_group(ir: IRGraph, provider: IRProvider, out: ProgramWriter) -> str:
    """The provider's resource group (emitted on first use); returns its variable."""

    def emit() -> str:
        config = azure_config(provider)
        name = config.resource_group or f"glacier-{ir.pipeline}-{provider.key}"
        return out.resource(
            AZ + "resources.ResourceGroup",
            name,
            {
                "resource_group_name": name,
                "location": config.location,
                "tags": tags_of(ir, provider) or None,
            },
            comment=f"Resource group of {provider.key}",
            provider=provider,
            var_hint=f"{provider.key}_rg",
        )

    return out.handles.once(("azure-resource-group", provider.key), emit)


def placement(ir: IRGraph, provider: IRProvider, out: ProgramWriter) -> dict[str, Any]:
    """``resource_group_name`` and ``location``: where a resource of ``provider`` lives."""
    rg = resource_group(ir, provider, out)
    return {
        "resource_group_name": Expr(f"{rg}.name"),
        "location": azure_config(provider).location,
    }


def client_config(provider: IRProvider, out: ProgramWriter) -> str:
    """``get_client_config_output()`` of the provider (tenant and subscription ids)."""

    def emit() -> str:
        return out.value(
            f"{provider.key}_client",
            Call(
                AZ + "authorization.get_client_config_output",
                {
                    "opts": Call(
                        "pulumi.InvokeOutputOptions",
                        {"provider": Expr(out.handles.provider(provider.key).var)},
                    )
                },
            ),
            comment=f"Tenant and subscription of {provider.key}",
        )

    return out.handles.once(("azure-client-config", provider.key), emit)


def subscription_id(provider: IRProvider, out: ProgramWriter) -> Any:
    """The subscription id: the configured one, else the client config's."""
    sub = azure_config(provider).subscription_id
    return sub or Expr(f"{client_config(provider, out)}.subscription_id")


def tenant_id(provider: IRProvider, out: ProgramWriter) -> Any:
    """The tenant id: the configured one, else the client config's."""
    tenant = azure_config(provider).tenant_id
    return tenant or Expr(f"{client_config(provider, out)}.tenant_id")


def role_id(provider: IRProvider, guid: str, out: ProgramWriter) -> Any:
    """Full id of a built-in role definition in the provider's subscription."""
    tail = f"/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    sub = subscription_id(provider, out)
    if isinstance(sub, str):
        return f"/subscriptions/{sub}{tail}"
    return Call("pulumi.Output.concat", args=("/subscriptions/", sub, tail))


def writer_role(ir: IRGraph, provider: IRProvider, out: ProgramWriter) -> str:
    """The custom write-only data role, defined once per provider; returns its variable."""

    def emit() -> str:
        rg = resource_group(ir, provider, out)
        return out.resource(
            AZ + "authorization.RoleDefinition",
            f"{provider.key}-blob-writer",
            {
                "role_name": "Glacier Blob Writer",
                "description": "Write, add and delete blobs; no read, no management actions",
                "scope": Expr(f"{rg}.id"),
                "assignable_scopes": [Expr(f"{rg}.id")],
                "permissions": [
                    Call(
                        AZ + "authorization.PermissionArgs",
                        {"data_actions": list(WRITE_DATA_ACTIONS)},
                    )
                ],
            },
            comment="Custom role: blob write/add/delete only (built-in roles bundle read)",
            provider=provider,
            var_hint=f"{provider.key}_blob_writer",
        )

    return out.handles.once(("azure-writer-role", provider.key), emit)
