"""``PulumiCompiler``: pipeline -> IR -> emitters -> Pulumi program. Never imports Pulumi."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from glacier.compiler.checks import name_problem, requirement_problem
from glacier.compiler.deploy_ir import (
    DriverConfig,
    IRDeployment,
    build_deployment,
    pipeline_alarms,
    pipeline_schedules,
    pipeline_triggers,
)
from glacier.compiler.emitter import PulumiEmitter
from glacier.compiler.errors import (
    CompilerError,
    CustomizationError,
    InvalidNameError,
    MissingEmitterError,
)
from glacier.compiler.infra import CompiledInfra
from glacier.compiler.ir import IRGraph
from glacier.compiler.ir_builder import AccessDecl, IRBuilder
from glacier.compiler.job_ir import IRJob, build_job
from glacier.compiler.program import PULUMI_REQUIREMENT, ProgramWriter, header_lines
from glacier.escape_hatch import PulumiCustomization
from glacier.plugins.known import KNOWN_CONFIGS, install_hint
from glacier.plugins.registry import get_registry
from glacier.plugins.specs import load_ref

if TYPE_CHECKING:
    from glacier.deploy.artifact import BuiltArtifact


class PulumiCompiler:
    """Compile a pipeline into a Pulumi program (Python).

    >>> infra = sales.compile(PulumiCompiler())       # doctest: +SKIP
    >>> infra.export_pulumi("./infra")                 # doctest: +SKIP

    Args:
        access: Access that static analysis cannot see, per task or function name:
            ``{"enrich": {"reads": [raw], "writes": ["curated"]}}`` (Bucket objects or
            Glacier resource names). Added to what analysis finds.
        driver: The cloud driver that runs the pipeline once deployed (see
            :mod:`glacier.compiler.deploy_ir`): ``None`` (default) when the pipeline's
            ``schedule``/``triggers``/``on_failure`` need it; ``True`` or a
            :class:`~glacier.compiler.deploy_ir.DriverConfig` always; ``False`` never;
            ``"auto"`` (``glacier compile``) wherever the cloud's plugin emits one.
        artifact: The built code artifact (:func:`glacier.deploy.artifact.package_pipeline`)
            to ship in the project; when a driver is emitted without one, it is built from
            the pipeline's file.
        params: Keyword arguments for the pipeline function when building the DAG.
    """

    def __init__(
        self,
        access: AccessDecl | None = None,
        *,
        driver: DriverConfig | bool | Literal["auto"] | None = None,
        artifact: BuiltArtifact | None = None,
        **params: Any,
    ) -> None:
        self.access = dict(access or {})
        self.driver = driver
        self.artifact = artifact
        self.params = params

    def compile(
        self,
        pipeline: Any,
        customizations: Mapping[str, PulumiCustomization] | None = None,
    ) -> CompiledInfra:
        from glacier.schedule.spec import sample_params

        graph = pipeline.build(**{**sample_params(pipeline, self.params), **self.params})
        emitters: dict[type, PulumiEmitter] = {}
        builder = IRBuilder(
            lambda config: self._emitter_class(type(config)).provider_key(config),
            self.access,
            lambda config, parts: self._emitter_class(type(config)).merge_bucket_configs(
                config, parts
            ),
        )
        ir = builder.build(graph)
        _check_names(ir)
        hooks = _check_customizations(ir, customizations)
        writer = ProgramWriter(ir, hooks)
        job = build_job(  # checked before anything is emitted
            ir,
            graph,
            pipeline,
            self._orchestrating(ir),
            self.driver,
            pipeline_schedules(ir, pipeline),
            pipeline_alarms(ir, pipeline),
            pipeline_triggers(ir, pipeline, builder.provider),
        )
        for provider in ir.providers:
            emitter = self._emitter(type(provider.config), ir, emitters)
            writer.section(f"Provider {provider.key}")
            emitter.emit_provider(provider, writer)
        for bucket in ir.buckets:
            writer.section(f"Bucket {bucket.bucket_name} ({bucket.provider.key})")
            self._emitter(type(bucket.provider.config), ir, emitters).emit_bucket(bucket, writer)
        for function in ir.functions:
            writer.section(f"Function {function.name} ({function.provider.key})")
            self._emitter(type(function.provider.config), ir, emitters).emit_function(
                function, writer
            )
        for executor in ir.executors:
            writer.section(f"Executor {executor.name} ({executor.provider.key})")
            emitter = self._emitter(type(executor.provider.config), ir, emitters)
            emitter.emit_executor(executor, writer)
        if job is not None:
            deployment = IRDeployment(artifact=job.artifact, job=job)
            self._emit_job(ir, job, writer, emitters)
        else:
            deployment = build_deployment(
                ir,
                pipeline,
                self.driver,
                provider_of=builder.provider,
                cloud_supports=lambda cloud: self._cloud_emitter(ir, cloud).supports_driver(),
            )
            self._emit_deployment(ir, deployment, writer, emitters)
        for emitter in emitters.values():
            emitter.finish(writer)
        imports = [line for e in emitters.values() for line in e.imports]
        program = writer.render(header_lines(ir.pipeline), imports)
        requirements = [PULUMI_REQUIREMENT]
        for emitter in sorted(emitters.values(), key=lambda e: e.cloud):
            requirements += [r for r in emitter.requirements if r not in requirements]
        notes = [note for bucket in ir.buckets for note in bucket.notes]
        notes += _reference_notes(ir) + deployment.notes + writer.notes
        if hooks:
            notes.append(
                "Customization hooks are imported by module path: make their modules "
                "importable (PYTHONPATH) when running `pulumi up`."
            )
        infra = CompiledInfra(
            ir=ir,
            program=program,
            requirements=requirements,
            notes=notes,
            pulumi_resource_count=writer.resource_count,
            deployment=deployment,
        )
        if deployment.artifact is not None:
            infra.artifact = self.artifact or _package(pipeline)
        ir.build.check()
        for line in infra.requirements:
            problem = requirement_problem(line)
            if problem is not None:
                raise CompilerError(
                    f"Program requirement {str(line)[:80]!r} (added by an emitter) {problem}."
                )
        return infra

    # -- the deployment --------------------------------------------------------------------
    def _emit_deployment(
        self,
        ir: IRGraph,
        deployment: IRDeployment,
        writer: ProgramWriter,
        emitters: dict[type, PulumiEmitter],
    ) -> None:
        """Artifact, driver, schedules, triggers, alarms: in that order, on the emitter of
        the driver's cloud."""
        driver = deployment.driver
        if driver is None or deployment.artifact is None:
            return
        emitter = self._emitter(type(driver.provider.config), ir, emitters)
        writer.section(f"Code artifact of {ir.pipeline} ({driver.provider.key})")
        emitter.emit_artifact(deployment.artifact, writer)
        writer.section(f"Driver {driver.name} ({driver.provider.key})")
        handle = emitter.emit_driver(driver, writer)
        for schedule in deployment.schedules:
            writer.section(f"Schedule {schedule.name}: {schedule.cron} ({schedule.timezone})")
            emitter.emit_schedule(schedule, handle, writer)
        for trigger in deployment.triggers:
            writer.section(f"Trigger {trigger.name}: writes to {trigger.bucket_name}")
            emitter.emit_trigger(trigger, handle, writer)
        for alarm in deployment.alarms:
            writer.section(f"Alarm {alarm.name}: failed runs of {driver.name}")
            emitter.emit_alarm(alarm, handle, writer)

    def _orchestrating(self, ir: IRGraph) -> dict[str, str]:
        """Executor name -> engine key, for the executors whose engine emitter asks to run
        the pipeline as one job of the engine (``DatabricksConfig(orchestrate="job")``).
        Asked of throwaway emitters: the program's are created in emission order."""
        found: dict[str, str] = {}
        scratch: dict[type, PulumiEmitter] = {}
        for executor in ir.executors:
            host = self._emitter(type(executor.provider.config), ir, scratch)
            engine = host.engine_for(executor)
            if engine is not None and engine.orchestrates(executor):
                found[executor.name] = getattr(type(executor.config), "engine", "") or "engine"
        return found

    def _emit_job(
        self, ir: IRGraph, job: IRJob, writer: ProgramWriter, emitters: dict[type, PulumiEmitter]
    ) -> None:
        """Artifact and the engine's job, on the emitter of the executors' cloud."""
        host = self._emitter(type(job.provider.config), ir, emitters)
        first = next(e for e in ir.executors if e.name == job.tasks[0].executor)
        engine = host.engine_for(first)
        assert engine is not None  # _orchestrating found one for this executor
        writer.section(f"Job {job.name}: the pipeline as one {job.engine} job")
        host.emit_job(job, engine, writer)

    def _cloud_emitter(self, ir: IRGraph, cloud: str) -> type[PulumiEmitter]:
        for provider in ir.providers:
            if provider.cloud == cloud:
                return self._emitter_class(type(provider.config))
        raise CompilerError(f"No provider of cloud {cloud!r} in pipeline {ir.pipeline!r}.")

    # -- emitters --------------------------------------------------------------------------
    @staticmethod
    def _emitter_class(config_type: type) -> type[PulumiEmitter]:
        spec = get_registry().emitter(config_type, PulumiEmitter)
        if spec is None and config_type.__name__ == "LocalConfig":
            raise MissingEmitterError(
                "Compiling needs a cloud config: this pipeline's provider uses LocalConfig, "
                "which runs on this machine and has no infrastructure to generate. Give the "
                'provider a cloud config, e.g. Provider(config=AwsConfig(region="eu-west-1")) '
                "(or AzureConfig, GcpConfig), or, with Provider.from_env(), set the cloud's "
                "variable: AWS_REGION=eu-west-1 glacier compile FILE --check."
            )
        if spec is None:
            dist = KNOWN_CONFIGS.get(config_type.__name__)
            fix = f" Install it: {install_hint(dist)}." if dist else ""
            raise MissingEmitterError(
                f"No Pulumi emitter is registered for {config_type.__name__}.{fix} "
                "Run `glacier plugins` to see what is installed."
            )
        cls: type[PulumiEmitter] = load_ref(spec.emitter)
        return cls

    def _emitter(
        self, config_type: type, ir: IRGraph, cache: dict[type, PulumiEmitter]
    ) -> PulumiEmitter:
        cls = self._emitter_class(config_type)
        if cls not in cache:
            cache[cls] = cls(ir)
        return cache[cls]


