"""Storage account resources: the accounts that hold containers (grouped by
:mod:`.grouping`), their keys, blob service properties and secure arguments, and references
to existing accounts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from glacier.plugin import (
    BucketHandle,
    Call,
    ConflictingConfigError,
    EncryptionConfig,
    Expr,
    IRGraph,
    IRProvider,
    ProgramWriter,
)
from glacier_azure.pulumi.grouping import DEFAULT_SETTINGS, AccountSettings
from glacier_azure.pulumi.keys import VaultKey, emit_key, encryption_args
from glacier_azure.pulumi.names import CRYPTO_ENCRYPTION_USER_ROLE
from glacier_azure.pulumi.provider import placement, role_id, tags_of, tenant_id

ST = "azure_native.storage."


@dataclass
class StorageAccount:
    """One emitted (or referenced) storage account and what its containers need from it."""

    name: str
    var: str
    provider: IRProvider
    #: ``resource_group_name`` of resources in the account (an expression or a name).
    resource_group_name: Expr | str
    settings: AccountSettings
    #: The provider's default account (``AzureConfig.storage_account``).
    default: bool = True
    #: Variable of the blob service properties (versioning, change feed, soft delete).
    blob_service: str | None = None
    #: Lifecycle rules of its containers, emitted as one ManagementPolicy by ``finish``.
    lifecycle_rules: list[Call] = field(default_factory=list)

    def scoped(self) -> dict[str, Any]:
        """``account_name`` and ``resource_group_name`` of a resource inside the account."""
        return {
            "account_name": Expr(f"{self.var}.name"),
            "resource_group_name": self.resource_group_name,
        }


@dataclass(kw_only=True)
class ContainerHandle(BucketHandle):
    """An emitted (or referenced) container with the storage account that holds it."""

    account: StorageAccount


@dataclass
class Accounts:
    """The storage accounts of one program that hold Glacier containers, by name."""

    by_name: dict[str, StorageAccount] = field(default_factory=dict)


def registry(out: ProgramWriter) -> Accounts:
    """The program's :class:`Accounts` (one per program)."""
    return out.handles.once(("azure-storage-accounts",), Accounts)


def account_key(
    ir: IRGraph, name: str, provider: IRProvider, encryption: EncryptionConfig, out: ProgramWriter
) -> VaultKey:
    """The customer-managed key of account ``name`` (emitted on first use)."""

    def emit() -> VaultKey:
        where = placement(ir, provider, out)
        tenant = tenant_id(provider, out)
        role = role_id(provider, CRYPTO_ENCRYPTION_USER_ROLE, out)
        return emit_key(name, provider, where, encryption, tenant, role, tags_of(ir, provider), out)

    return out.handles.once(("azure-account-key", name), emit)


def storage_account(
    ir: IRGraph,
    name: str,
    provider: IRProvider,
    settings: AccountSettings,
    comment: str,
    out: ProgramWriter,
    *,
    default: bool = False,
) -> StorageAccount:
    """Storage account ``name`` with ``settings`` (its key first when it has one), emitted on
    first use and recorded in :func:`registry`."""

    def emit() -> StorageAccount:
        where = placement(ir, provider, out)
        encryption = settings.encryption
        key = account_key(ir, name, provider, encryption, out) if encryption else None
        account = emit_account(
            name, provider, where, settings, key, tags_of(ir, provider), comment, out
        )
        account.default = default
        registry(out).by_name[name] = account
        return account

    found = out.handles.once(("azure-storage-account", name), emit)
    if found.settings != settings:  # pragma: no cover - names are derived from settings
        raise ConflictingConfigError(
            f"Storage account {name!r} is asked for with two different settings "
            f"({found.settings.describe()}; {settings.describe()}); rename one of the "
            "resources that share it."
        )
    return found


