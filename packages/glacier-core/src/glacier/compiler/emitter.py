"""The emitter interface: each cloud plugin renders the IR through one ``PulumiEmitter``.

Plugins register a subclass by dotted path (``PulumiEmitterSpec(provider_config=AwsConfig,
emitter="glacier_aws.pulumi:AwsEmitter")``). The compiler calls, in this order and each in
sorted order: :meth:`emit_provider` for every provider of the cloud, :meth:`emit_bucket`,
:meth:`emit_function`, :meth:`emit_executor`. Emitters write blocks with
:class:`glacier.compiler.program.ProgramWriter`; they never build code by concatenating
user strings.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from glacier.compiler.errors import UnsupportedFeatureError

if TYPE_CHECKING:
    from glacier.compiler.ir import IRBucket, IRCompute, IRGraph, IRProvider
    from glacier.compiler.program import ProgramWriter

#: Where executors stage job packages in their staging bucket (see ExecutorAdapter.staging).
STAGING_PREFIX = "_glacier/jobs/"


class PulumiEmitter(ABC):
    """Renders the IR resources of one cloud."""

    #: Cloud key, matches ``ProviderConfig.cloud``.
    cloud: ClassVar[str] = ""
    #: Human name for messages ("AWS", "Azure", "GCP").
    label: ClassVar[str] = ""
    #: ``import`` lines the program needs, e.g. ``("import pulumi_aws as aws",)``.
    imports: ClassVar[tuple[str, ...]] = ()
    #: Requirement lines for requirements.txt (the SDK ranges the tests ran against).
    requirements: ClassVar[tuple[str, ...]] = ()

    def __init__(self, ir: IRGraph) -> None:
        self.ir = ir

    @classmethod
    def provider_key(cls, config: object) -> str:
        """A readable base name for a provider instance (``aws-us-east-1``)."""
        region = getattr(config, "region", None) or getattr(config, "location", None) or ""
        return f"{cls.cloud}-{region}".strip("-")

    @abstractmethod
    def emit_provider(self, provider: IRProvider, out: ProgramWriter) -> None:
        """Emit the explicit Pulumi provider instance for ``provider``."""

    @abstractmethod
    def emit_bucket(self, bucket: IRBucket, out: ProgramWriter) -> None:
        """Emit one cloud bucket, secure by default, with its advanced config."""

    def emit_function(self, function: IRCompute, out: ProgramWriter) -> None:
        """Emit a function's identity and grants, then :meth:`emit_function_compute`."""
        identity = self.emit_identity(function, out)
        self.emit_function_compute(function, identity, out)

    def emit_executor(self, executor: IRCompute, out: ProgramWriter) -> None:
        """Emit an executor's identity and grants, then :meth:`emit_executor_compute`."""
        identity = self.emit_identity(executor, out)
        self.emit_executor_compute(executor, identity, out)
        engine = self.engine_for(executor)
        if engine is not None:
            engine.emit_executor_compute(executor, identity, out)

    def engine_for(self, executor: IRCompute) -> EngineEmitter | None:
        """The engine emitter registered for the executor's config type (e.g. Databricks)."""
        from glacier.plugins.registry import get_registry
        from glacier.plugins.specs import load_ref

        spec = get_registry().emitter(type(executor.config))
        if spec is None:
            return None
        cls = load_ref(spec.emitter)
        if isinstance(cls, type) and issubclass(cls, EngineEmitter):
            return cls(self.ir)
        return None

    @abstractmethod
    def emit_identity(self, compute: IRCompute, out: ProgramWriter) -> str:
        """Emit the role/identity of a function or executor with exactly its grants (reads
        separate from writes, no wildcards). Returns the identity's variable name."""

    # -- extension points for the compute issue ------------------------------------------
    def emit_function_compute(  # noqa: B027 - optional hook, empty on purpose
        self, function: IRCompute, identity: str, out: ProgramWriter
    ) -> None:
        """EXTENSION POINT (compute issue): emit the function itself (Lambda, Function App,
        Cloud Function) running as ``identity``. Until then only the identity is emitted."""

    def emit_executor_compute(  # noqa: B027 - optional hook, empty on purpose
        self, executor: IRCompute, identity: str, out: ProgramWriter
    ) -> None:
        """EXTENSION POINT (compute issue): emit the executor (Glue job, Synapse pool,
        Dataproc cluster, Databricks job) running as ``identity``."""

    # -- helpers ---------------------------------------------------------------------------
    def staging_bucket(
        self, executor: IRCompute, out: ProgramWriter, default: str | None = None
    ) -> IRBucket | None:
        """The executor's staging bucket (``config.staging_bucket``, else ``default``): the
        pipeline's cloud bucket of that name in the executor's provider, or a new bucket
        emitted with this cloud's secure defaults. None when there is none."""
        from glacier.compiler.ir import IRBucket

        name = getattr(executor.config, "staging_bucket", None) or default
        if not name:
            return None
        key = f"{executor.provider.key}/{name}"
        for bucket in self.ir.buckets:
            if bucket.key == key:
                return bucket
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
        if not out.has_ref(f"bucket:{key}"):
            self.emit_bucket(bucket, out)
        return bucket

    def unsupported(
        self, feature: str, alternative: str, detail: str = ""
    ) -> UnsupportedFeatureError:
        """An error naming ``feature``, this cloud and the nearest alternative."""
        return UnsupportedFeatureError(feature, self.label or self.cloud, alternative, detail)

    def check_same_cloud(self, compute: IRCompute, bucket: IRBucket) -> None:
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
    """Optional emitter registered for an *executor* config type (e.g. Databricks, which runs
    on any cloud). The cloud emitter asks it who assumes the executor's identity."""

    #: Cloud key -> the service principal that assumes the executor's identity there.
    trusted_services: ClassVar[dict[str, str]] = {}

    def __init__(self, ir: IRGraph) -> None:
        self.ir = ir

    def trusted_service(self, cloud: str) -> str | None:
        return self.trusted_services.get(cloud)

    def emit_executor_compute(self, executor: IRCompute, identity: str, out: ProgramWriter) -> None:
        """EXTENSION POINT (compute issue): emit the engine's jobs/clusters for ``executor``."""
