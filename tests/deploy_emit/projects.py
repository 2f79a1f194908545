"""The sample projects of the deployment-emitter tests (``aws_project/``, ``gcp_project/``,
``azure_project/``, ``dbx_job_project/``): imported from their folder, compiled with a built
artifact and run under Pulumi's mocks in a child process."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from glacier.compiler import PulumiCompiler
from glacier.deploy.artifact import BuiltArtifact
from glacier.deploy.mockrun import Graph, run_isolated


@contextmanager
def imported(folder: Path, module: str) -> Iterator[Any]:
    """``module`` imported from ``folder`` (on ``sys.path`` only meanwhile)."""
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(module)
    finally:
        sys.path.remove(str(folder))


def deploy_under_mocks(
    pipeline: Any, artifact: BuiltArtifact, out: Path
) -> tuple[Any, Path, Graph]:
    """Compile ``pipeline`` with ``artifact``, export the program to ``out`` and run it under
    Pulumi's mocks: (compiled infra, program folder, what it registered)."""
    infra = pipeline.compile(PulumiCompiler(artifact=artifact))
    infra.export_pulumi(out)
    return infra, out, run_isolated(out)