def _reference_notes(ir: IRGraph) -> list[str]:
    """Compile-summary lines for what is referenced instead of created."""
    from glacier.deploy.existing import describe_existing

    notes = []
    for bucket in ir.buckets:
        if bucket.existing:
            notes.append(
                f"bucket {bucket.bucket_name!r} ({bucket.provider.key}): references the "
                "existing bucket (existing=True); not created, changed or deleted"
            )
    for executor in ir.executors:
        line = describe_existing(executor.name, executor.config)
        if line:
            notes.append(f"{line}; not created")
    return notes


def _package(pipeline: Any) -> BuiltArtifact:
    """The artifact of ``pipeline``, built from the file that defines it (into a temporary
    folder ``export_pulumi`` copies from)."""
    import inspect
    import tempfile

    from glacier.deploy.artifact import package_pipeline

    try:
        source = inspect.getsourcefile(pipeline.fn)
    except TypeError:
        source = None
    if not source or not source.endswith(".py"):
        raise CompilerError(
            f"Pipeline {pipeline.name!r} gets a cloud driver, which installs the pipeline's "
            "code artifact, but its function has no source file to package. Build it with "
            "glacier.deploy.artifact.package_pipeline('FILE') and pass "
            "PulumiCompiler(artifact=...), or compile with driver=False."
        )
    folder = tempfile.mkdtemp(prefix="glacier-artifact-")
    return package_pipeline(f"{source}:{pipeline.name}", folder)


