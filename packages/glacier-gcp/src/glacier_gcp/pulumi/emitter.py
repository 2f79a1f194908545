"""``GcpEmitter``: the GCP steps of Glacier's emitter template (pulumi-gcp 10).

Providers, GCS buckets (:mod:`.storage`, :mod:`.replication`), service accounts and
prefix-limited grants (:mod:`.iam`), Cloud Functions and Dataproc (:mod:`.compute`).
Generates code as text; never imports Pulumi.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from glacier.plugin import (
    ArtifactHandle,
    BucketConfig,
    BucketGrant,
    BucketHandle,
    DriverHandle,
    EncryptionConfig,
    ExecutorHandle,
    Expr,
    FunctionHandle,
    HookTarget,
    IdentityHandle,
    IRAlarm,
    IRArtifact,
    IRBucket,
    IRCompute,
    IRDriver,
    IRProvider,
    IRSchedule,
    IRTrigger,
    KeyHandle,
    MergeRule,
    ObjectLockConfig,
    ProgramWriter,
    ProviderConfig,
    PulumiEmitter,
    ReplicationConfig,
    TierRule,
    all_true,
    any_true,
    longest,
    one_of,
)
from glacier_gcp.config import DataprocConfig, GcsConfig
from glacier_gcp.pulumi import compute, driver, iam, operate, replication, storage
from glacier_gcp.pulumi.labels import account_id


class GcpEmitter(PulumiEmitter):
    """GCP: explicit ``gcp.Provider`` per project/region, GCS buckets, service accounts."""

    cloud: ClassVar[str] = "gcp"
    label: ClassVar[str] = "GCP"
    imports: ClassVar[tuple[str, ...]] = ("import pulumi_gcp as gcp",)
    requirements: ClassVar[tuple[str, ...]] = ("pulumi-gcp>=10.0,<11",)
    #: GcsConfig fields of a shared bucket: the stronger value wins (unlisted:
    #: ``storage_class`` must be equal); ``location`` set on one part applies to all.
    bucket_merge_rules: ClassVar[dict[str, MergeRule]] = {
        "versioning": any_true,
        "public_access_prevention": any_true,
        "uniform_bucket_level_access": any_true,
        "soft_delete_retention_days": longest,
        "force_destroy": all_true,
        "location": one_of,
    }
    bucket_per_path_fields: ClassVar[tuple[str, ...]] = ("lifecycle_rules",)

    @classmethod
    def provider_key(cls, config: ProviderConfig) -> str:
        return f"gcp-{getattr(config, 'project', '')}-{getattr(config, 'region', '')}"

    @classmethod
    def scope_bucket_config(cls, config: BucketConfig, path: str) -> BucketConfig:
        return storage.scope_lifecycle(config, path) if isinstance(config, GcsConfig) else config

    # -- providers -------------------------------------------------------------------------
    def provider_resource(self, provider: IRProvider, out: ProgramWriter, comment: str) -> str:
        config = storage.gcp_config(provider)
        return out.resource(
            "gcp.Provider",
            provider.key,
            {"project": config.project, "region": config.region},
            comment=f"{comment}: GCP {config.project} {config.region}",
            var_hint=provider.key,
        )

    def placement(self, provider: IRProvider, out: ProgramWriter) -> dict[str, Any]:
        """Every GCP resource names its project."""
        return {"project": storage.gcp_config(provider).project}

    # -- buckets ---------------------------------------------------------------------------
    def bucket_key(
        self, bucket: IRBucket, encryption: EncryptionConfig, out: ProgramWriter
    ) -> KeyHandle:
        return storage.emit_key(bucket, encryption, out)

    def bucket_resource(
        self, bucket: IRBucket, key: KeyHandle | None, out: ProgramWriter
    ) -> BucketHandle:
        return storage.emit_bucket(bucket, key, out)

    def versioning_reason(self, bucket: IRBucket) -> str | None:
        return "GcsConfig(versioning=True)" if storage.gcs_config(bucket).versioning else None

    def bucket_versioning(self, handle: BucketHandle, reason: str, out: ProgramWriter) -> str:
        return storage.amend_versioning(handle, out)

    def bucket_lifecycle(
        self, handle: BucketHandle, tiers: Sequence[TierRule], out: ProgramWriter
    ) -> None:
        storage.amend_lifecycle(handle, tiers, out)

    def bucket_lock(self, handle: BucketHandle, lock: ObjectLockConfig, out: ProgramWriter) -> None:
        storage.amend_retention(handle, lock, out)

    def bucket_replication(
        self, handle: BucketHandle, rep: ReplicationConfig, out: ProgramWriter
    ) -> None:
        replication.emit_replication(handle, rep, out)

    def bucket_extras(self, handle: BucketHandle, out: ProgramWriter) -> None:
        storage.amend_soft_delete(handle, out)

    def existing_bucket(self, bucket: IRBucket, out: ProgramWriter) -> BucketHandle:
        return storage.reference_bucket(bucket, out)

    def bucket_outputs(self, handle: BucketHandle, out: ProgramWriter) -> None:
        out.export(f"{handle.provider.key}/{handle.bucket.bucket_name}", Expr(f"{handle.var}.name"))

    # -- identities ------------------------------------------------------------------------
    def identity_resource(self, compute: IRCompute, out: ProgramWriter) -> IdentityHandle:
        provider = compute.provider
        sa = out.resource(
            "gcp.serviceaccount.Account",
            f"{compute.name}-sa",
            {
                "account_id": account_id(compute.name),
                "display_name": f"Glacier {compute.kind} {compute.name}",
                "project": storage.gcp_config(provider).project,
            },
            comment=f"Glacier {compute.kind} {compute.name!r}: its own service account",
            provider=provider,
            var_hint=f"{compute.name}_sa",
            target=HookTarget((compute.name,), provider, compute.tags),
        )
        out.export(f"{compute.kind} {compute.name} service account", Expr(f"{sa}.email"))
        return IdentityHandle(sa, compute)

    def grant_access(
        self,
        identity: IdentityHandle,
        grants: Sequence[BucketGrant],
        purpose: str,
        out: ProgramWriter,
    ) -> list[str]:
        """One prefix-limited ``BucketIAMMember`` per grant (``<name>-<mode>-<bucket>`` for
        the DAG's grants, ``<name>-<purpose>-<mode>`` for others such as staging)."""
        name = identity.compute.name
        return [
            iam.grant_member(
                identity,
                grant,
                f"{name}-{grant.mode}-{grant.bucket.bucket.bucket_name}"
                if purpose == "access"
                else f"{name}-{purpose}-{grant.mode}",
                out,
            )
            for grant in grants
        ]

    def identity_ref(self, identity: IdentityHandle) -> Any:
        return Expr(f"{identity.var}.email")

    def object_uri(self, bucket: BucketHandle, key: str) -> Any:
        return f"gs://{bucket.bucket.bucket_name}/{key}"

    # -- functions and executors -----------------------------------------------------------
    def function_resource(
        self, function: IRCompute, identity: IdentityHandle, out: ProgramWriter
    ) -> str | None:
        sources = compute.sources_bucket(function.provider)
        handle = out.handles.buckets.get(sources.key) or self.emit_bucket(sources, out)
        var = compute.emit_function(self.ir, function, identity, handle, out)
        resource = function.resource
        out.deployment.resource(
            function.name,
            "function",
            name=getattr(resource, "function_name", None),
            id=Expr(f"{var}.id"),
            url=Expr(f"{var}.url"),
        )
        return var

    def executor_resource(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> str | None:
        if not isinstance(executor.config, DataprocConfig):
            return super().executor_resource(executor, identity, staging, out)
        var = compute.emit_dataproc(executor, identity, executor.config, staging, out)
        if var is not None:
            out.deployment.resource(executor.name, "executor", name=Expr(f"{var}.name"))
        return var

    def existing_executor(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> str | None:
        """A Dataproc cluster named by ``DataprocConfig.cluster_name``: recorded by that
        name, not created (the executor's worker binding is still emitted)."""
        cfg = executor.config
        if isinstance(cfg, DataprocConfig) and cfg.cluster_name:
            out.deployment.resource(executor.name, "executor", name=cfg.cluster_name)
        return super().existing_executor(executor, identity, staging, out)

    # -- the deployment: artifact, driver, schedules, triggers, alarms ----------------------
    def artifact_resource(
        self, artifact: IRArtifact, bucket: BucketHandle, info: str, out: ProgramWriter
    ) -> tuple[str, Any]:
        return driver.emit_artifact(artifact, bucket, info, self.ir.pipeline, out)

    def driver_identity(self, d: IRDriver, out: ProgramWriter) -> IdentityHandle:
        return driver.emit_identity(d, out)

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
        out.notes += operate.emit_trigger(trigger, handle, out)

    def alarm_resource(self, alarm: IRAlarm, handle: DriverHandle, out: ProgramWriter) -> None:
        operate.emit_alarm(alarm, handle, out)

    def finish(self, out: ProgramWriter) -> None:
        """The deployment record object gets the complete record as its content."""
        handle = out.handles.driver
        if handle is not None and handle.driver.provider.cloud == self.cloud:
            driver.finish_record(handle, out)
