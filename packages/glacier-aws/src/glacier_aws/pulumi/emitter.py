"""``AwsEmitter``: the AWS steps of Glacier's emitter template (pulumi-aws 7).

Providers, S3 buckets (:mod:`.storage`, :mod:`.replication`), IAM roles and policies
(:mod:`.policy`), Lambda functions and Glue jobs (:mod:`.compute`). Generates code as text;
never imports Pulumi.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from glacier.plugin import (
    ArtifactHandle,
    BucketGrant,
    BucketHandle,
    Call,
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
    PulumiEmitter,
    ReplicationConfig,
    TierRule,
    any_true,
    one_of,
    strongest,
)
from glacier_aws.config import AwsConfig, GlueConfig, S3Config
from glacier_aws.pulumi import compute, driver, operate, policy, replication, storage

#: Services that assume an executor's role, by engine (other engines ask their own emitter).
ENGINE_SERVICES = {"glue": "glue.amazonaws.com"}


class AwsEmitter(PulumiEmitter):
    """AWS: explicit ``aws.Provider`` per account/region, S3 buckets, IAM roles."""

    cloud: ClassVar[str] = "aws"
    label: ClassVar[str] = "AWS"
    imports: ClassVar[tuple[str, ...]] = ("import pulumi_aws as aws",)
    requirements: ClassVar[tuple[str, ...]] = ("pulumi-aws>=7.0,<8",)
    bucket_merge_rules: ClassVar[dict[str, MergeRule]] = {
        "versioning": any_true,
        "encryption": strongest(["AES256", "aws:kms", "aws:kms:dsse"]),
        "kms_key_id": one_of,
        "public_access_block": any_true,
        "enforce_tls": any_true,
        "cors": one_of,
    }
    bucket_per_path_fields: ClassVar[tuple[str, ...]] = ("lifecycle_rules",)

    @classmethod
    def scope_bucket_config(cls, config: Any, path: str) -> Any:
        return storage.scope_lifecycle(config, path)

    # -- providers -------------------------------------------------------------------------
    def provider_resource(self, provider: IRProvider, out: ProgramWriter, comment: str) -> str:
        config = aws_config(provider)
        args: dict[str, Any] = {
            "region": config.region,
            "allowed_account_ids": [config.account_id] if config.account_id else None,
            "assume_roles": [Call("aws.ProviderAssumeRoleArgs", {"role_arn": config.role_arn})]
            if config.role_arn
            else None,
        }
        if config.endpoint_url:
            args["endpoints"] = [Call("aws.ProviderEndpointArgs", {"s3": config.endpoint_url})]
            args["s3_use_path_style"] = True
        return out.resource(
            "aws.Provider",
            provider.key,
            args,
            comment=f"{comment}: AWS {config.region}",
            var_hint=provider.key,
        )

    # -- buckets ---------------------------------------------------------------------------
    def bucket_key(
        self, bucket: IRBucket, encryption: EncryptionConfig, out: ProgramWriter
    ) -> KeyHandle:
        return storage.emit_key(bucket.bucket_name, bucket.provider, bucket.tags, encryption, out)

    def bucket_resource(
        self, bucket: IRBucket, key: KeyHandle | None, out: ProgramWriter
    ) -> BucketHandle:
        return storage.emit_bucket(bucket, key, out)

    def versioning_reason(self, bucket: IRBucket) -> str | None:
        return storage.versioning_reason(s3_config(bucket), bucket.advanced)

    def bucket_versioning(self, handle: BucketHandle, reason: str, out: ProgramWriter) -> str:
        return storage.emit_versioning(
            handle.bucket.bucket_name, handle.var, handle.provider, reason, out
        )

    def bucket_lifecycle(
        self, handle: BucketHandle, tiers: Sequence[TierRule], out: ProgramWriter
    ) -> None:
        storage.emit_lifecycle(handle, s3_config(handle.bucket), tiers, out)

    def bucket_lock(self, handle: BucketHandle, lock: ObjectLockConfig, out: ProgramWriter) -> None:
        storage.emit_lock(handle, lock, out)

    def bucket_replication(
        self, handle: BucketHandle, rep: ReplicationConfig, out: ProgramWriter
    ) -> None:
        replication.emit_replication(self, handle, rep, out)

    def bucket_extras(self, handle: BucketHandle, out: ProgramWriter) -> None:
        storage.emit_cors(handle, s3_config(handle.bucket), out)

    def existing_bucket(self, bucket: IRBucket, out: ProgramWriter) -> BucketHandle:
        return storage.reference_bucket(bucket, out)

    def bucket_outputs(self, handle: BucketHandle, out: ProgramWriter) -> None:
        out.export(
            f"{handle.provider.key}/{handle.bucket.bucket_name}", Expr(f"{handle.var}.bucket")
        )

    # -- identities ------------------------------------------------------------------------
    def identity_resource(self, compute: IRCompute, out: ProgramWriter) -> IdentityHandle:
        service = self._trusted_service(compute)
        role = out.resource(
            "aws.iam.Role",
            f"{compute.name}-role",
            {
                "description": f"Glacier {compute.kind} {compute.name}",
                "assume_role_policy": policy.assume_role(service),
                "tags": compute.tags or None,
            },
            comment=f"Glacier {compute.kind} {compute.name!r}: its own role, assumed by {service}",
            provider=compute.provider,
            var_hint=f"{compute.name}_role",
            target=HookTarget((compute.name,), compute.provider, compute.tags),
        )
        out.export(f"{compute.kind} {compute.name} role", Expr(f"{role}.arn"))
        return IdentityHandle(role, compute)

    def grant_access(
        self,
        identity: IdentityHandle,
        grants: Sequence[BucketGrant],
        purpose: str,
        out: ProgramWriter,
    ) -> list[str]:
        """One inline policy per purpose: object actions on each grant's prefix, listing
        limited to it, and use of the bucket's KMS key."""
        compute = identity.compute
        statements: list[dict[str, Any]] = []
        for n, grant in enumerate(grants, start=1):
            # Read1, Write2, ... for the DAG's grants; StagingRead, StagingWrite for staging
            sid = (
                f"{grant.mode.title()}{n}"
                if purpose == "access"
                else f"{purpose.title()}{grant.mode.title()}"
            )
            statements += policy.bucket_grant(grant.bucket.var, grant.prefix, grant.mode, sid)
            if grant.bucket.key is not None:
                statements.append(policy.kms_grant(grant.bucket.key.ref, grant.mode, f"{sid}Key"))
        described = [f"  {g.mode} {g.bucket.bucket.bucket_name}/{g.prefix}*" for g in grants]
        why = "derived from the DAG" if purpose == "access" else "(job packages, inputs, results)"
        var = out.resource(
            "aws.iam.RolePolicy",
            f"{compute.name}-{purpose}",
            {"role": Expr(f"{identity.var}.id"), "policy": policy.document(statements)},
            comment=[f"Least-privilege {purpose} of {compute.name!r} {why}:", *described],
            provider=compute.provider,
            var_hint=f"{compute.name}_{purpose}_policy",
        )
        return [var]

    def _trusted_service(self, compute: IRCompute) -> str:
        if compute.kind == "function":
            return "lambda.amazonaws.com"
        engine = getattr(type(compute.config), "engine", "")
        if engine in ENGINE_SERVICES:
            return ENGINE_SERVICES[engine]
        emitter = self.engine_for(compute)
        service = emitter.trusted_service(self.cloud) if emitter else None
        if service is None:
            raise self.unsupported(
                f"An identity for the {engine or 'local'} executor {compute.name!r}",
                "run the task on a Glue or Databricks executor, or create the role with a "
                "PulumiCustomization hook",
            )
        return service

    def identity_ref(self, identity: IdentityHandle) -> Any:
        return Expr(f"{identity.var}.arn")

    def object_uri(self, bucket: BucketHandle, key: str) -> Any:
        return f"s3://{bucket.bucket.bucket_name}/{key}"

    # -- functions and executors -----------------------------------------------------------
    def function_resource(
        self, function: IRCompute, identity: IdentityHandle, out: ProgramWriter
    ) -> str | None:
        var = compute.emit_function(self, function, identity, out)
        out.deployment.resource(
            function.name, "function", name=Expr(f"{var}.name"), id=Expr(f"{var}.arn")
        )
        return var

    def default_staging(self, executor: IRCompute) -> str | None:
        cfg = executor.config
        if isinstance(cfg, GlueConfig) and not cfg.entrypoint_uri:
            return compute.default_staging_name(self.ir.pipeline, executor.name)
        return None

    def executor_resource(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> str | None:
        if not isinstance(executor.config, GlueConfig):
            return super().executor_resource(executor, identity, staging, out)
        var = compute.emit_glue(executor, identity, staging, executor.config, out)
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
        """A Glue job named by ``GlueConfig.job_name``: recorded by that name, not created."""
        cfg = executor.config
        if isinstance(cfg, GlueConfig) and cfg.job_name:
            out.deployment.resource(executor.name, "executor", name=cfg.job_name)
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


def aws_config(provider: IRProvider) -> AwsConfig:
    """The provider's config, as the AwsConfig it must be for this emitter."""
    config = provider.config
    if not isinstance(config, AwsConfig):  # pragma: no cover - the registry routes by type
        raise TypeError(f"AwsEmitter got a provider with {type(config).__name__}")
    return config


def s3_config(bucket: IRBucket) -> S3Config:
    """The bucket's S3Config (defaults when none was given)."""
    config = bucket.config
    return config if isinstance(config, S3Config) else S3Config()
