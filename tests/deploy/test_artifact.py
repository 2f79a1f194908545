"""``glacier package``: one deterministic wheel with exactly the code the pipeline needs."""

from __future__ import annotations

import json
import shutil
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from glacier.deploy.artifact import (
    MANIFEST_NAME,
    build_artifact,
    package_pipeline,
    sensitive_reason,
)
from glacier.errors import ArtifactError


def wheel_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_packs_the_pipeline_and_what_it_imports_only(project: Path, tmp_path: Path) -> None:
    built = package_pipeline(str(project), tmp_path / "dist")
    files = wheel_files(built.path)
    m = built.manifest
    assert m.entry == "daily:daily-orders"
    assert m.modules == {
        "daily": "daily.py",
        "helpers.clean": "helpers/clean.py",
        "helpers": "helpers/__init__.py",
        "helpers.util": "helpers/util.py",  # found through a relative import
    }
    user = {n for n in files if not n.startswith(("glacier/", "glacier_app_daily_orders"))}
    assert user == {"daily.py", "helpers/__init__.py", "helpers/clean.py", "helpers/util.py"}
    assert not any(n.endswith((".env", ".pem", "unused.py", ".sql", ".pyc")) for n in files)
    # glacier-core is vendored (a local pipeline needs no plugin), with its console script.
    assert "glacier/jobs/entrypoint.py" in files and "glacier/py.typed" in files
    assert not any(n.startswith("glacier_aws/") for n in files)
    assert m.vendored == {"glacier-core": metadata.version("glacier-core")}
    dist_info = f"{m.dist_info}/"
    entry_points = files[dist_info + "entry_points.txt"].decode()
    assert "glacier = glacier.cli.main:main" in entry_points
    # Pinned: what the modules import (requests) and glacier-core's own requirements.
    for dist in ("requests", "polars", "pydantic", "pluggy"):
        assert f"{dist}=={metadata.version(dist)}" in m.requirements
    meta = files[dist_info + "METADATA"].decode()
    assert f"Requires-Dist: requests=={metadata.version('requests')}" in meta
    assert json.loads(files[dist_info + MANIFEST_NAME]) == m.model_dump(mode="json")
    # RECORD lists every file with its hash.
    record = files[dist_info + "RECORD"].decode().splitlines()
    assert len(record) == len(files)
    summary = built.summary()
    assert "daily (daily.py)" in summary and "requests==" in summary


def test_same_sources_same_bytes_anywhere(project: Path, tmp_path: Path) -> None:
    first = package_pipeline(str(project), tmp_path / "a")
    moved = tmp_path / "elsewhere" / "shop"
    shutil.copytree(project.parents[1], moved)
    second = package_pipeline(str(moved / "pipelines" / "daily.py"), tmp_path / "b")
    assert first.sha256 == second.sha256
    assert first.path.read_bytes() == second.path.read_bytes()
    (moved / "helpers" / "util.py").write_text("def column():\n    return 'total'\n")
    third = package_pipeline(str(moved / "pipelines" / "daily.py"), tmp_path / "c")
    assert third.sha256 != first.sha256
    assert third.manifest.version != first.manifest.version  # clusters reinstall it


def test_declared_data_and_never_secrets(project: Path, tmp_path: Path) -> None:
    built = package_pipeline(str(project), tmp_path / "d", include=["sql/*.sql"])
    assert built.manifest.data == ["sql/report.sql"]
    assert "sql/report.sql" in wheel_files(built.path)
    for pattern, reason in ((".env", "dotfile"), ("keys/*", "key or certificate")):
        with pytest.raises(ArtifactError, match=f"looks like a {reason}.*never packs"):
            package_pipeline(str(project), tmp_path / "e", include=[pattern])
    with pytest.raises(ArtifactError, match="matches no file"):
        package_pipeline(str(project), tmp_path / "e", include=["*.csv"])


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        (".env", True),
        ("config/.env.prod", True),
        (".aws/config", True),
        ("keys/id_ed25519", True),
        ("gcp-service-account.json", True),
        ("aws_credentials.json", True),
        ("state/prod.tfstate", True),
        ("pipelines/daily.py", False),
        ("glacier_aws/credentials.py", False),  # source code, not a credentials file
        ("credentials.json", True),
        ("sql/report.sql", False),
        ("data/lookup.csv", False),
    ],
)
def test_sensitive_names(path: str, secret: bool) -> None:
    assert (sensitive_reason(path) is not None) is secret


def test_plugins_follow_the_pipelines_configs(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pipe.py").write_text(
        "from glacier import Provider, pipeline, task\n"
        "from glacier.config import AwsConfig, DatabricksConfig\n"
        "aws = Provider(config=AwsConfig(region='eu-west-1'))\n"
        "raw = aws.bucket('lake-raw', path='a.parquet')\n"
        "dbx = aws.executor('dbx', config=DatabricksConfig(host='https://h', staging_bucket='s'))\n"
        "@task(executor=dbx)\n"
        "def count(src):\n    return src.scan().collect().height\n"
        "@pipeline\n"
        "def p():\n    count(raw)\n"
    )
    built = package_pipeline(str(root / "pipe.py"), tmp_path / "dist", root=root)
    assert set(built.manifest.vendored) == {"glacier-core", "glacier-aws", "glacier-databricks"}
    assert {"boto3", "s3fs", "databricks-sdk"} <= {
        r.split("==")[0] for r in built.manifest.requirements
    }
    entry_points = wheel_files(built.path)[f"{built.manifest.dist_info}/entry_points.txt"]
    assert b"aws = glacier_aws.hooks" in entry_points
    assert b"databricks = glacier_databricks.hooks" in entry_points


def test_bad_input(project: Path, tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="expected an existing .py file"):
        build_artifact(project.with_suffix(".txt"), tmp_path)
    with pytest.raises(ArtifactError, match="outside the project root"):
        build_artifact(project, tmp_path, root=tmp_path / "elsewhere")
    with pytest.raises(ArtifactError, match="Extra module 'nope'"):
        build_artifact(project, tmp_path, extra_modules=["nope"])
    (project.parents[1] / "helpers" / "util.py").write_text("def column(:\n")
    with pytest.raises(ArtifactError, match="syntax error line 1"):
        build_artifact(project, tmp_path)
