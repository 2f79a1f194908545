"""The emitter template: one emit sequence in core, per-feature methods in each cloud plugin.

A cloud plugin registers a subclass of :class:`PulumiEmitter` by dotted path
(``PulumiEmitterSpec(provider_config=AwsConfig, emitter="glacier_aws.pulumi:AwsEmitter")``).
The compiler calls :meth:`~PulumiEmitter.emit_provider` for every provider of the cloud,
then :meth:`~PulumiEmitter.emit_bucket`, :meth:`~PulumiEmitter.emit_function` and
:meth:`~PulumiEmitter.emit_executor` (each in sorted order), and :meth:`~PulumiEmitter.finish`
once at the end. Those four are the *template*: they fix the sequence every cloud follows and
record typed handles (:mod:`glacier.compiler.handles`); a plugin fills in the steps:

==========================  ===========================================================
step                        default
==========================  ===========================================================
``provider_resource``       abstract: the explicit Pulumi provider instance
``bucket_key``              unsupported-feature error (customer-managed key requested)
``bucket_resource``         abstract: the bucket itself, secure by default
``bucket_versioning``       unsupported-feature error (when ``versioning_reason`` says so)
``bucket_lifecycle``        unsupported-feature error when tiers are requested
``bucket_lock``             unsupported-feature error (object lock requested)
``bucket_replication``      unsupported-feature error (replication requested)
``bucket_extras``           nothing (cloud-specific settings such as CORS)
``existing_bucket``         unsupported-feature error (``existing=True`` buckets)
``bucket_outputs``          export the bucket's name
``identity_resource``       abstract: the identity a function/executor runs as
``grant_access``            abstract: least-privilege grants of one identity
``function_resource``       unsupported-feature error
``executor_resource``       unsupported-feature error (engine emitters override it)
``existing_executor``       record the reference (a config naming an existing engine)
``identity_ref``            ``None``: what names an identity in the deployment record
``object_uri``              unsupported-feature error: the URI engines read an object by
``artifact_resource``       unsupported-feature error: upload the code artifact
``driver_identity``         unsupported-feature error: the driver's identity
``driver_access``           unsupported-feature error: invoke/submit grants of the driver
``driver_resource``         unsupported-feature error: the driver (container job)
``schedule_resource``       unsupported-feature error: a cron schedule starting the driver
``trigger_resource``        unsupported-feature error: bucket events starting the driver
``alarm_resource``          unsupported-feature error: alerts on failed driver runs
==========================  ===========================================================

When an engine emitter orchestrates the pipeline itself (:meth:`EngineEmitter.orchestrates`,
e.g. a Databricks Job), the compiler calls :meth:`~PulumiEmitter.emit_job` instead of the
driver steps: the artifact, reads of other executors' staging, then the engine's
:meth:`EngineEmitter.job_resource` (see :mod:`glacier.compiler.job_ir`). Otherwise, after
the executors, the compiler calls :meth:`~PulumiEmitter.emit_artifact`,
:meth:`~PulumiEmitter.emit_driver`, then :meth:`~PulumiEmitter.emit_schedule`,
:meth:`~PulumiEmitter.emit_trigger` and :meth:`~PulumiEmitter.emit_alarm` for each, on the
emitter of the driver's cloud (see :mod:`glacier.compiler.deploy_ir`). Every step records
what it created through ``out.deployment`` (:mod:`glacier.compiler.deployment`); the program
exports that record once, as the ``glacier_deployment`` stack output.

Every unsupported step raises :class:`~glacier.compiler.errors.UnsupportedFeatureError`
naming the feature, the cloud and the nearest alternative, at compile time: nothing is
dropped silently, and a plugin that lacks a step fails before anything is deployed.
Emitters write through :class:`glacier.compiler.program.ProgramWriter`; they never build
code by concatenating user strings.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from glacier.compiler.errors import UnsupportedFeatureError
from glacier.compiler.handles import (
    ArtifactHandle,
    BucketGrant,
    BucketHandle,
    DriverHandle,
    ExecutorHandle,
    FunctionHandle,
    IdentityHandle,
    ProviderHandle,
)
from glacier.compiler.merge import MergeRule, Part, merge_fields
from glacier.compiler.pyrender import Call, Expr

if TYPE_CHECKING:
    from glacier.compiler.deploy_ir import IRAlarm, IRArtifact, IRDriver, IRSchedule, IRTrigger
    from glacier.compiler.ir import IRBucket, IRCompute, IRGraph, IRProvider, TierRule
    from glacier.compiler.job_ir import IRJob
    from glacier.compiler.program import ProgramWriter
    from glacier.escape_hatch import EncryptionConfig, ObjectLockConfig, ReplicationConfig
    from glacier.models import BucketConfig, ProviderConfig

#: Where executors stage job packages in their staging bucket (see ExecutorAdapter.staging).
STAGING_PREFIX = "_glacier/jobs/"


class PulumiEmitter(ABC):
    """Renders the IR resources of one cloud (see the module docstring for the steps)."""

    #: Cloud key, matches ``ProviderConfig.cloud``.
    cloud: ClassVar[str] = ""
    #: Human name for messages ("AWS", "Azure", "GCP").
    label: ClassVar[str] = ""
    #: ``import`` lines the program needs, e.g. ``("import pulumi_aws as aws",)``.
    imports: ClassVar[tuple[str, ...]] = ()
    #: Requirement lines for requirements.txt (the SDK ranges the tests ran against).
    requirements: ClassVar[tuple[str, ...]] = ()
    #: How each field of this cloud's bucket config merges when several Glacier buckets
    #: share one cloud bucket (see :mod:`glacier.compiler.merge`; unlisted: must be equal).
    bucket_merge_rules: ClassVar[dict[str, MergeRule]] = {}
    #: Bucket config fields that apply per path (scoped by :meth:`scope_bucket_config`).
    bucket_per_path_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ir: IRGraph) -> None:
        self.ir = ir

    # -- naming and merging (class level: the IR builder uses them) ----------------------
    @classmethod
    def provider_key(cls, config: ProviderConfig) -> str:
        """A readable base name for a provider instance (``aws-us-east-1``)."""
        region = getattr(config, "region", None) or getattr(config, "location", None) or ""
        return f"{cls.cloud}-{region}".strip("-")

    @classmethod
    def scope_bucket_config(cls, config: BucketConfig, path: str) -> BucketConfig:
        """``config``'s per-path fields limited to objects under ``path`` (e.g. lifecycle
        rules filtered by the prefix). Default: no per-path fields, unchanged."""
        return config

    @classmethod
    def merge_bucket_configs(
        cls, provider: ProviderConfig, parts: Sequence[Part[BucketConfig]]
    ) -> tuple[BucketConfig, list[str]]:
        """One cloud bucket's config from several Glacier buckets' configs: bucket-level
        fields by :attr:`bucket_merge_rules`, per-path fields scoped and concatenated.
        Returns the config and notes for the compile summary."""
        first = parts[0].value
        config_type = type(first)
        for part in parts[1:]:
            if type(part.value) is not config_type:
                raise UnsupportedFeatureError(
                    f"Different bucket config types on one bucket ({config_type.__name__}, "
                    f"{type(part.value).__name__})",
                    cls.label or cls.cloud,
                    "use one config type per cloud bucket",
                )
        fields = list(type(first).model_fields)
        merged, notes = merge_fields(
            parts, fields, cls.bucket_merge_rules, per_path=cls.bucket_per_path_fields
        )
        for name in cls.bucket_per_path_fields:
            values: list[Any] = []
            for part in parts:
                scoped = cls.scope_bucket_config(part.value, part.path)
                values += list(getattr(scoped, name) or [])
            merged[name] = values or getattr(first, name)
        if cls.bucket_per_path_fields:
            scoped_names = ", ".join(repr(p.name) for p in parts)
            notes.append(
                f"{', '.join(cls.bucket_per_path_fields)} apply per path: rules filtered by "
                f"the prefix of {scoped_names}"
            )
        return first.model_copy(update=merged), notes

    # -- template: providers ---------------------------------------------------------------
    def emit_provider(self, provider: IRProvider, out: ProgramWriter) -> ProviderHandle:
        """The explicit provider instance of ``provider`` (every resource names it)."""
        var = self.provider_resource(provider, out, f"Glacier provider {provider.key}")
        handle = ProviderHandle(var, provider)
        out.handles.providers[provider.key] = handle
        config = provider.config
        region = getattr(config, "region", None) or getattr(config, "location", None)
        out.deployment.provider(provider.key, provider.cloud, region)
        return handle

    def ensure_provider(self, config: ProviderConfig, out: ProgramWriter, why: str) -> IRProvider:
        """The provider for ``config``: the pipeline's own when it has one, else a new one
        (e.g. for a replica in another region)."""
        from glacier.compiler.ir import IRProvider

        for provider in self.ir.providers:
            if provider.config == config:
                return provider
        provider = IRProvider(self.provider_key(config), config)
        if provider.key not in out.handles.providers:
            var = self.provider_resource(provider, out, why)
            out.handles.providers[provider.key] = ProviderHandle(var, provider)
        return provider

    @abstractmethod
    def provider_resource(self, provider: IRProvider, out: ProgramWriter, comment: str) -> str:
        """Emit the provider instance; return its variable."""

    # -- template: buckets -----------------------------------------------------------------
    def emit_bucket(self, bucket: IRBucket, out: ProgramWriter) -> BucketHandle:
        """Emit one cloud bucket: key, bucket (secure defaults), versioning, lifecycle,
        lock, replication, extras, outputs, in that order."""
        for name in bucket.names:
            if name in self.ir.glacier_names():
                out.deployment.resource(
                    name, "bucket", name=bucket.bucket_name, existing=bucket.existing or None
                )
        if bucket.existing:
            handle = self.existing_bucket(bucket, out)
            out.handles.buckets[bucket.key] = handle
            self.bucket_outputs(handle, out)
            return handle
        adv = bucket.advanced
        key = None
        if adv is not None and adv.custom_encryption is not None:
            key = self.bucket_key(bucket, adv.custom_encryption, out)
        handle = self.bucket_resource(bucket, key, out)
        handle.key = key
        out.handles.buckets[bucket.key] = handle
        reason = self.versioning_reason(bucket)
        if reason:
            handle.versioning = self.bucket_versioning(handle, reason, out)
        self.bucket_lifecycle(handle, bucket.tier_rules, out)
        if adv is not None and adv.object_lock is not None:
            self.bucket_lock(handle, adv.object_lock, out)
        if adv is not None and adv.replication is not None:
            self.bucket_replication(handle, adv.replication, out)
        self.bucket_extras(handle, out)
        self.bucket_outputs(handle, out)
        return handle

    def bucket_key(self, bucket: IRBucket, encryption: EncryptionConfig, out: ProgramWriter) -> Any:
        """Emit the customer-managed key of ``bucket``; return a
        :class:`~glacier.compiler.handles.KeyHandle`."""
        raise self.unsupported(
            f"Customer-managed encryption keys (bucket {bucket.bucket_name!r})",
            "the cloud's default encryption (drop advanced_config.custom_encryption)",
        )

    @abstractmethod
    def bucket_resource(self, bucket: IRBucket, key: Any, out: ProgramWriter) -> BucketHandle:
        """Emit the bucket itself with the cloud's secure defaults (encrypted with ``key``
        when given, no public access, TLS only); return its handle."""

    def versioning_reason(self, bucket: IRBucket) -> str | None:
        """Why ``bucket`` needs versioning (shown in the program), or None. Default: never."""
        return None

    def bucket_versioning(self, handle: BucketHandle, reason: str, out: ProgramWriter) -> str:
        """Turn versioning on; return the variable others depend on."""
        raise self.unsupported(
            f"Versioning (bucket {handle.bucket.bucket_name!r}, {reason})",
            "a bucket config without versioning",
        )

    def bucket_lifecycle(
        self, handle: BucketHandle, tiers: Sequence[TierRule], out: ProgramWriter
    ) -> None:
        """Emit lifecycle rules: ``tiers`` (from advanced_config, scoped by prefix) plus
        the cloud config's own rules. Called for every bucket."""
        if tiers:
            raise self.unsupported(
                f"Lifecycle tiers (bucket {handle.bucket.bucket_name!r})",
                "the cloud's lifecycle rules through a PulumiCustomization hook",
            )

    def bucket_lock(self, handle: BucketHandle, lock: ObjectLockConfig, out: ProgramWriter) -> None:
        """Emit write-once retention for every new object."""
        raise self.unsupported(
            f"Object lock (bucket {handle.bucket.bucket_name!r})",
            "versioning plus a retention policy through a PulumiCustomization hook",
        )

    def bucket_replication(
        self, handle: BucketHandle, replication: ReplicationConfig, out: ProgramWriter
    ) -> None:
        """Emit the replica bucket and the replication of every new object to it."""
        raise self.unsupported(
            f"Replication (bucket {handle.bucket.bucket_name!r})",
            "a multi-region bucket, or replication through a PulumiCustomization hook",
        )

    def bucket_extras(self, handle: BucketHandle, out: ProgramWriter) -> None:  # noqa: B027
        """Cloud-specific settings of the bucket config (CORS, ...). Default: none."""

    def existing_bucket(self, bucket: IRBucket, out: ProgramWriter) -> BucketHandle:
        """Reference a bucket that exists already (``existing=True``): look it up, never
        create, change or delete it."""
        raise self.unsupported(
            f"Existing buckets (bucket {bucket.bucket_name!r}, existing=True)",
            "let Glacier create the bucket (drop existing=True)",
        )

    def bucket_outputs(self, handle: BucketHandle, out: ProgramWriter) -> None:
        """Stack outputs of a bucket. Default: its name, as ``<provider>/<bucket>``."""
        out.export(f"{handle.provider.key}/{handle.bucket.bucket_name}", handle.bucket.bucket_name)

    # -- template: identities, functions, executors ---------------------------------------
    def emit_identity(self, compute: IRCompute, out: ProgramWriter) -> IdentityHandle:
        """The identity of a function or executor, with exactly the grants its tasks need
        (reads separate from writes, no wildcards)."""
        handle = self.identity_resource(compute, out)
        out.handles.identities[compute.name] = handle
        grants: list[BucketGrant] = []
        for grant in compute.grants:
            bucket = self.ir.bucket(grant.bucket)
            self.check_same_cloud(compute, bucket)
            grants.append(BucketGrant(out.handles.bucket(bucket.key), grant.prefix, grant.mode))
        if grants:
            self.grant_access(handle, grants, "access", out)
        return handle

    @abstractmethod
    def identity_resource(self, compute: IRCompute, out: ProgramWriter) -> IdentityHandle:
        """Emit the role / managed identity / service account of ``compute``."""

    @abstractmethod
    def grant_access(
        self,
        identity: IdentityHandle,
        grants: Sequence[BucketGrant],
        purpose: str,
        out: ProgramWriter,
    ) -> list[str]:
        """Emit ``grants`` for ``identity`` (``purpose``: ``"access"`` for the DAG's grants,
        ``"staging"`` for an executor's staging prefix); return the resources' variables."""

    def identity_ref(self, identity: IdentityHandle) -> Any:
        """What names ``identity`` in the deployment record (an Expr: a role ARN, a service
        account e-mail, a managed identity's client id). Default: ``None`` (not recorded)."""
        return None

    def emit_function(self, function: IRCompute, out: ProgramWriter) -> None:
        """A function: its identity and grants, then the function itself."""
        identity = self.emit_identity(function, out)
        var = self.function_resource(function, identity, out)
        out.handles.functions[function.name] = FunctionHandle(var, function, identity)
        out.deployment.resource(function.name, "function", identity=self.identity_ref(identity))

    def function_resource(
        self, function: IRCompute, identity: IdentityHandle, out: ProgramWriter
    ) -> str | None:
        """Emit the function (code package, logs) running as ``identity``; return the
        function resource's variable (the driver is granted invoke on it) and record its
        runtime name (``out.deployment.resource(name, "function", name=..., url=...)``)."""
        raise self.unsupported(
            f"Serverless functions (function {function.name!r})",
            "run the handler in a task of the pipeline",
        )

    def emit_executor(self, executor: IRCompute, out: ProgramWriter) -> None:
        """An executor: its identity and grants, its staging bucket and read/write on the
        staging prefix, then the engine's resources (the engine emitter registered for the
        executor's config type, else this cloud's own :meth:`executor_resource`)."""
        from glacier.deploy.existing import existing_reference

        identity = self.emit_identity(executor, out)
        staging = self.staging_bucket(executor, out, default=self.default_staging(executor))
        if staging is not None:
            self.grant_staging(executor, identity, staging, out)
        existing = existing_reference(executor.config) if executor.config is not None else {}
        out.deployment.resource(
            executor.name,
            "executor",
            identity=self.identity_ref(identity),
            staging_bucket=staging.bucket.bucket_name if staging is not None else None,
            existing=True if existing else None,
            properties=existing or None,
        )
        engine = self.engine_for(executor)
        host: PulumiEmitter | EngineEmitter = engine if engine is not None else self
        if existing:
            var = host.existing_executor(executor, identity, staging, out)
        else:
            var = host.executor_resource(executor, identity, staging, out)
        out.handles.executors[executor.name] = ExecutorHandle(
            var, executor, identity, staging, existing
        )

    def default_staging(self, executor: IRCompute) -> str | None:
        """A staging bucket name for an executor whose config names none (``None``: the
        executor stages nothing). Default: none."""
        return None

    def executor_resource(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> str | None:
        """Emit the engine of ``executor`` (job, cluster) running as ``identity``; record its
        runtime names (``out.deployment.resource(name, "executor", name=...)``) and return
        the engine resource's variable (the driver is granted submit on it), or None."""
        engine = getattr(type(executor.config), "engine", "") or "this"
        raise self.unsupported(
            f"The {engine} engine (executor {executor.name!r})",
            "an engine this cloud's plugin supports, or an engine plugin with an emitter",
        )

    def existing_executor(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> str | None:
        """``executor``'s config names an engine that exists (``GlueConfig.job_name``, see
        :func:`glacier.deploy.existing.is_existing`): reference it, never create it. The
        template has recorded ``existing`` and the naming fields as properties; override to
        record its runtime name. Default: :meth:`executor_resource`, which cloud steps write
        to create no engine in that case (only bindings of the identity)."""
        return self.executor_resource(executor, identity, staging, out)

    # -- template: the deployment (artifact, driver, schedules, triggers, alarms) -------------
    @classmethod
    def supports_driver(cls) -> bool:
        """Whether this cloud emits a driver (``glacier compile`` emits one where it can)."""
        return cls.driver_resource is not PulumiEmitter.driver_resource

    def object_uri(self, bucket: BucketHandle, key: str) -> Any:
        """The URI engines and the runtime read ``key`` of ``bucket`` by (``s3://b/k``,
        ``gs://b/k``, ``abfss://c@account.dfs.core.windows.net/k``): a literal or an Expr."""
        raise self.unsupported(
            f"Object URIs of bucket {bucket.bucket.bucket_name!r} (the deployment record)",
            "a cloud plugin that implements object_uri",
        )

    def deploy_bucket(
        self, provider: IRProvider, name: str, tags: dict[str, str], owner: str, out: ProgramWriter
    ) -> BucketHandle:
        """The bucket ``name`` of ``provider``: the program's own when it has it, else a new
        one with this cloud's secure defaults (the driver's staging bucket)."""
        from glacier.compiler.ir import IRBucket

        key = f"{provider.key}/{name}"
        if key in out.handles.buckets:
            return out.handles.buckets[key]
        bucket = IRBucket(
            key=key,
            bucket_name=name,
            provider=provider,
            config=None,
            advanced=None,
            tags=dict(tags),
            names=[owner],
            paths=[""],
        )
        return self.emit_bucket(bucket, out)

    def emit_artifact(self, artifact: IRArtifact, out: ProgramWriter) -> ArtifactHandle:
        """Upload the code artifact (content-addressed, never overwritten) and record it;
        grant every executor of this cloud read on the artifact prefix (engines install it)."""
        from glacier.compiler.program import ARTIFACT_HELPER

        bucket = self.deploy_bucket(
            artifact.provider, artifact.bucket, {}, f"{self.ir.pipeline}-staging", out
        )
        out.add_helper(ARTIFACT_HELPER)
        info = out.value(
            "glacier_artifact",
            Call("glacier_artifact", args=(artifact.directory,)),
            comment=[
                f"The code artifact of {self.ir.pipeline!r}: the one wheel `glacier compile` "
                f"built into {artifact.directory}/ (read when the program runs)",
            ],
        )
        var, uri = self.artifact_resource(artifact, bucket, info, out)
        handle = ArtifactHandle(var, info, uri, bucket, artifact)
        out.handles.artifact = handle
        out.deployment.set_artifact(
            uri=uri,
            sha256=Expr(f'{info}["sha256"]'),
            filename=Expr(f'{info}["filename"]'),
            entry=Expr(f'{info}["entry"]'),
        )
        for _, executor in sorted(out.handles.executors.items()):
            if executor.compute.provider.cloud != self.cloud:
                continue
            grant = BucketGrant(bucket, artifact.prefix, "read")
            self.grant_access(executor.identity, [grant], "artifact", out)
        return handle

    def artifact_resource(
        self, artifact: IRArtifact, bucket: BucketHandle, info: str, out: ProgramWriter
    ) -> tuple[str, Any]:
        """Upload ``info["path"]`` to ``bucket`` at ``<artifact.prefix><sha256>/<filename>``
        (never deleted by a later deploy: a running job may use it); return ``(object
        variable, URI expression)``."""
        raise self.unsupported(
            "Uploading the code artifact (the cloud driver and engines install it)",
            "compile with PulumiCompiler(driver=False) and run the pipeline with glacier run",
        )

    def emit_driver(self, driver: IRDriver, out: ProgramWriter) -> DriverHandle:
        """The driver: its staging bucket, identity, bucket grants (the DAG's local tasks,
        the executors' staging prefixes, artifact, record, run records), invoke/submit
        grants, then the container job itself."""
        artifact = out.handles.artifact
        if artifact is None:  # pragma: no cover - the compiler emits the artifact first
            raise self.unsupported("A driver without an artifact", "emit_artifact first")
        self.deploy_bucket(
            driver.provider, driver.staging_bucket, driver.tags, f"{driver.pipeline}-staging", out
        )
        identity = self.driver_identity(driver, out)
        out.handles.identities[driver.name] = identity
        grants: list[BucketGrant] = []
        seen: set[tuple[str, str, str]] = set()
        for grant in driver.grants:
            bucket = out.handles.buckets.get(grant.bucket)
            if bucket is None:
                bucket = self.deploy_bucket(
                    driver.provider,
                    grant.bucket.split("/", 1)[1],
                    driver.tags,
                    f"{driver.pipeline}-runs",
                    out,
                )
            if bucket.provider.cloud != driver.provider.cloud:
                raise self.unsupported(
                    f"The driver of {driver.pipeline!r} on {driver.provider.cloud} reading or "
                    f"writing {bucket.provider.cloud} bucket {bucket.bucket.bucket_name!r} in a "
                    "task that runs in the driver",
                    "run that task on an executor of the bucket's cloud, or choose the driver's "
                    "cloud with DriverConfig(cloud=...)",
                )
            seen.add((bucket.bucket.key, grant.prefix, grant.mode))
            grants.append(BucketGrant(bucket, grant.prefix, grant.mode))
        for name in driver.executors:
            executor = out.handles.executors.get(name)
            if executor is None or executor.staging is None:
                continue
            for mode in ("read", "write"):
                key = (executor.staging.bucket.key, STAGING_PREFIX, mode)
                if key not in seen:
                    seen.add(key)
                    grants.append(BucketGrant(executor.staging, STAGING_PREFIX, mode))
        self.grant_access(identity, grants, "access", out)
        functions = [out.handles.functions[n] for n in driver.functions]
        executors = [out.handles.executors[n] for n in driver.executors]
        if functions or executors:
            self.driver_access(identity, functions, executors, out)
        if driver.config.image is None:
            from glacier.compiler.driver_image import dockerfile

            out.ir.build.files.append(dockerfile(driver))
        handle = self.driver_resource(driver, identity, artifact, out)
        out.handles.driver = handle
        out.deployment.resource(
            driver.name,
            "driver",
            identity=self.identity_ref(identity),
            staging_bucket=driver.staging_bucket,
        )
        if driver.runs is not None:
            runs = out.handles.buckets.get(f"{driver.provider.key}/{driver.runs.bucket}")
            if runs is not None:
                out.deployment.runs_uri = self.object_uri(runs, driver.runs.prefix)
        return handle

    def driver_identity(self, driver: IRDriver, out: ProgramWriter) -> IdentityHandle:
        """Emit the identity the driver runs as (assumed by the container service only)."""
        raise self.unsupported(
            f"A cloud driver for pipeline {driver.pipeline!r}",
            "compile with PulumiCompiler(driver=False) (or --no-driver) and run the pipeline "
            "with `glacier run` against the deployment record",
        )

    def driver_access(
        self,
        identity: IdentityHandle,
        functions: Sequence[FunctionHandle],
        executors: Sequence[ExecutorHandle],
        out: ProgramWriter,
    ) -> list[str]:
        """Grant the driver invoke on exactly ``functions`` and submit/poll/cancel on
        exactly ``executors`` (no wildcard); return the resources' variables."""
        raise self.unsupported(
            "Granting the cloud driver invoke/submit on the pipeline's functions and executors",
            "compile with PulumiCompiler(driver=False)",
        )

    def driver_resource(
        self,
        driver: IRDriver,
        identity: IdentityHandle,
        artifact: ArtifactHandle,
        out: ProgramWriter,
    ) -> DriverHandle:
        """Emit the driver: a container job without a 15-minute cap running
        ``glacier run <entry>`` (``artifact.info["entry"]``) as ``identity``, with
        ``GLACIER_DEPLOYMENT`` pointing at the deployment record, logs in the cloud's log
        service; record its name (``out.deployment.resource(driver.name, "driver", ...)``)."""
        raise self.unsupported(
            f"A cloud driver for pipeline {driver.pipeline!r}",
            "compile with PulumiCompiler(driver=False) and run the pipeline with glacier run",
        )

    def emit_schedule(self, schedule: IRSchedule, driver: DriverHandle, out: ProgramWriter) -> None:
        """A cron schedule starting the driver with the logical date (``schedule_resource``)."""
        self.schedule_resource(schedule, driver, out)

    def schedule_resource(
        self, schedule: IRSchedule, driver: DriverHandle, out: ProgramWriter
    ) -> None:
        """Emit the cloud's scheduler (cron, time zone) starting ``driver`` with
        ``glacier run <entry> --scheduled-at <tick>``, through an identity that may start
        only that driver."""
        raise self.unsupported(
            f"Schedules (pipeline {self.ir.pipeline!r}, cron {schedule.cron!r})",
            "glacier serve on a machine you keep, or the cloud's scheduler through a "
            "PulumiCustomization hook",
        )

    def emit_trigger(self, trigger: IRTrigger, driver: DriverHandle, out: ProgramWriter) -> None:
        """Bucket events starting the driver with the object's URI (``trigger_resource``)."""
        if trigger.provider.cloud != driver.driver.provider.cloud:
            raise self.unsupported(
                f"A trigger on {trigger.provider.cloud} bucket {trigger.bucket_name!r} starting "
                f"the {driver.driver.provider.cloud} driver",
                "a bucket of the driver's cloud, or glacier serve (it polls any bucket)",
            )
        self.trigger_resource(trigger, driver, out)

    def trigger_resource(
        self, trigger: IRTrigger, driver: DriverHandle, out: ProgramWriter
    ) -> None:
        """Emit the cloud's event wiring (object created under ``trigger.prefix`` ending with
        a suffix) starting ``driver`` with ``glacier run <entry> --event-uri URI
        --event-version V --trigger-id ID`` through an identity that may start only it."""
        raise self.unsupported(
            f"Bucket triggers (bucket {trigger.bucket_name!r})",
            "glacier serve (it polls the bucket), or event wiring through a PulumiCustomization "
            "hook",
        )

    def emit_alarm(self, alarm: IRAlarm, driver: DriverHandle, out: ProgramWriter) -> None:
        """Alerts on failed driver runs (``alarm_resource``)."""
        self.alarm_resource(alarm, driver, out)

    def alarm_resource(self, alarm: IRAlarm, driver: DriverHandle, out: ProgramWriter) -> None:
        """Emit the cloud's alarm on failed driver runs, notifying ``alarm.emails`` and
        ``alarm.webhook``."""
        raise self.unsupported(
            f"Failure alerts (pipeline {self.ir.pipeline!r})",
            "the alerts `glacier run` prints and POSTs itself on failure",
        )

    def emit_job(self, job: IRJob, engine: EngineEmitter, out: ProgramWriter) -> None:
        """The pipeline as one engine job (:mod:`glacier.compiler.job_ir`): the artifact in
        the executors' staging bucket, read on another executor's staging prefix for a task
        whose upstream task ran there, then the engine's job (``engine.job_resource``)."""
        artifact = self.emit_artifact(job.artifact, out)
        by_reader: dict[str, list[BucketHandle]] = {}
        for reader, producer in job.staging_reads:
            staging = out.handles.executors[producer].staging
            if staging is not None and staging not in by_reader.setdefault(reader, []):
                by_reader[reader].append(staging)
        for reader, buckets in sorted(by_reader.items()):
            identity = out.handles.executors[reader].identity
            for n, bucket in enumerate(buckets, start=1):
                grant = BucketGrant(bucket, STAGING_PREFIX, "read")
                self.grant_access(identity, [grant], f"upstream{n}", out)
        engine.job_resource(job, artifact, out)

    def finish(self, out: ProgramWriter) -> None:  # noqa: B027 - optional hook
        """Called once after every resource: emit what aggregates several resources (e.g.
        one lifecycle policy per storage account). Default: nothing."""

    # -- helpers ---------------------------------------------------------------------------
    def engine_for(self, executor: IRCompute) -> EngineEmitter | None:
        """The engine emitter registered for the executor's config type (e.g. Databricks)."""
        from glacier.plugins.registry import get_registry
        from glacier.plugins.specs import load_ref

        spec = get_registry().emitter(type(executor.config), EngineEmitter)
        if spec is None:
            return None
        cls = load_ref(spec.emitter)
        if isinstance(cls, type) and issubclass(cls, EngineEmitter):
            return cls(self.ir, host=self)
        return None

    def placement(self, provider: IRProvider, out: ProgramWriter) -> dict[str, Any]:
        """Arguments any resource needs to live in ``provider`` besides its provider
        instance (Azure: resource group and location). Engine emitters use it for the
        cloud resources they add. Default: none."""
        return {}

    def staging_bucket(
        self, executor: IRCompute, out: ProgramWriter, default: str | None = None
    ) -> BucketHandle | None:
        """The executor's staging bucket (``config.staging_bucket``, else ``default``): the
        pipeline's cloud bucket of that name in the executor's provider, or a new bucket
        emitted with this cloud's secure defaults. None when there is none."""
        from glacier.compiler.ir import IRBucket

        name = getattr(executor.config, "staging_bucket", None) or default
        if not name:
            return None
        key = f"{executor.provider.key}/{name}"
        if key in out.handles.buckets:
            return out.handles.buckets[key]
        bucket = IRBucket(
            key=key,
            bucket_name=name,
            provider=executor.provider,
            config=None,
            advanced=None,
            tags=dict(executor.tags),
            names=[f"{executor.name}-staging"],
            paths=[STAGING_PREFIX],
        )
        return self.emit_bucket(bucket, out)

    def grant_staging(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle,
        out: ProgramWriter,
    ) -> list[str]:
        """Read and write on exactly the staging prefix (job packages, inputs, results)."""
        grants = [BucketGrant(staging, STAGING_PREFIX, m) for m in ("read", "write")]
        return self.grant_access(identity, grants, "staging", out)

    def unsupported(
        self, feature: str, alternative: str, detail: str = ""
    ) -> UnsupportedFeatureError:
        """An error naming ``feature``, this cloud and the nearest alternative."""
        return UnsupportedFeatureError(feature, self.label or self.cloud, alternative, detail)

    def check_same_cloud(self, compute: IRCompute | IRDriver, bucket: IRBucket) -> None:
        """Refuse grants across clouds (an identity of one cloud cannot be granted access in
        another cloud's IAM)."""
        if bucket.provider.cloud != compute.provider.cloud:
            raise self.unsupported(
                f"Granting {compute.kind} {compute.name!r} access to {bucket.provider.cloud} "
                f"bucket {bucket.bucket_name!r}",
                "run the task on an executor of the bucket's cloud, or grant the access with a "
                "PulumiCustomization hook (workload identity federation)",
            )


class EngineEmitter:
    """Emitter registered for an *executor* config type whose engine runs on several clouds
    (e.g. Databricks). The cloud emitter creates the executor's identity and grants, asks
    :meth:`trusted_service` who assumes that identity, then calls :meth:`executor_resource`.
    """

    #: Cloud key -> the service principal that assumes the executor's identity there.
    trusted_services: ClassVar[dict[str, str]] = {}

    def __init__(self, ir: IRGraph, host: PulumiEmitter) -> None:
        self.ir = ir
        #: The cloud emitter of the executor's provider (for :meth:`PulumiEmitter.placement`).
        self.host = host

    def trusted_service(self, cloud: str) -> str | None:
        return self.trusted_services.get(cloud)

    def executor_resource(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> str | None:
        """Emit the engine's jobs/clusters for ``executor``, bound to ``identity``; return
        the engine resource's variable, or None."""
        raise UnsupportedFeatureError(
            f"The engine of executor {executor.name!r}",
            type(self).__name__,
            "an engine emitter that implements executor_resource",
        )

    def orchestrates(self, executor: IRCompute) -> bool:
        """Whether ``executor``'s config asks to run the whole pipeline as one job of this
        engine, whose tasks follow the DAG (see :mod:`glacier.compiler.job_ir`). Default:
        never (the cloud driver runs the DAG)."""
        return False

    def job_resource(self, job: IRJob, artifact: ArtifactHandle, out: ProgramWriter) -> str:
        """Emit the pipeline as one job of this engine: a task per :class:`IRJobTask` (its
        executor's compute, ``artifact`` installed, running ``glacier run <artifact entry>
        --task <key> --run-key <the engine's run id>``), native dependencies, the schedule,
        the bucket triggers (``job.triggers``: raise ``UnsupportedFeatureError`` for what the
        engine cannot start a job on) and failure alerts; record it
        (``out.deployment.resource(job.name, "driver", ...)``) and return its variable."""
        raise UnsupportedFeatureError(
            f"Running pipeline {job.pipeline!r} as one job of the engine",
            type(self).__name__,
            "drop orchestrate='job': the cloud driver runs the DAG",
        )

    def existing_executor(
        self,
        executor: IRCompute,
        identity: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> str | None:
        """The executor's config names an existing engine. Default: :meth:`executor_resource`,
        which engine emitters write to create nothing in that case (only bindings of the
        identity, such as an instance profile)."""
        return self.executor_resource(executor, identity, staging, out)