def account_args(
    name: str,
    where: dict[str, Any],
    settings: AccountSettings,
    key: VaultKey | None,
    tags: dict[str, str],
) -> dict[str, Any]:
    """Every argument of a storage account: ``settings`` plus Glacier's secure defaults
    (TLS 1.2+, HTTPS only, no public blobs unless allowed, no cross-tenant replication,
    Entra ID only unless shared keys are allowed, the firewall, blob encryption, the
    customer-managed key when there is one)."""
    args: dict[str, Any] = {
        "account_name": name,
        **where,
        "kind": "StorageV2",
        "sku": Call(ST + "SkuArgs", {"name": f"Standard_{settings.redundancy}"}),
        "access_tier": settings.access_tier,
        "is_hns_enabled": settings.hierarchical_namespace,
        "allow_blob_public_access": settings.allow_public_access,
        "allow_cross_tenant_replication": False,
        "minimum_tls_version": "TLS1_2",
        "enable_https_traffic_only": True,
        "allow_shared_key_access": settings.allow_shared_key_access,
        "default_to_o_auth_authentication": True,
        "network_rule_set": network_rules(settings.allowed_ip_ranges),
    }
    if key is not None:
        args["identity"] = Call(
            ST + "IdentityArgs",
            {"type": "UserAssigned", "user_assigned_identities": [Expr(f"{key.identity}.id")]},
        )
    args["encryption"] = encryption_args(key)
    args["tags"] = tags or None
    return args


def network_rules(allowed_ip_ranges: tuple[str, ...]) -> Call:
    """The account's firewall: with ``allowed_ip_ranges``, deny every other network (Azure
    services, logging and metrics bypass); without, allow all networks (identities still
    required: Glacier's runtime and functions reach the account over its public endpoint)."""
    ranges = list(allowed_ip_ranges)
    return Call(
        ST + "NetworkRuleSetArgs",
        {
            "default_action": "Deny" if ranges else "Allow",
            "bypass": "AzureServices, Logging, Metrics",
            "ip_rules": [
                Call(ST + "IPRuleArgs", {"i_p_address_or_range": r, "action": "Allow"})
                for r in ranges
            ]
            or None,
        },
    )


def emit_account(
    name: str,
    provider: IRProvider,
    where: dict[str, Any],
    settings: AccountSettings,
    key: VaultKey | None,
    tags: dict[str, str],
    comment: str,
    out: ProgramWriter,
) -> StorageAccount:
    """The storage account and its blob service properties (versioning, change feed, soft
    delete)."""
    var = out.resource(
        ST + "StorageAccount",
        name,
        account_args(name, where, settings, key, tags),
        comment=comment,
        provider=provider,
        var_hint=f"{name}_account",
        depends_on=[key.grant] if key is not None else (),
    )
    account = StorageAccount(name, var, provider, where["resource_group_name"], settings)
    days = settings.soft_delete_days
    retention = (
        Call(ST + "DeleteRetentionPolicyArgs", {"enabled": True, "days": days}) if days else None
    )
    account.blob_service = out.resource(
        ST + "BlobServiceProperties",
        f"{name}-blob-service",
        {
            **account.scoped(),
            "blob_services_name": "default",
            "is_versioning_enabled": settings.versioning or None,
            "change_feed": Call(ST + "ChangeFeedArgs", {"enabled": True})
            if settings.change_feed
            else None,
            "delete_retention_policy": retention,
            "container_delete_retention_policy": retention,
        },
        comment="Blob service: versioning, change feed, soft delete (BlobConfig)",
        provider=provider,
    )
    return account


def reference_account(
    name: str, provider: IRProvider, resource_group: str, subscription: Any, out: ProgramWriter
) -> StorageAccount:
    """An existing storage account, read by id (never created, changed or deleted)."""
    tail = f"/resourceGroups/{resource_group}/providers/Microsoft.Storage/storageAccounts/{name}"
    account_id: Any = (
        f"/subscriptions/{subscription}{tail}"
        if isinstance(subscription, str)
        else Call("pulumi.Output.concat", args=("/subscriptions/", subscription, tail))
    )
    var = out.reference(
        ST + "StorageAccount",
        name,
        account_id,
        comment=[
            f"Existing storage account {name!r} (AzureConfig.storage_account) of the existing "
            "containers",
            "Referenced: Glacier reads it, never changes or deletes it",
        ],
        provider=provider,
        var_hint=f"{name}_account",
    )
    return StorageAccount(name, var, provider, resource_group, DEFAULT_SETTINGS)
