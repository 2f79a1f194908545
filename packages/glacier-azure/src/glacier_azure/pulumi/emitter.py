"""``AzureEmitter``: the Azure steps of Glacier's emitter template (pulumi-azure-native 3).

Providers and resource groups (:mod:`.provider`), storage accounts grouped by their
account-level settings (:mod:`.accounts`, :mod:`.keys`), containers (:mod:`.storage`,
:mod:`.replication`), identities and role assignments (:mod:`.access`), Function Apps
(:mod:`.functions`) and Synapse workspaces (:mod:`.synapse`); the deployment: the artifact
blob and the Container Apps driver (:mod:`.driver`, :mod:`.jobs`, :mod:`.image`), its
schedules, triggers and alerts (:mod:`.operate`). Generates code as text; never imports
Pulumi.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from glacier.plugin import (
    ArtifactHandle,
    BucketGrant,
    BucketHandle,
    CompilerError,
    DriverHandle,
    EncryptionConfig,
    ExecutorHandle,
    Expr,
    FunctionHandle,
    IdentityHandle,
    IRAlarm,
    IRArtifact,
    IRBucket,
    IRCompute,
    IRDriver,
    IRProvider,
    IRSchedule,
    IRTrigger,
    MergeRule,
    ObjectLockConfig,
    ProgramWriter,
    PulumiEmitter,
    ReplicationConfig,
    Serverless,
    TierRule,
)
from glacier_azure.config import SynapseConfig
from glacier_azure.pulumi import (
    access,
    driver,
    functions,
    operate,
    replication,
    storage,
    synapse,
)
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
        if identity.compute.kind == "driver":
            return driver.grant_access(self.ir, identity, grants, out)
        return access.grant_access(self.ir, identity, grants, purpose, out)

    def identity_ref(self, identity: IdentityHandle) -> Any:
        """The managed identity's principal (object) id: what role assignments name."""
        return Expr(f"{identity.var}.principal_id")

    def object_uri(self, bucket: BucketHandle, key: str) -> Any:
        return driver.abfss(bucket, key)

    # -- functions and executors -----------------------------------------------------------
    def function_resource(
        self, function: IRCompute, identity: IdentityHandle, out: ProgramWriter
    ) -> str | None:
        app = functions.emit_function(self.ir, function, identity, out)
        resource = function.resource
        assert isinstance(resource, Serverless)
        name, route = driver.function_route(function.config, resource)
        out.deployment.resource(
            function.name,
            "function",
            name=name,
            id=Expr(f"{app}.id"),
            url=driver.function_record(app, route),
        )
        return app

    def executor_resource(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> str | None:
        cfg = executor.config
        if not isinstance(cfg, SynapseConfig):
            return super().executor_resource(executor, identity, staging, out)
        pool = synapse.emit_synapse(self.ir, executor, identity, cfg, out)
        out.deployment.resource(
            executor.name,
            "executor",
            name=cfg.spark_pool_name,
            id=Expr(f"{pool}.id"),
            url=cfg.endpoint or f"https://{cfg.workspace_name}.dev.azuresynapse.net",
        )
        return pool

    def existing_executor(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> str | None:
        """A Synapse pool named by ``SynapseConfig.existing_spark_pool``: recorded by name
        (with its workspace's endpoint), not created."""
        cfg = executor.config
        if not isinstance(cfg, SynapseConfig) or not cfg.existing_spark_pool:
            return super().existing_executor(executor, identity, staging, out)
        out.deployment.resource(
            executor.name,
            "executor",
            name=cfg.existing_spark_pool,
            url=cfg.endpoint or f"https://{cfg.workspace_name}.dev.azuresynapse.net",
        )
        out.notes.append(
            f"{executor.name}: Synapse pool {cfg.existing_spark_pool!r} of workspace "
            f"{cfg.workspace_name!r} exists: its identity's data access is granted here; attach "
            "the identity to the workspace and grant it Synapse RBAC yourself"
        )
        return None

    # -- the deployment: artifact, driver, schedules, triggers, alarms ----------------------
    def artifact_resource(
        self, artifact: IRArtifact, bucket: BucketHandle, info: str, out: ProgramWriter
    ) -> tuple[str, Any]:
        return driver.emit_artifact(artifact, bucket, info, self.ir.pipeline, out)

    def driver_identity(self, d: IRDriver, out: ProgramWriter) -> IdentityHandle:
        return driver.emit_identity(d, out, self.ir)

    def driver_access(
        self,
        identity: IdentityHandle,
        functions: Sequence[FunctionHandle],
        executors: Sequence[ExecutorHandle],
        out: ProgramWriter,
    ) -> list[str]:
        return driver.emit_access(self, identity, functions, executors, out)

    def driver_resource(
        self, d: IRDriver, identity: IdentityHandle, artifact: ArtifactHandle, out: ProgramWriter
    ) -> DriverHandle:
        return driver.emit_driver(self, d, identity, artifact, out)

    def schedule_resource(
        self, schedule: IRSchedule, handle: DriverHandle, out: ProgramWriter
    ) -> None:
        operate.emit_schedule(schedule, handle, out)

    def trigger_resource(
        self, trigger: IRTrigger, handle: DriverHandle, out: ProgramWriter
    ) -> None:
        out.notes += operate.emit_trigger(self.ir, trigger, handle, out)

    def alarm_resource(self, alarm: IRAlarm, handle: DriverHandle, out: ProgramWriter) -> None:
        operate.emit_alarm(self.ir, alarm, handle, out)

    def finish(self, out: ProgramWriter) -> None:
        """One lifecycle policy per storage account (Azure allows one): its containers'
        rules; the deployment record blob gets the complete record as its content."""
        accounts = [a for a in registry(out).by_name.values() if a.lifecycle_rules]
        if accounts:
            out.section("Lifecycle policies (one per storage account)")
        for account in accounts:
            storage.emit_management_policy(account, out)
        handle = out.handles.driver
        if handle is not None and handle.driver.provider.cloud == self.cloud:
            driver.finish_record(handle, out)

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
