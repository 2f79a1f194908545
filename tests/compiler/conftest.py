"""Fixtures for the compiler tests: example pipelines, export + mock run.

Refresh golden files with ``GLACIER_UPDATE_GOLDEN=1 .venv/bin/pytest tests/compiler``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "escape_hatches"
HERE = Path(__file__).resolve().parent

for path in (str(HERE), str(EXAMPLES)):
    if path not in sys.path:
        sys.path.insert(0, path)

pytest.importorskip("pulumi")


@pytest.fixture(autouse=True)
def _quiet_pulumi_warnings() -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


@pytest.fixture
def export_and_run(tmp_path: Path) -> Callable[..., tuple[Path, object]]:
    """Export a CompiledInfra to a temp dir and run it under Pulumi mocks."""
    from tests.compiler.mockrun import run_program

    def run(infra: object, name: str = "infra") -> tuple[Path, object]:
        out = tmp_path / name
        infra.export_pulumi(out)  # type: ignore[attr-defined]
        return out, run_program(out)

    return run
