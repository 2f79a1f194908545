"""Installing without a package index: one command builds every wheel; they install by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTIONS = sorted(p.parent.name for p in (ROOT / "packages").glob("*/pyproject.toml"))


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-wheels.sh"), str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_build_wheels_makes_one_wheel_per_distribution(wheels: Path) -> None:
    assert len(DISTRIBUTIONS) >= 5
    built = sorted(w.name.split("-")[0].replace("_", "-") for w in wheels.glob("*.whl"))
    assert built == DISTRIBUTIONS
    for wheel in wheels.glob("*.whl"):
        names = zipfile.ZipFile(wheel).namelist()
        assert any(n.endswith("/py.typed") for n in names), wheel.name


@pytest.mark.slow
def test_a_plugin_installs_from_the_wheels_with_its_core(wheels: Path) -> None:
    """``pip install --find-links dist glacier-aws`` takes glacier-core from dist/ (it is on no
    index); third-party dependencies still come from the index (resolved, not installed)."""
    proc = subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
            "--quiet", "--report", "-", "--find-links", str(wheels), "glacier-aws",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    sources = {
        item["metadata"]["name"]: item["download_info"]["url"]
        for item in report["install"]
        if item["metadata"]["name"].startswith("glacier")
    }
    assert set(sources) == {"glacier-aws", "glacier-core"}
    assert all(url.startswith(wheels.as_uri()) for url in sources.values()), sources
