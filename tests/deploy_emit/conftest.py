"""Fixtures of the deployment-emitter tests: programs exported and run under Pulumi's mocks
(the real provider SDKs, no CLI), pipeline files written to disk (the artifact packs them)."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "escape_hatches"
for path in (str(EXAMPLES),):
    if path not in sys.path:
        sys.path.insert(0, path)

pytest.importorskip("pulumi")


@pytest.fixture(autouse=True)
def _quiet_pulumi_warnings() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


@pytest.fixture
def export_and_run(tmp_path: Path) -> Callable[..., tuple[Path, Any]]:
    """Export a CompiledInfra and run it under Pulumi mocks."""
    from glacier.deploy.mockrun import run_isolated as run_program

    def run(infra: Any, name: str = "infra") -> tuple[Path, Any]:
        out = tmp_path / name
        infra.export_pulumi(out)
        return out, run_program(out)

    return run
