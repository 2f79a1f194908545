"""Containers: secure by default, honouring BlobConfig and AdvancedStorageConfig.

The container steps of :class:`glacier_azure.pulumi.emitter.AzureEmitter`'s bucket template:
the container (with its encryption scope), container-level immutability (object lock),
lifecycle rules (collected per storage account, emitted as one ManagementPolicy per account
at the end) and references to existing containers. The accounts themselves are
:mod:`glacier_azure.pulumi.accounts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glacier.plugin import (
    Call,
    ConflictingConfigError,
    Expr,
    HookTarget,
    IRBucket,
    LifecycleTier,
    ObjectLockConfig,
    ProgramWriter,
    TierRule,
    UnsupportedFeatureError,
    tier_level,
)
from glacier_azure.pulumi.accounts import ST, ContainerHandle, StorageAccount
from glacier_azure.pulumi.grouping import blob_config

#: Neutral level -> ManagementPolicyBaseBlob action.
TIER_ACTIONS = {"cool": "tier_to_cool", "cold": "tier_to_cold", "archive": "tier_to_archive"}
ACCESS_TIERS = {"hot": "Hot", "cool": "Cool", "cold": "Cold"}


def emit_container(
    bucket: IRBucket, account: StorageAccount, out: ProgramWriter
) -> ContainerHandle:
    """The container in ``account``, with its default encryption scope when BlobConfig names
    one; no public access unless BlobConfig(allow_public_access=True)."""
    cfg = blob_config(bucket)
    scope = None
    if cfg.encryption_scope:
        scope = out.resource(
            ST + "EncryptionScope",
            f"{bucket.bucket_name}-{cfg.encryption_scope}",
            {
                **account.scoped(),
                "encryption_scope_name": cfg.encryption_scope,
                "source": "Microsoft.Storage",
                "state": "Enabled",
            },
            comment=f"Encryption scope {cfg.encryption_scope!r} (BlobConfig.encryption_scope)",
            provider=bucket.provider,
        )
    var = out.resource(
        ST + "BlobContainer",
        bucket.bucket_name,
        {
            "container_name": bucket.bucket_name,
            **account.scoped(),
            "public_access": "Container" if cfg.allow_public_access else "None",
            "default_encryption_scope": Expr(f"{scope}.name") if scope else None,
            "deny_encryption_scope_override": True if scope else None,
        },
        comment=f"Glacier bucket {bucket.describe()} -> container {bucket.bucket_name!r} in "
        f"storage account {account.name!r}",
        provider=bucket.provider,
        var_hint=f"{bucket.bucket_name}_container",
        target=HookTarget(tuple(bucket.names), bucket.provider, bucket.tags),
    )
    return ContainerHandle(var, bucket, parent=account.var, account=account)


def reference_container(
    bucket: IRBucket, account: StorageAccount, out: ProgramWriter
) -> ContainerHandle:
    """An existing container of the referenced ``account``, read by id: never created,
    changed or deleted."""
    container_id = Call(
        "pulumi.Output.concat",
        args=(Expr(f"{account.var}.id"), "/blobServices/default/containers/", bucket.bucket_name),
    )
    var = out.reference(
        ST + "BlobContainer",
        bucket.bucket_name,
        container_id,
        comment=[
            f"Glacier bucket {bucket.describe()} -> existing container {bucket.bucket_name!r} "
            f"in storage account {account.name!r}",
            "Referenced (existing=True): Glacier reads it, never changes or deletes it",
        ],
        provider=bucket.provider,
        var_hint=f"{bucket.bucket_name}_container",
    )
    return ContainerHandle(var, bucket, parent=account.var, existing=True, account=account)


def emit_lock(handle: ContainerHandle, lock: ObjectLockConfig, out: ProgramWriter) -> None:
    """A container-level time-based retention policy (unlocked: GOVERNANCE)."""
    name = handle.bucket.bucket_name
    if lock.mode == "COMPLIANCE":
        raise UnsupportedFeatureError(
            f"Object lock mode COMPLIANCE (bucket {name!r})",
            "Azure",
            "ObjectLockConfig(mode='GOVERNANCE') (an unlocked time-based immutability "
            "policy), then lock it once with `az storage container immutability-policy lock`",
            "Locking a container immutability policy is an action, not a resource setting",
        )
    out.resource(
        ST + "BlobContainerImmutabilityPolicy",
        f"{name}-immutability",
        {
            "account_name": Expr(f"{handle.account.var}.name"),
            "container_name": Expr(f"{handle.var}.name"),
            "resource_group_name": handle.account.resource_group_name,
            "immutability_policy_name": "default",
            "immutability_period_since_creation_in_days": lock.retention_days,
            "allow_protected_append_writes": False,
        },
        comment=f"Object lock ({lock.mode}): unlocked time-based retention, "
        f"{lock.retention_days} days",
        provider=handle.provider,
    )


def add_lifecycle_rules(handle: ContainerHandle, tiers: Sequence[TierRule]) -> None:
    """Lifecycle rules of the container's tiers, each filtered by its prefix; the account's
    ManagementPolicy (:func:`emit_management_policy`) holds them."""
    name = handle.bucket.bucket_name
    for n, rule in enumerate(tiers, start=1):
        actions = tier_actions(list(rule.tiers), name)
        if not actions:
            continue
        handle.account.lifecycle_rules.append(
            Call(
                ST + "ManagementPolicyRuleArgs",
                {
                    "name": f"glacier-{name}" if len(tiers) == 1 else f"glacier-{name}-{n}",
                    "type": "Lifecycle",
                    "enabled": True,
                    "definition": Call(
                        ST + "ManagementPolicyDefinitionArgs",
                        {
                            "filters": Call(
                                ST + "ManagementPolicyFilterArgs",
                                {
                                    "blob_types": ["blockBlob"],
                                    "prefix_match": [f"{name}/{rule.prefix}"],
                                },
                            ),
                            "actions": Call(
                                ST + "ManagementPolicyActionArgs",
                                {"base_blob": Call(ST + "ManagementPolicyBaseBlobArgs", actions)},
                            ),
                        },
                    ),
                },
            )
        )


def emit_management_policy(account: StorageAccount, out: ProgramWriter) -> None:
    """The account's one lifecycle policy (Azure allows one per account): every rule of its
    containers. The default account keeps the provider-based name of earlier releases."""
    if not account.lifecycle_rules:
        return
    name = f"{account.provider.key}-lifecycle" if account.default else f"{account.name}-lifecycle"
    out.resource(
        ST + "ManagementPolicy",
        name,
        {
            **account.scoped(),
            "management_policy_name": "default",
            "policy": Call(ST + "ManagementPolicySchemaArgs", {"rules": account.lifecycle_rules}),
        },
        comment=f"Lifecycle tiers (advanced_config.lifecycle_tiers) of storage account "
        f"{account.name!r}, one rule per container and path",
        provider=account.provider,
    )


def tier_actions(tiers: list[LifecycleTier], bucket: str) -> dict[str, Any]:
    """``{"tier_to_cool": DateAfterModificationArgs(...), ...}`` for the tiers."""
    actions: dict[str, Any] = {}
    for tier in tiers:
        if tier.level is None:
            raise UnsupportedFeatureError(
                f"Lifecycle tier {tier.name!r} (bucket {bucket!r})",
                "Azure",
                "explicit tiers such as ('cool', 30), ('cold', 90)",
                "Azure has no automatically tiering storage class",
            )
        if tier.level not in TIER_ACTIONS:
            continue  # hot: where objects start, not a transition
        action = TIER_ACTIONS[tier.level]
        if action in actions:
            raise ConflictingConfigError(
                f"Bucket {bucket!r}: two lifecycle tiers map to the Azure {action} action "
                f"({tier.name!r} and an earlier one); keep one per level on Azure."
            )
        actions[action] = Call(
            ST + "DateAfterModificationArgs", {"days_after_modification_greater_than": tier.days}
        )
    return actions


def access_tier(name: str, bucket: str) -> str:
    """The account access tier for a replication ``storage_class``."""
    level = tier_level(name)
    if level is None or level not in ACCESS_TIERS:
        raise UnsupportedFeatureError(
            f"Replica storage class {name!r} (bucket {bucket!r})",
            "Azure",
            "storage_class='cold' plus a lifecycle tier ('archive', days) on the replica",
            "An Azure account's default access tier can be Hot, Cool or Cold, not Archive",
        )
    return ACCESS_TIERS[level]
