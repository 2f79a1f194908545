"""``PulumiCompiler``: pipeline -> IR -> emitters -> Pulumi program. Never imports Pulumi."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glacier.compiler.checks import name_problem, requirement_problem
from glacier.compiler.emitter import PulumiEmitter
from glacier.compiler.errors import (
    CompilerError,
    CustomizationError,
    InvalidNameError,
    MissingEmitterError,
)
from glacier.compiler.ir import AccessDecl, IRBuilder, IRGraph
from glacier.compiler.program import (
    PULUMI_REQUIREMENT,
    CompiledInfra,
    ProgramWriter,
    header_lines,
)
from glacier.escape_hatch import PulumiCustomization
from glacier.plugins.known import KNOWN_CONFIGS, install_hint
from glacier.plugins.registry import get_registry
from glacier.plugins.specs import load_ref


class PulumiCompiler:
    """Compile a pipeline into a Pulumi program (Python).

    >>> infra = sales.compile(PulumiCompiler())       # doctest: +SKIP
    >>> infra.export_pulumi("./infra")                 # doctest: +SKIP

    Args:
        access: Access that static analysis cannot see, per task or function name:
            ``{"enrich": {"reads": [raw], "writes": ["curated"]}}`` (Bucket objects or
            Glacier resource names). Added to what analysis finds.
        params: Keyword arguments for the pipeline function when building the DAG.
    """

    def __init__(self, access: AccessDecl | None = None, **params: Any) -> None:
        self.access = dict(access or {})
        self.params = params

    def compile(
        self,
        pipeline: Any,
        customizations: Mapping[str, PulumiCustomization] | None = None,
    ) -> CompiledInfra:
        graph = pipeline.build(**self.params)
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
        for emitter in emitters.values():
            emitter.finish(writer)
        imports = [line for e in emitters.values() for line in e.imports]
        program = writer.render(header_lines(ir.pipeline), imports)
        requirements = [PULUMI_REQUIREMENT]
        for emitter in sorted(emitters.values(), key=lambda e: e.cloud):
            requirements += [r for r in emitter.requirements if r not in requirements]
        notes = [note for bucket in ir.buckets for note in bucket.notes]
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
        )
        ir.build.check()
        for line in infra.requirements:
            problem = requirement_problem(line)
            if problem is not None:
                raise CompilerError(
                    f"Program requirement {str(line)[:80]!r} (added by an emitter) {problem}."
                )
        return infra

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
