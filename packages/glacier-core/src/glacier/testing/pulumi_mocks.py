"""Run an exported Pulumi program under Pulumi's unit-test mocks and record what it declares.

For emitter authors: compile a pipeline, export it, run the program here, assert on the
resources. No Pulumi CLI, provider plugin or cloud account is needed (``pulumi`` and the
provider SDKs the program imports must be installed)::

    from glacier.compiler import PulumiCompiler
    from glacier.testing.pulumi_mocks import run_program

    infra = my_pipeline.compile(PulumiCompiler())
    infra.export_pulumi(tmp_path)
    graph = run_program(tmp_path, config={"glacier-minio:accessKey": "test"})
    bucket = graph.one("aws:s3/bucket:Bucket")
    assert bucket.inputs["bucket"] == "lake"

Under mocks, unknown keyword arguments and missing required properties raise ``TypeError``,
but wrong types and unknown nested keys pass silently: assert on ``inputs`` yourself.
Inputs arrive camel-cased (``versioningConfiguration``) and numbers as floats.
"""

from __future__ import annotations

import runpy
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks

from glacier.deploy.mockrun import Graph, Registered, own_event_loop

__all__ = ["Graph", "RecordingMocks", "Registered", "run_program"]


class RecordingMocks(pulumi.runtime.Mocks):
    """Echoes every resource's inputs as its outputs, plus ``name`` (dependent inputs such
    as a resource group name vanish without it) and, on AWS types, an ``arn``. Subclass and
    extend :meth:`outputs` for attributes your program reads that are not inputs."""

    def __init__(self) -> None:
        self.resources: list[Registered] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def outputs(self, args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
        """The outputs of a new resource (default: its inputs, ``name``, AWS ``arn``)."""
        outputs = dict(args.inputs)
        outputs.setdefault("name", args.name)
        if args.typ.startswith("aws:"):
            service = args.typ.split(":")[1].split("/")[0]
            outputs.setdefault("arn", f"arn:aws:{service}:::{args.name}")
        return outputs

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", self.outputs(args)

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        """Invokes (``aws.get_caller_identity()``, ...): recorded, answered with ``{}``."""
        self.calls.append((args.token, dict(args.args)))
        return {}


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """Also records each registration's provider reference and dependencies."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recording = mocks

    def ReadResource(self, request: Any) -> Any:  # the gRPC method name
        response = super().ReadResource(request)
        self.recording.resources.append(
            Registered(
                type=request.type,
                name=request.name,
                inputs={},
                urn=response.urn,
                provider=request.provider,
                read_id=request.id,
            )
        )
        return response

    def RegisterResource(self, request: Any) -> Any:  # the gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
            self.recording.resources.append(
                Registered(
                    type=request.type,
                    name=request.name,
                    inputs=inputs,
                    urn=response.urn,
                    provider=request.provider,
                    dependencies=sorted(request.dependencies),
                )
            )
        return response


def run_program(
    directory: str | Path,
    *,
    config: Mapping[str, str] | None = None,
    extra_path: Sequence[str] = (),
    mocks: RecordingMocks | None = None,
    project: str = "glacier-test",
    stack: str = "test",
) -> Graph:
    """Run ``directory/__main__.py`` under Pulumi's mocks; return what it registered.

    ``config`` is the stack configuration the program reads (``{"ns:key": "value"}``, e.g.
    secrets your provider step reads with ``pulumi.Config(ns).require_secret(key)``).
    ``extra_path`` entries are on ``sys.path`` while the program runs (e.g. the folder of a
    customization hook module the program imports).
    """
    with own_event_loop():
        return _run(directory, config, extra_path, mocks, project, stack)


def _run(
    directory: str | Path,
    config: Mapping[str, str] | None,
    extra_path: Sequence[str],
    mocks: RecordingMocks | None,
    project: str,
    stack: str,
) -> Graph:
    recorder = mocks or RecordingMocks()
    monitor = _RecordingMonitor(recorder)
    pulumi.runtime.set_mocks(recorder, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(dict(config or {}))
    main = str(Path(directory) / "__main__.py")
    added = [p for p in extra_path if p not in sys.path]
    sys.path[:0] = added

    @pulumi.runtime.test
    def run() -> None:
        runpy.run_path(main, run_name="__main__")

    try:
        run()
    finally:
        pulumi.runtime.set_all_config({})
        for p in added:
            sys.path.remove(p)
    return Graph(recorder.resources, recorder.calls)
