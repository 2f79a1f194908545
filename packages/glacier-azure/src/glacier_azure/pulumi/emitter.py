"""``AzureEmitter``: the Azure steps of Glacier's emitter template (pulumi-azure-native 3).

Providers and resource groups (:mod:`.provider`), storage accounts grouped by their
account-level settings (:mod:`.accounts`, :mod:`.keys`), containers (:mod:`.storage`,
:mod:`.replication`), identities and role assignments (:mod:`.access`), Function Apps
(:mod:`.functions`) and Synapse workspaces (:mod:`.synapse`). Generates code as text; never
imports Pulumi.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from glacier.plugin import (
    BucketGrant,
    BucketHandle,
    CompilerError,
    EncryptionConfig,
    Expr,
    IdentityHandle,
    IRBucket,
    IRCompute,
    IRProvider,
    MergeRule,
    ObjectLockConfig,
    ProgramWriter,
    PulumiEmitter,
    ReplicationConfig,
    TierRule,
)
from glacier_azure.config import SynapseConfig
from glacier_azure.pulumi import access, functions, replication, storage, synapse
from glacier_azure.pulumi.accounts import (
    ContainerHandle,
    StorageAccount,
    account_key,
    reference_account,
    registry,
    storage_account,
)
from glacier_azure.pulumi.grouping import (
    DEFAULT_SETTINGS,
    AccountPlan,
    blob_config,
    default_account_name,
    plan_account,
)
from glacier_azure.pulumi.keys import VaultKey
from glacier_azure.pulumi.merge import BLOB_MERGE_RULES
from glacier_azure.pulumi.provider import azure_config, placement, subscription_id
from glacier_azure.pulumi.regions import azure_location

AZ = "azure_native."


class AzureEmitter(PulumiEmitter):
    """Azure: explicit provider per subscription/location, one resource group per provider,
    one storage account per distinct set of account-level settings, a container per bucket,
    user-assigned identities."""

    cloud: ClassVar[str] = "azure"
    label: ClassVar[str] = "Azure"
    imports: ClassVar[tuple[str, ...]] = ("import pulumi_azure_native as azure_native",)
    requirements: ClassVar[tuple[str, ...]] = ("pulumi-azure-native>=3.0,<4",)
    bucket_merge_rules: ClassVar[dict[str, MergeRule]] = BLOB_MERGE_RULES

    # -- providers -------------------------------------------------------------------------
    def provider_resource(self, provider: IRProvider, out: ProgramWriter, comment: str) -> str:
        config = azure_config(provider)
        return out.resource(
            AZ + "Provider",
            provider.key,
            {
                "location": config.location,
                "subscription_id": config.subscription_id,
                "tenant_id": config.tenant_id,
            },
            comment=f"{comment}: Azure {config.location}",
            var_hint=provider.key,
        )

    def placement(self, provider: IRProvider, out: ProgramWriter) -> dict[str, Any]:
        return placement(self.ir, provider, out)

    # -- buckets ---------------------------------------------------------------------------
    def account_plan(self, bucket: IRBucket) -> AccountPlan:
        """The storage account of ``bucket``'s container (see :mod:`.grouping`)."""
        config = azure_config(bucket.provider)
        return plan_account(self.ir.pipeline, bucket, config.storage_account)

    def bucket_key(
        self, bucket: IRBucket, encryption: EncryptionConfig, out: ProgramWriter
    ) -> VaultKey:
        """The key of the container's account (one per account: containers with the same
        key settings share the account)."""
        plan = self.account_plan(bucket)
        return account_key(self.ir, plan.name, bucket.provider, encryption, out)

    def bucket_resource(self, bucket: IRBucket, key: Any, out: ProgramWriter) -> ContainerHandle:
        """The container in the account of its settings group (the account, with ``key``,
        is emitted with the group's first container)."""
        plan = self.account_plan(bucket)
        account = self._account(plan, bucket.provider, out)
        if not plan.default:
            bucket.notes.append(_placement_note(bucket, plan))
        return storage.emit_container(bucket, account, out)

    def versioning_reason(self, bucket: IRBucket) -> str | None:
        if blob_config(bucket).versioning:
            return "BlobConfig(versioning=True)"
        if bucket.advanced is not None and bucket.advanced.replication is not None:
            return "required by object replication"
        return None

    def bucket_versioning(self, handle: BucketHandle, reason: str, out: ProgramWriter) -> str:
        """Versioning is a setting of the container's account (its group asks for it): the
        account's blob service properties turn it on."""
        service = container(handle).account.blob_service
        if service is None:  # pragma: no cover - a referenced account holds no such group
            raise CompilerError(f"Versioning of {handle.bucket.bucket_name!r}: no blob service")
        return service

    def bucket_lifecycle(
        self, handle: BucketHandle, tiers: Sequence[TierRule], out: ProgramWriter
    ) -> None:
        storage.add_lifecycle_rules(container(handle), tiers)

    def bucket_lock(self, handle: BucketHandle, lock: ObjectLockConfig, out: ProgramWriter) -> None:
        storage.emit_lock(container(handle), lock, out)

    def bucket_replication(
        self, handle: BucketHandle, rep: ReplicationConfig, out: ProgramWriter
    ) -> None:
        bucket = handle.bucket
        what = f"{bucket.bucket_name}: advanced_config.replication.destination_region"
        location, note = azure_location(rep.destination_region, what)
        if note:
            bucket.notes.append(note)
        config = replication.replica_config(azure_config(handle.provider), location)
        destination = self.ensure_provider(config, out, "Provider for replication")
        replication.emit_replication(self.ir, container(handle), rep, destination, out)

    def existing_bucket(self, bucket: IRBucket, out: ProgramWriter) -> ContainerHandle:
        """An existing container of the provider's default account: inside the account this
        program creates when other containers need it, else in the referenced account
        ``AzureConfig.storage_account`` of ``AzureConfig.resource_group``."""
        return storage.reference_container(bucket, self._default_account(bucket.provider, out), out)

    def bucket_outputs(self, handle: BucketHandle, out: ProgramWriter) -> None:
        key = f"{handle.provider.key}/{handle.bucket.bucket_name}"
        out.export(key, Expr(f"{handle.var}.name"))
        out.export(f"{key} account", Expr(f"{container(handle).account.var}.name"))

    # -- identities ------------------------------------------------------------------------
    def identity_resource(self, compute: IRCompute, out: ProgramWriter) -> IdentityHandle:
        return access.emit_identity(self.ir, compute, out)

    def grant_access(
        self,
        identity: IdentityHandle,
        grants: Sequence[BucketGrant],
        purpose: str,
        out: ProgramWriter,
    ) -> list[str]:
        return access.grant_access(self.ir, identity, grants, purpose, out)

    # -- functions and executors -----------------------------------------------------------
    def function_resource(
        self, function: IRCompute, identity: IdentityHandle, out: ProgramWriter
    ) -> None:
        functions.emit_function(self.ir, function, identity, out)

    def executor_resource(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> None:
        if not isinstance(executor.config, SynapseConfig):
            super().executor_resource(executor, identity, staging, out)
            return
        synapse.emit_synapse(self.ir, executor, identity, executor.config, out)

    def finish(self, out: ProgramWriter) -> None:
        """One lifecycle policy per storage account (Azure allows one): its containers'
        rules."""
        accounts = [a for a in registry(out).by_name.values() if a.lifecycle_rules]
        if accounts:
            out.section("Lifecycle policies (one per storage account)")
        for account in accounts:
            storage.emit_management_policy(account, out)

    # -- storage accounts ------------------------------------------------------------------
    def _account(
        self, plan: AccountPlan, provider: IRProvider, out: ProgramWriter
    ) -> StorageAccount:
        secure = "TLS 1.2+, HTTPS only"
        if not plan.settings.allow_public_access:
            secure += ", no public blob access"
        what = "" if plan.default else f" for {plan.settings.describe()}"
        return storage_account(
            self.ir,
            plan.name,
            provider,
            plan.settings,
            f"Storage account of {provider.key}{what}: {secure}",
            out,
            default=plan.default,
        )

    def _default_account(self, provider: IRProvider, out: ProgramWriter) -> StorageAccount:
        """The provider's default account: created when a container of this program with
        default settings (or an executor's staging container) needs it, else referenced."""
        config = azure_config(provider)
        name = default_account_name(self.ir.pipeline, provider, config.storage_account)
        if self._creates_default(provider):
            plan = AccountPlan(name, DEFAULT_SETTINGS, (), True, name)
            return self._account(plan, provider, out)
        if not config.storage_account or not config.resource_group:
            raise CompilerError(
                f"The existing containers of provider {provider.key} live in a storage account "
                "that this program does not create; name it: AzureConfig(storage_account=..., "
                "resource_group=...) (the account and its resource group)."
            )

        def emit() -> StorageAccount:
            sub = subscription_id(provider, out)
            return reference_account(name, provider, config.resource_group or "", sub, out)

        return out.handles.once(("azure-storage-account", name), emit)

    def _creates_default(self, provider: IRProvider) -> bool:
        """Whether this program creates the provider's default account: a managed container
        with default settings, or a staging container that is no pipeline bucket."""
        for bucket in self.ir.buckets:
            mine = bucket.provider.key == provider.key and not bucket.existing
            if mine and self.account_plan(bucket).default:
                return True
        names = {b.bucket_name for b in self.ir.buckets if b.provider.key == provider.key}
        for executor in self.ir.executors:
            staging = getattr(executor.config, "staging_bucket", None)
            if executor.provider.key == provider.key and staging and staging not in names:
                return True
        return False


def container(handle: BucketHandle) -> ContainerHandle:
    """``handle`` as the ContainerHandle every Azure bucket step returns."""
    if not isinstance(handle, ContainerHandle):  # pragma: no cover - the template passes ours
        raise TypeError(f"AzureEmitter got a {type(handle).__name__}, not a ContainerHandle")
    return handle


def _placement_note(bucket: IRBucket, plan: AccountPlan) -> str:
    chosen = f" The compiler chose {'; '.join(plan.chosen)}." if plan.chosen else ""
    return (
        f"{bucket.bucket_name}: container in storage account {plan.name!r} "
        f"({plan.settings.describe()}), not the provider's default account "
        f"{plan.default_name!r}: these are account-level settings on Azure.{chosen} At run "
        f"time, AzureConfig(storage_account={plan.name!r}) reaches it."
    )
