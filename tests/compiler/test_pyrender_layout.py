"""Layout of long strings deep in generated code: what ruff keeps (the generated program
must stay ``ruff format --check`` clean)."""

from __future__ import annotations

import ast
import shutil
import subprocess

import pytest

from glacier.compiler.pyrender import LINE_LENGTH, render_assignment
from tests.compiler.conftest import ROOT

RUFF = ROOT / ".venv/bin/ruff"


def _nested(value: object, depth: int) -> object:
    for n in range(depth):
        value = {f"k{n}": [value, 1]} if n % 2 else {f"k{n}": value, "x": 1}
    return value


@pytest.mark.parametrize("depth", range(1, 9))
@pytest.mark.parametrize("size", [40, 70, 76, 90, 130, 250])
def test_long_strings_deep_in_containers_are_ruff_stable(tmp_path, depth: int, size: int) -> None:
    text = ("arn:aws:logs:us-east-1:123456789012:log-group:/aws-glue/jobs/" + "x" * 300)[:size]
    code = render_assignment("value", _nested(text, depth)) + "\n"
    namespace: dict[str, object] = {}
    exec(compile(ast.parse(code), "<generated>", "exec"), namespace)
    assert namespace["value"] == _nested(text, depth)
    assert all(len(line) <= LINE_LENGTH for line in code.splitlines()), code
    if not RUFF.exists() and shutil.which("ruff") is None:
        pytest.skip("ruff not installed")
    path = tmp_path / "generated.py"
    path.write_text(code)
    ruff = str(RUFF) if RUFF.exists() else "ruff"
    config = ["--config", str(ROOT / "pyproject.toml")]
    done = subprocess.run([ruff, "format", "--diff", *config, str(path)], capture_output=True)
    assert done.returncode == 0, done.stdout.decode()
