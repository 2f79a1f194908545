"""Golden files of the generated programs, plus ast.parse and ruff on every one.

Refresh: ``GLACIER_UPDATE_GOLDEN=1 .venv/bin/pytest tests/compiler``.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys

import pytest

from tests.compiler.conftest import HERE, ROOT
from tests.compiler.examples_registry import EXAMPLES as PROGRAMS

GOLDEN = HERE / "golden"
UPDATE = os.environ.get("GLACIER_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_golden(name: str) -> None:
    program = PROGRAMS[name]().program
    ast.parse(program)
    assert program == PROGRAMS[name]().program  # deterministic
    path = GOLDEN / f"{name}.py"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(program)
    assert path.exists(), f"missing {path}; run GLACIER_UPDATE_GOLDEN=1 pytest tests/compiler"
    assert program == path.read_text(), f"{path} is stale; refresh with GLACIER_UPDATE_GOLDEN=1"


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (ROOT / ".venv/bin/ruff").exists(),
    reason="ruff not installed",
)
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_generated_code_is_ruff_clean(name: str, tmp_path) -> None:
    target = tmp_path / f"{name}.py"
    target.write_text(PROGRAMS[name]().program)
    ruff = str(ROOT / ".venv/bin/ruff") if (ROOT / ".venv/bin/ruff").exists() else "ruff"
    config = ["--config", str(ROOT / "pyproject.toml")]
    subprocess.run([ruff, "check", *config, str(target)], check=True)
    subprocess.run([ruff, "format", "--check", *config, str(target)], check=True)


def test_cli_compile(tmp_path) -> None:
    target = f"{ROOT / 'examples/escape_hatches/aws_pipeline.py'}:compliance"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "examples/escape_hatches")}
    glacier = [sys.executable, "-m", "glacier"]
    check = subprocess.run(
        [*glacier, "compile", target, "--check"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "ok: pipeline 'compliance' compiles to" in check.stdout
    assert "Pulumi resources (2 buckets, 1 driver, 1 executor)" in check.stdout
    assert "entry        aws_pipeline:compliance" in check.stdout  # the artifact it packed
    subprocess.run([*glacier, "compile", target, "--out", str(tmp_path)], env=env, check=True)
    assert {p.name for p in tmp_path.iterdir()} >= {
        "__main__.py",
        "Pulumi.yaml",
        "requirements.txt",
        "README.md",
    }
    assert "pulumi-aws>=7.0,<8" in (tmp_path / "requirements.txt").read_text()
    assert "runtime:\n  name: python" in (tmp_path / "Pulumi.yaml").read_text()