def _check_names(ir: IRGraph) -> None:
    """Every name that reaches generated files (the pipeline's, each resource's) must be
    writable: UTF-8 encodable, printable, not too long. Checked before anything is built."""
    for kind, name in [("pipeline", ir.pipeline), *(("resource", n) for n in ir.glacier_names())]:
        problem = name_problem(name)
        if problem is not None:
            text = str(name)
            shown = repr(text) if len(text) <= 60 else repr(text[:57]) + "..."
            raise InvalidNameError(
                f"The {kind} name {shown} {problem}. Pass name=... with a short printable "
                "name (letters, digits, '-', '_')."
            )


def _check_customizations(
    ir: IRGraph, customizations: Mapping[str, PulumiCustomization] | None
) -> dict[str, PulumiCustomization]:
    out: dict[str, PulumiCustomization] = {}
    known = ir.glacier_names()
    for key, custom in (customizations or {}).items():
        if not isinstance(custom, PulumiCustomization):
            raise CustomizationError(
                f"customizations[{key!r}] must be a PulumiCustomization, got "
                f"{type(custom).__name__}."
            )
        if key != custom.resource_name:
            raise CustomizationError(
                f"customizations[{key!r}] has resource_name={custom.resource_name!r}; use the "
                "resource name as the key."
            )
        if key not in known:
            raise CustomizationError(
                f"Customization {key!r} names no resource of pipeline {ir.pipeline!r}. "
                f"Resources: {', '.join(sorted(known)) or 'none'}."
            )
        out[key] = custom
    return out
