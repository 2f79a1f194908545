"""Storage accounts: which account holds a container, its name, and the account resources.

On Azure, redundancy (SKU), the default access tier, the namespace (flat or ADLS Gen2), public
access, soft delete, blob versioning, change feed and the customer-managed key are settings
of a storage *account*, not of a container. Glacier buckets declare them per bucket
(``BlobConfig``, ``advanced_config``), so the compiler groups containers by them: every
distinct :class:`AccountSettings` of a provider is one storage account.

* The group with Glacier's default settings is the provider's **default account**:
  ``AzureConfig.storage_account`` when set, else a name derived from the pipeline and the
  provider (unchanged from earlier releases).
* Any other group's name is derived from the default account's name and the settings that
  differ from the defaults (:func:`~glacier_azure.pulumi.names.derived_account_name`), never
  from a position: adding a bucket never renames, moves or changes an existing account.
* The namespace: ``BlobConfig(hierarchical_namespace=None)`` (the default) lets the compiler
  choose: flat when the container's features need it (object replication works only on flat
  accounts), else ADLS Gen2, which Spark engines prefer. Container-level immutability (object
  lock) works on both. A pinned value that contradicts a feature is a ConflictingConfigError.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

from glacier.plugin import (
    BucketHandle,
    Call,
    ConflictingConfigError,
    EncryptionConfig,
    Expr,
    IRBucket,
    IRGraph,
    IRProvider,
    ProgramWriter,
)
from glacier_azure.config import BlobConfig
from glacier_azure.pulumi.keys import VaultKey, emit_key, encryption_args
from glacier_azure.pulumi.names import (
    CRYPTO_ENCRYPTION_USER_ROLE,
    account_name,
    derived_account_name,
)
from glacier_azure.pulumi.provider import placement, role_id, tags_of, tenant_id

ST = "azure_native.storage."


@dataclass(frozen=True)
class AccountSettings:
    """The account-level settings of a container: one storage account per distinct value."""

    redundancy: str = "LRS"
    access_tier: str = "Hot"
    hierarchical_namespace: bool = True
    allow_public_access: bool = False
    soft_delete_days: int | None = 7
    versioning: bool = False
    change_feed: bool = False
    encryption: EncryptionConfig | None = None

    def changes(self) -> list[str]:
        """``name=value`` of every setting that differs from the default account's, in field
        order (the seed of a derived account name)."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value != getattr(DEFAULT_SETTINGS, f.name):
                out.append(f"{f.name}={_canonical(value)}")
        return out

    def describe(self) -> str:
        """The settings that differ from the defaults, for notes and comments."""
        namespace = "ADLS Gen2" if self.hierarchical_namespace else "flat namespace"
        public = "public access allowed" if self.allow_public_access else "no public access"
        days = self.soft_delete_days
        words = {
            "redundancy": f"{self.redundancy} redundancy",
            "access_tier": f"{self.access_tier} access tier",
            "hierarchical_namespace": namespace,
            "allow_public_access": public,
            "soft_delete_days": f"soft delete {days} days" if days else "no soft delete",
            "versioning": "versioning" if self.versioning else "no versioning",
            "change_feed": "change feed" if self.change_feed else "no change feed",
            "encryption": "customer-managed key",
        }
        parts = [words[c.partition("=")[0]] for c in self.changes()]
        return ", ".join(parts) or "default settings"


#: What a container without BlobConfig or account-level advanced features gets.
DEFAULT_SETTINGS = AccountSettings()


def blob_config(bucket: IRBucket) -> BlobConfig:
    """The bucket's BlobConfig (defaults when none was given)."""
    config = bucket.config
    return config if isinstance(config, BlobConfig) else BlobConfig()


def account_settings(bucket: IRBucket) -> tuple[AccountSettings, list[str]]:
    """The account-level settings ``bucket`` needs, and what the compiler chose for it (for
    the compile notes). Raises ConflictingConfigError for a pinned contradiction."""
    cfg = blob_config(bucket)
    adv = bucket.advanced
    replicated = adv is not None and adv.replication is not None
    chosen: list[str] = []
    namespace = cfg.hierarchical_namespace
    if replicated and namespace is True:
        raise ConflictingConfigError(
            f"Container {bucket.bucket_name!r} ({bucket.describe()}) pins "
            "BlobConfig(hierarchical_namespace=True) and sets advanced_config.replication, "
            "which contradict on Azure: object replication works only in storage accounts with "
            "a flat namespace. Drop hierarchical_namespace (the compiler then gives this "
            "container a flat-namespace account), or drop replication and use "
            "BlobConfig(replication='GRS' or 'RAGRS') for a geo-redundant copy in the paired "
            "region."
        )
    if namespace is None:
        namespace = not replicated
        if replicated:
            chosen.append("flat namespace (object replication needs it)")
    if replicated and not cfg.versioning:
        chosen.append("versioning and change feed (object replication needs them)")
    settings = AccountSettings(
        redundancy=cfg.replication,
        access_tier=cfg.tier,
        hierarchical_namespace=namespace,
        allow_public_access=cfg.allow_public_access,
        soft_delete_days=cfg.soft_delete_retention_days,
        versioning=cfg.versioning or replicated,
        change_feed=replicated,
        encryption=adv.custom_encryption if adv is not None else None,
    )
    return settings, chosen


def default_account_name(pipeline: str, provider: IRProvider, storage_account: str | None) -> str:
    """The provider's default account: ``storage_account``, else derived from the pipeline
    and the provider key."""
    return account_name(storage_account, pipeline, provider.key)


def group_account_name(default: str, settings: AccountSettings) -> str:
    """The account of containers with ``settings``: the default account for the default
    settings, else a name derived from the default and the settings that differ."""
    changes = settings.changes()
    return derived_account_name(default, *changes) if changes else default


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
    blob encryption, the customer-managed key when there is one)."""
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
    }
    if key is not None:
        args["identity"] = Call(
            ST + "IdentityArgs",
            {"type": "UserAssigned", "user_assigned_identities": [Expr(f"{key.identity}.id")]},
        )
    args["encryption"] = encryption_args(key)
    args["tags"] = tags or None
    return args


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


def _canonical(value: Any) -> str:
    """A stable text of a setting (models: their non-default fields, sorted)."""
    if isinstance(value, EncryptionConfig):
        return json.dumps(value.model_dump(mode="json", exclude_defaults=True), sort_keys=True)
    return str(value)


@dataclass(frozen=True)
class AccountPlan:
    """Where one container goes: its account's name and settings, and what the compiler
    chose for it."""

    name: str
    settings: AccountSettings
    #: Settings the compiler chose because a feature needs them (for the compile notes).
    chosen: tuple[str, ...]
    #: The provider's default account.
    default: bool
    #: The default account's name (for notes).
    default_name: str


def plan_account(pipeline: str, bucket: IRBucket, storage_account: str | None) -> AccountPlan:
    """The account of ``bucket``'s container: a pure function of its settings, the pipeline
    and the provider (never of the other containers)."""
    settings, chosen = account_settings(bucket)
    default = default_account_name(pipeline, bucket.provider, storage_account)
    name = group_account_name(default, settings)
    return AccountPlan(name, settings, tuple(chosen), name == default, default)


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
