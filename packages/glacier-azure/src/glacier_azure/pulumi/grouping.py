"""Which storage account holds a container, and its name: a pure function of its settings.

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
from dataclasses import dataclass, fields
from typing import Any

from glacier.plugin import ConflictingConfigError, EncryptionConfig, IRBucket, IRProvider
from glacier_azure.config import BlobConfig
from glacier_azure.pulumi.names import account_name, derived_account_name


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
    #: Shared-key (account key, SAS) access; off by default: Entra ID only.
    allow_shared_key_access: bool = False
    #: Firewall: the only networks allowed (empty: all networks, identities still required).
    allowed_ip_ranges: tuple[str, ...] = ()

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
            "allow_shared_key_access": "shared keys allowed"
            if self.allow_shared_key_access
            else "Entra ID only",
            "allowed_ip_ranges": f"networks {', '.join(self.allowed_ip_ranges)}"
            if self.allowed_ip_ranges
            else "all networks",
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
        encryption=_azure_key(adv.custom_encryption if adv is not None else None),
        allow_shared_key_access=cfg.allow_shared_key_access,
        allowed_ip_ranges=tuple(cfg.allowed_ip_ranges),
    )
    return settings, chosen


def _azure_key(encryption: EncryptionConfig | None) -> EncryptionConfig | None:
    """What of ``encryption`` makes a different key on Azure: ``kms`` and ``aws:kms`` are the
    same Key Vault key, and the rotation period matters only when the key rotates."""
    if encryption is None:
        return None
    update: dict[str, Any] = {}
    if encryption.algorithm == "aws:kms":
        update["algorithm"] = "kms"
    if not encryption.kms_key_rotation:
        update["rotation_days"] = EncryptionConfig.model_fields["rotation_days"].default
    return encryption.model_copy(update=update) if update else encryption


def default_account_name(pipeline: str, provider: IRProvider, storage_account: str | None) -> str:
    """The provider's default account: ``storage_account``, else derived from the pipeline
    and the provider key."""
    return account_name(storage_account, pipeline, provider.key)


def group_account_name(default: str, settings: AccountSettings) -> str:
    """The account of containers with ``settings``: the default account for the default
    settings, else a name derived from the default and the settings that differ."""
    changes = settings.changes()
    return derived_account_name(default, *changes) if changes else default


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


def _canonical(value: Any) -> str:
    """A stable text of a setting (models: their non-default fields, sorted)."""
    if isinstance(value, EncryptionConfig):
        return json.dumps(value.model_dump(mode="json", exclude_defaults=True), sort_keys=True)
    return str(value)
