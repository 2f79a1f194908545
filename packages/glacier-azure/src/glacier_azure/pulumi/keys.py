"""Customer-managed keys (``advanced_config.custom_encryption``): a Key Vault, a key with its
rotation policy, and the identity the storage account unwraps the key with. On Azure the key
encrypts a whole storage account, so containers sharing a key share an account (see
:mod:`glacier_azure.pulumi.accounts`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from glacier.plugin import Call, EncryptionConfig, Expr, IRProvider, KeyHandle, ProgramWriter
from glacier_azure.pulumi.names import vault_name

AZ = "azure_native."
ST = AZ + "storage."


@dataclass(frozen=True, kw_only=True)
class VaultKey(KeyHandle):
    """A Key Vault key and what the storage account needs to use it."""

    vault: str
    #: The user-assigned identity the account unwraps the key with.
    identity: str
    #: Its role assignment on the vault (the account waits for it).
    grant: str
    #: Infrastructure double encryption (``aws:kms:dsse``).
    double: bool


def emit_key(
    account: str,
    provider: IRProvider,
    placement: dict[str, Any],
    encryption: EncryptionConfig,
    tenant: Any,
    crypto_role: Any,
    tags: dict[str, str],
    out: ProgramWriter,
) -> VaultKey:
    """Key Vault (RBAC, purge protection) + key with rotation policy + the identity the
    account ``account`` decrypts with, granted Key Vault Crypto Service Encryption User on
    this vault only."""
    vault = out.resource(
        AZ + "keyvault.Vault",
        vault_name(account),
        {
            "vault_name": vault_name(account),
            **placement,
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
            "tags": tags or None,
        },
        comment="Key Vault for the account's customer-managed key (advanced_config)",
        provider=provider,
    )
    rotation = _rotation(encryption)
    key = out.resource(
        AZ + "keyvault.Key",
        f"{account}-key",
        {
            "key_name": f"{account}-key",
            "vault_name": Expr(f"{vault}.name"),
            "resource_group_name": placement["resource_group_name"],
            "properties": Call(
                AZ + "keyvault.KeyPropertiesArgs",
                {"kty": "RSA", "key_size": 2048, "rotation_policy": rotation},
            ),
            "tags": tags or None,
        },
        comment="Account encryption key"
        + (f", rotated every {encryption.rotation_days} days" if rotation else ""),
        provider=provider,
    )
    identity = out.resource(
        AZ + "managedidentity.UserAssignedIdentity",
        f"{account}-encryption",
        {**placement, "tags": tags or None},
        comment="Identity the storage account uses to unwrap its key",
        provider=provider,
    )
    grant = out.resource(
        AZ + "authorization.RoleAssignment",
        f"{account}-encryption-key-user",
        {
            "principal_id": Expr(f"{identity}.principal_id"),
            "principal_type": "ServicePrincipal",
            "role_definition_id": crypto_role,
            "scope": Expr(f"{vault}.id"),
        },
        comment="Key Vault Crypto Service Encryption User, on this vault only",
        provider=provider,
    )
    return VaultKey(
        var=key,
        ref=Expr(f"{key}.name"),
        vault=vault,
        identity=identity,
        grant=grant,
        double=encryption.algorithm == "aws:kms:dsse",
    )


def encryption_args(key: VaultKey | None) -> Call:
    """``encryption=`` of a storage account: blob encryption with Microsoft's keys, or with
    ``key`` (its vault, its identity)."""
    args: dict[str, Any] = {
        "key_source": "Microsoft.Storage",
        "services": Call(
            ST + "EncryptionServicesArgs",
            {"blob": Call(ST + "EncryptionServiceArgs", {"enabled": True, "key_type": "Account"})},
        ),
    }
    if key is not None:
        args.update(
            {
                "key_source": "Microsoft.Keyvault",
                "key_vault_properties": Call(
                    ST + "KeyVaultPropertiesArgs",
                    {
                        "key_name": Expr(f"{key.var}.name"),
                        "key_vault_uri": Expr(f"{key.vault}.properties.vault_uri"),
                    },
                ),
                "encryption_identity": Call(
                    ST + "EncryptionIdentityArgs",
                    {"encryption_user_assigned_identity": Expr(f"{key.identity}.id")},
                ),
                "require_infrastructure_encryption": True if key.double else None,
            }
        )
    return Call(ST + "EncryptionArgs", args)


def _rotation(encryption: EncryptionConfig) -> Call | None:
    if not encryption.kms_key_rotation:
        return None
    return Call(
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
