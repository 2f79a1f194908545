"""Storage accounts and containers: secure by default, BlobConfig and AdvancedStorageConfig."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glacier.compiler.errors import ConflictingConfigError
from glacier.compiler.ir import IRBucket, IRProvider
from glacier.compiler.program import HookTarget, ProgramWriter
from glacier.compiler.pyrender import Call, Expr
from glacier.escape_hatch import AdvancedStorageConfig, LifecycleTier, tier_level
from glacier_azure.config import BlobConfig
from glacier_azure.pulumi.names import CRYPTO_ENCRYPTION_USER_ROLE, account_name, vault_name

if TYPE_CHECKING:
    from glacier_azure.pulumi.emitter import AzureEmitter

AZ = "azure_native."
ST = AZ + "storage."
#: Neutral level -> ManagementPolicyBaseBlob action.
TIER_ACTIONS = {"cool": "tier_to_cool", "cold": "tier_to_cold", "archive": "tier_to_archive"}
ACCESS_TIERS = {"hot": "Hot", "cool": "Cool", "cold": "Cold"}


def _account_settings(emitter: AzureEmitter, provider: IRProvider) -> tuple[BlobConfig, Any]:
    """The BlobConfig and encryption shared by every container of one storage account."""
    buckets = [b for b in emitter.ir.buckets if b.provider.key == provider.key]
    configs = {b.config or BlobConfig() for b in buckets}
    encs = {(b.advanced.custom_encryption if b.advanced else None) for b in buckets}
    if len(configs) > 1 or len(encs) > 1:
        names = ", ".join(repr(b.bucket_name) for b in buckets)
        raise ConflictingConfigError(
            f"Containers {names} share the storage account of {provider.key} but have different "
            "BlobConfig or custom_encryption, which are account-level on Azure. Give them the "
            "same settings, or use one Provider (storage_account) per setting."
        )
    return configs.pop(), encs.pop()


def emit_account(
    emitter: AzureEmitter,
    provider: IRProvider,
    out: ProgramWriter,
    name: str | None = None,
    cfg: BlobConfig | None = None,
    encryption: Any = None,
    versioning: bool = False,
    access_tier: str | None = None,
    comment: str | None = None,
) -> str:
    """Resource group, storage account (secure defaults) and blob service properties."""
    if name is None:
        cfg, encryption = _account_settings(emitter, provider)
        name = account_name(provider.config.storage_account, emitter.ir.pipeline, provider.key)
        versioning = any(
            b.advanced and b.advanced.replication
            for b in emitter.ir.buckets
            if b.provider.key == provider.key
        )
    cfg = cfg or BlobConfig()
    rg = emitter.resource_group(provider, out)
    enc_args: dict[str, Any] = {
        "key_source": "Microsoft.Storage",
        "services": Call(
            ST + "EncryptionServicesArgs",
            {"blob": Call(ST + "EncryptionServiceArgs", {"enabled": True, "key_type": "Account"})},
        ),
    }
    account_args: dict[str, Any] = {
        "account_name": name,
        "resource_group_name": Expr(f"{rg}.name"),
        "location": provider.config.location,
        "kind": "StorageV2",
        "sku": Call(ST + "SkuArgs", {"name": f"Standard_{cfg.replication}"}),
        "access_tier": access_tier or cfg.tier,
        "is_hns_enabled": cfg.hierarchical_namespace,
        "allow_blob_public_access": cfg.allow_public_access,
        "allow_cross_tenant_replication": False,
        "minimum_tls_version": "TLS1_2",
        "enable_https_traffic_only": True,
        "allow_shared_key_access": cfg.allow_shared_key_access,
        "default_to_o_auth_authentication": True,
        "network_rule_set": network_rules(cfg),
    }
    depends: list[str] = []
    if encryption is not None:
        key_args, identity, grant = _key_vault(emitter, provider, name, rg, encryption, out)
        enc_args.update(key_args)
        account_args["identity"] = Call(
            ST + "IdentityArgs",
            {"type": "UserAssigned", "user_assigned_identities": [Expr(f"{identity}.id")]},
        )
        depends.append(grant)
    account_args["encryption"] = Call(ST + "EncryptionArgs", enc_args)
    account_args["tags"] = emitter.tags_of(provider) or None
    var = out.resource(
        ST + "StorageAccount",
        name,
        account_args,
        comment=comment
        or f"Storage account of {provider.key}: TLS 1.2+, HTTPS only, no public blob access, "
        + ("shared keys allowed (BlobConfig)" if cfg.allow_shared_key_access else "Entra ID only"),
        provider=provider,
        var_hint=f"{name}_account",
        depends_on=depends,
    )
    retention = cfg.soft_delete_retention_days
    out.resource(
        ST + "BlobServiceProperties",
        f"{name}-blob-service",
        {
            "account_name": Expr(f"{var}.name"),
            "resource_group_name": Expr(f"{rg}.name"),
            "blob_services_name": "default",
            "is_versioning_enabled": cfg.versioning or versioning or None,
            "change_feed": Call(ST + "ChangeFeedArgs", {"enabled": True}) if versioning else None,
            "delete_retention_policy": Call(
                ST + "DeleteRetentionPolicyArgs", {"enabled": True, "days": retention}
            )
            if retention
            else None,
            "container_delete_retention_policy": Call(
                ST + "DeleteRetentionPolicyArgs", {"enabled": True, "days": retention}
            )
            if retention
            else None,
        },
        comment="Blob service: versioning, change feed, soft delete (BlobConfig)",
        provider=provider,
    )
    return var


def network_rules(cfg: BlobConfig) -> Call:
    """The account's firewall: with ``allowed_ip_ranges``, deny every other network (Azure
    services, logging and metrics bypass); without, allow all networks (identities still
    required: Glacier's runtime and functions reach the account over its public endpoint)."""
    ranges = list(cfg.allowed_ip_ranges)
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


def _key_vault(
    emitter: AzureEmitter,
    provider: IRProvider,
    account: str,
    rg: str,
    encryption: Any,
    out: ProgramWriter,
) -> tuple[dict[str, Any], str, str]:
    """Key Vault + key with rotation policy + the identity the account decrypts with."""
    tenant: Any = provider.config.tenant_id or Expr(
        f"{emitter.client_config(provider, out)}.tenant_id"
    )
    tags = emitter.tags_of(provider) or None
    vault = out.resource(
        AZ + "keyvault.Vault",
        vault_name(account),
        {
            "vault_name": vault_name(account),
            "resource_group_name": Expr(f"{rg}.name"),
            "location": provider.config.location,
            "properties": Call(
                AZ + "keyvault.VaultPropertiesArgs",
                {
                    "tenant_id": tenant,
                    "sku": Call(AZ + "keyvault.SkuArgs", {"family": "A", "name": "standard"}),
                    "enable_rbac_authorization": True,
                    "enable_purge_protection": True,
                    "enable_soft_delete": True,
                    "soft_delete_retention_in_days": 90,
                },
            ),
            "tags": tags,
        },
        comment="Key Vault for the account's customer-managed key (advanced_config)",
        provider=provider,
    )
    rotation = None
    if encryption.kms_key_rotation:
        rotation = Call(
            AZ + "keyvault.RotationPolicyArgs",
            {
                "lifetime_actions": [
                    Call(
                        AZ + "keyvault.LifetimeActionArgs",
                        {
                            "action": Call(AZ + "keyvault.ActionArgs", {"type": "rotate"}),
                            "trigger": Call(
                                AZ + "keyvault.TriggerArgs",
                                {"time_after_create": f"P{encryption.rotation_days}D"},
                            ),
                        },
                    )
                ],
            },
        )
    key = out.resource(
        AZ + "keyvault.Key",
        f"{account}-key",
        {
            "key_name": f"{account}-key",
            "vault_name": Expr(f"{vault}.name"),
            "resource_group_name": Expr(f"{rg}.name"),
            "properties": Call(
                AZ + "keyvault.KeyPropertiesArgs",
                {"kty": "RSA", "key_size": 2048, "rotation_policy": rotation},
            ),
            "tags": tags,
        },
        comment="Account encryption key"
        + (f", rotated every {encryption.rotation_days} days" if rotation else ""),
        provider=provider,
    )
    identity = out.resource(
        AZ + "managedidentity.UserAssignedIdentity",
        f"{account}-encryption",
        {
            "resource_group_name": Expr(f"{rg}.name"),
            "location": provider.config.location,
            "tags": tags,
        },
        comment="Identity the storage account uses to unwrap its key",
        provider=provider,
    )
    grant = out.resource(
        AZ + "authorization.RoleAssignment",
        f"{account}-encryption-key-user",
        {
            "principal_id": Expr(f"{identity}.principal_id"),
            "principal_type": "ServicePrincipal",
            "role_definition_id": emitter.role_id(provider, CRYPTO_ENCRYPTION_USER_ROLE, out),
            "scope": Expr(f"{vault}.id"),
        },
        comment="Key Vault Crypto Service Encryption User, on this vault only",
        provider=provider,
    )
    args = {
        "key_source": "Microsoft.Keyvault",
        "key_vault_properties": Call(
            AZ + "storage.KeyVaultPropertiesArgs",
            {
                "key_name": Expr(f"{key}.name"),
                "key_vault_uri": Expr(f"{vault}.properties.vault_uri"),
            },
        ),
        "encryption_identity": Call(
            AZ + "storage.EncryptionIdentityArgs",
            {"encryption_user_assigned_identity": Expr(f"{identity}.id")},
        ),
        "require_infrastructure_encryption": True
        if encryption.algorithm == "aws:kms:dsse"
        else None,
    }
    return args, identity, grant


def emit_container(emitter: AzureEmitter, bucket: IRBucket, out: ProgramWriter) -> None:
    provider = bucket.provider
    ref = f"account:{provider.key}"
    adv: AdvancedStorageConfig | None = bucket.advanced
    if not out.has_ref(ref):
        out.set_ref(ref, emit_account(emitter, provider, out))
        _management_policy(emitter, provider, out)
    account = out.ref(ref)
    rg = emitter.resource_group(provider, out)
    cfg: BlobConfig = bucket.config or BlobConfig()
    scope = None
    if cfg.encryption_scope:
        scope = out.resource(
            ST + "EncryptionScope",
            f"{bucket.bucket_name}-{cfg.encryption_scope}",
            {
                "account_name": Expr(f"{account}.name"),
                "resource_group_name": Expr(f"{rg}.name"),
                "encryption_scope_name": cfg.encryption_scope,
                "source": "Microsoft.Storage",
                "state": "Enabled",
            },
            comment=f"Encryption scope {cfg.encryption_scope!r} (BlobConfig.encryption_scope)",
            provider=provider,
        )
    parts = [f"{n!r} ({p or '/'})" for n, p in zip(bucket.names, bucket.paths, strict=True)]
    container = out.resource(
        ST + "BlobContainer",
        bucket.bucket_name,
        {
            "container_name": bucket.bucket_name,
            "account_name": Expr(f"{account}.name"),
            "resource_group_name": Expr(f"{rg}.name"),
            "public_access": "Container" if cfg.allow_public_access else "None",
            "default_encryption_scope": Expr(f"{scope}.name") if scope else None,
            "deny_encryption_scope_override": True if scope else None,
        },
        comment=f"Glacier bucket {', '.join(parts)} -> container {bucket.bucket_name!r}",
        provider=provider,
        var_hint=f"{bucket.bucket_name}_container",
        target=HookTarget(tuple(bucket.names), provider, bucket.tags),
    )
    out.set_ref(f"bucket:{bucket.key}", container)
    if adv and adv.object_lock:
        lock = adv.object_lock
        if lock.mode == "COMPLIANCE":
            raise emitter.unsupported(
                f"Object lock mode COMPLIANCE (bucket {bucket.bucket_name!r})",
                "ObjectLockConfig(mode='GOVERNANCE') (an unlocked time-based immutability "
                "policy), then lock it once with `az storage container immutability-policy lock`",
                "Locking a container immutability policy is an action, not a resource setting",
            )
        out.resource(
            ST + "BlobContainerImmutabilityPolicy",
            f"{bucket.bucket_name}-immutability",
            {
                "account_name": Expr(f"{account}.name"),
                "container_name": Expr(f"{container}.name"),
                "resource_group_name": Expr(f"{rg}.name"),
                "immutability_policy_name": "default",
                "immutability_period_since_creation_in_days": lock.retention_days,
                "allow_protected_append_writes": False,
            },
            comment=f"Object lock ({lock.mode}): unlocked time-based retention, "
            f"{lock.retention_days} days",
            provider=provider,
        )
    if adv and adv.replication:
        from glacier_azure.pulumi.replication import emit_replication

        emit_replication(emitter, bucket, account, container, cfg, out)
    out.export(f"{provider.key}/{bucket.bucket_name}", Expr(f"{container}.name"))


def _management_policy(emitter: AzureEmitter, provider: IRProvider, out: ProgramWriter) -> None:
    rules = []
    for bucket in emitter.ir.buckets:
        if bucket.provider.key != provider.key or not bucket.advanced:
            continue
        actions = tier_actions(emitter, bucket.advanced.tiers(), bucket.bucket_name)
        if actions:
            rules.append(
                Call(
                    ST + "ManagementPolicyRuleArgs",
                    {
                        "name": f"glacier-{bucket.bucket_name}",
                        "type": "Lifecycle",
                        "enabled": True,
                        "definition": Call(
                            ST + "ManagementPolicyDefinitionArgs",
                            {
                                "filters": Call(
                                    ST + "ManagementPolicyFilterArgs",
                                    {
                                        "blob_types": ["blockBlob"],
                                        "prefix_match": [f"{bucket.bucket_name}/"],
                                    },
                                ),
                                "actions": Call(
                                    ST + "ManagementPolicyActionArgs",
                                    {
                                        "base_blob": Call(
                                            ST + "ManagementPolicyBaseBlobArgs", actions
                                        )
                                    },
                                ),
                            },
                        ),
                    },
                )
            )
    if not rules:
        return
    account = out.ref(f"account:{provider.key}")
    rg = emitter.resource_group(provider, out)
    out.resource(
        ST + "ManagementPolicy",
        f"{provider.key}-lifecycle",
        {
            "account_name": Expr(f"{account}.name"),
            "resource_group_name": Expr(f"{rg}.name"),
            "management_policy_name": "default",
            "policy": Call(ST + "ManagementPolicySchemaArgs", {"rules": rules}),
        },
        comment="Lifecycle tiers (advanced_config.lifecycle_tiers), one rule per container",
        provider=provider,
    )


def tier_actions(emitter: AzureEmitter, tiers: list[LifecycleTier], bucket: str) -> dict[str, Any]:
    """``{"tier_to_cool": DateAfterModificationArgs(...), ...}`` for the tiers."""
    actions: dict[str, Any] = {}
    for tier in tiers:
        if tier.level is None:
            raise emitter.unsupported(
                f"Lifecycle tier {tier.name!r} (bucket {bucket!r})",
                "explicit tiers such as ('cool', 30), ('cold', 90)",
                "Azure has no automatically tiering storage class",
            )
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


def access_tier(emitter: AzureEmitter, name: str, bucket: str) -> str:
    """The account access tier for a replication ``storage_class``."""
    level = tier_level(name)
    if level not in ACCESS_TIERS:
        raise emitter.unsupported(
            f"Replica storage class {name!r} (bucket {bucket!r})",
            "storage_class='cold' plus a lifecycle tier ('archive', days) on the replica",
            "An Azure account's default access tier can be Hot, Cool or Cold, not Archive",
        )
    return ACCESS_TIERS[level]
