"""Every distribution builds a wheel with py.typed, its version and (plugins) its entry point."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("dist", "module", "entry"),
    [
        ("glacier-core", "glacier", None),
        ("glacier-aws", "glacier_aws", "aws = glacier_aws.hooks"),
        ("glacier-azure", "glacier_azure", "azure = glacier_azure.hooks"),
        ("glacier-gcp", "glacier_gcp", "gcp = glacier_gcp.hooks"),
        ("glacier-databricks", "glacier_databricks", "databricks = glacier_databricks.hooks"),
    ],
)
def test_wheel_builds(tmp_path: Path, dist: str, module: str, entry: str | None) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT / "packages" / dist),
        ],
        check=True,
        timeout=600,
    )
    wheel = next(tmp_path.glob(f"{dist.replace('-', '_')}-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert f"{module}/py.typed" in names
    assert not any(n.startswith(("tests/", "glacier/")) for n in names) or module == "glacier"
    metadata = next(n for n in names if n.endswith("entry_points.txt")) if entry else None
    if entry:
        text = zipfile.ZipFile(wheel).read(metadata).decode()
        assert "[glacier]" in text and entry in text
    else:
        meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
        requires = [line for line in meta.decode().splitlines() if line.startswith("Requires-Dist")]
        core_deps = [r for r in requires if "extra ==" not in r]
        assert not any(x in " ".join(core_deps) for x in ("boto3", "pulumi", "fsspec", "azure"))
