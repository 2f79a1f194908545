"""What the cloud driver runs, run exactly, against local stand-ins of three clouds.

The artifact of a real user project (tests/deploy/driver_project: a pipeline and its own
module) is built, then installed ALONE in a fresh virtual environment (``python -m venv`` +
``pip install ARTIFACT``: third-party wheels come from the package index, nothing from this
checkout). The driver's exact command, ``glacier run <module>:<pipeline>``, runs in that
environment with ``GLACIER_DEPLOYMENT`` pointing at a record on S3 (moto), shaped like the
stack output a deploy saves. The pipeline reads from S3, Azure Blob (Azurite) and GCS
(gcp-storage-emulator), runs its join on a stand-in Databricks workspace found through the
record (workspace URL, existing cluster id, staging bucket: none of them in the config), which
installs the same artifact from S3; the summary written to the three clouds equals what plain
Polars computes. Not verified: a real container image, real clouds, a real workspace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier.deploy.artifact import BuiltArtifact, package_pipeline
from glacier.deploy.record import STACK_OUTPUT, DeploymentRecord, record_from_stack_outputs
from tests.storage.storage_servers import (
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    GCP_PROJECT,
    AzuriteMissingError,
    Server,
    cloudless_env,
    create_container,
    create_gcs_bucket,
    create_s3_bucket,
    start_azurite,
    start_gcs,
    start_moto,
)

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "driver_project"
CHECKOUT = HERE.parents[1]
LAKE = "driver-lake"
STAGING = "driver-staging"
CLUSTER_ID = "0101-000000-deployed"
ORDERS = pl.DataFrame(
    {
        "order": [1, 2, 3, 4, 5],
        "customer": ["a", "b", "a", "c", "b"],
        "currency": ["USD", "GBP", "EUR", "USD", "EUR"],
        "amount": [10.0, 20.0, 30.0, 40.0, 50.0],
    }
)
CUSTOMERS = pl.DataFrame({"customer": ["a", "b", "c"], "country": ["FR", "DE", "FR"]})
RATES = pl.DataFrame({"currency": ["USD", "GBP", "EUR"], "rate": [0.9, 1.15, 1.0]})


def expected_summary() -> pl.DataFrame:
    """Plain Polars, written independently of the project's module."""
    joined = ORDERS.join(CUSTOMERS, on="customer").join(RATES, on="currency")
    joined = joined.with_columns((pl.col("amount") * pl.col("rate")).alias("amount_eur"))
    return (
        joined.group_by("country")
        .agg(pl.col("amount_eur").sum().round(6).alias("total_eur"), pl.len().alias("orders"))
        .sort("country")
    )


@dataclass
class Clouds:
    s3: Server
    blob: Server
    gcs: Server

    def env(self) -> dict[str, str]:
        """What the driver's container would get: endpoints and credentials, per cloud."""
        return {
            **self.s3.env,
            **self.blob.env,
            "AZURE_STORAGE_ACCOUNT": AZURITE_ACCOUNT,
            "AZURE_STORAGE_KEY": AZURITE_KEY,
            "AZURE_STORAGE_ENDPOINT": self.blob.endpoint,
            **self.gcs.env,
        }


@pytest.fixture(scope="module")
def clouds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clouds]:
    try:
        with (
            start_moto() as s3,
            start_azurite(tmp_path_factory.mktemp("azurite")) as blob,
            start_gcs() as gcs,
        ):
            for name in (LAKE, STAGING):
                create_s3_bucket(s3.endpoint, name)
            create_container(blob.endpoint, LAKE)
            create_gcs_bucket(gcs.endpoint, LAKE)
            yield Clouds(s3, blob, gcs)
    except AzuriteMissingError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> BuiltArtifact:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GCP_PROJECT", GCP_PROJECT)  # the pipeline's configs come from the env
        return package_pipeline(str(PROJECT / "orders_pipeline.py"), tmp_path_factory.mktemp("d"))


@pytest.fixture(scope="module")
def driver_venv(
    artifact: BuiltArtifact, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A fresh venv holding only the artifact (and the wheels it requires from the index)."""
    venv = tmp_path_factory.mktemp("driver") / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True, env=env, timeout=300)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(artifact.path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1200,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr[-4000:]
    yield venv
    shutil.rmtree(venv, ignore_errors=True)


def s3fs_client(clouds: Clouds):  # type: ignore[no-untyped-def]
    import s3fs

    env = clouds.s3.env
    return s3fs.S3FileSystem(
        key=env["AWS_ACCESS_KEY_ID"],
        secret=env["AWS_SECRET_ACCESS_KEY"],
        client_kwargs={"endpoint_url": clouds.s3.endpoint, "region_name": "us-east-1"},
        skip_instance_cache=True,
    )


def stack_outputs(artifact: BuiltArtifact, artifact_uri: str, workspace: str) -> dict[str, object]:
    """What the compiled program exports (see docs/deploy.md), as the Automation API returns
    it: one output holding the record (``stack`` filled in by glacier deploy)."""
    value = {
        "pipeline": "orders-driver",
        "project": "glacier-orders-driver",
        "providers": {
            "aws-us-east-1": {"cloud": "aws", "region": "us-east-1", "account": "123456789012"},
            "azure-eastus": {"cloud": "azure", "region": "eastus"},
            "gcp-us-central1": {"cloud": "gcp", "region": "us-central1", "account": GCP_PROJECT},
        },
        "artifact": {
            "uri": artifact_uri,
            "sha256": artifact.sha256,
            "filename": artifact.path.name,
            "entry": artifact.manifest.entry,
        },
        "runs_uri": f"s3://{STAGING}/_glacier/runs/",
        "resources": {
            "dbx": {
                "kind": "executor",
                "id": CLUSTER_ID,
                "url": workspace,
                "staging_bucket": STAGING,
                "identity": "arn:aws:iam::123456789012:role/glacier-orders-driver-dbx",
            },
            "orders-driver": {
                "kind": "driver",
                "name": "glacier-orders-driver",
                "identity": "arn:aws:iam::123456789012:role/glacier-orders-driver-driver",
            },
        },
    }
    return {STACK_OUTPUT: type("OutputValue", (), {"value": value, "secret": False})()}


def test_driver_command_in_a_clean_venv_runs_the_pipeline_on_three_clouds(
    clouds: Clouds,
    artifact: BuiltArtifact,
    driver_venv: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(HERE.parent / "compute"))  # the engine stand-ins
    from fake_databricks import TOKEN, fake_databricks

    from tests.storage.storage_servers import aws_provider, azure_provider, gcp_provider

    # Nothing from this checkout in the driver's environment: one distribution of ours.
    listed = subprocess.run(
        [str(driver_venv / "bin" / "python"), "-m", "pip", "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    names = {d["name"].lower() for d in json.loads(listed.stdout)}
    assert "glacier-app-orders-driver" in names
    assert not {n for n in names if n.startswith("glacier") and n != "glacier-app-orders-driver"}
    for pth in (driver_venv / "lib").rglob("*.pth"):
        assert str(CHECKOUT) not in pth.read_text()

    # Inputs, written through Glacier in this process.
    aws_provider(clouds.s3.endpoint).bucket(LAKE, path="raw/orders.parquet").write(ORDERS)
    azure_provider(clouds.blob.endpoint).bucket(LAKE, path="raw/customers.parquet").write(CUSTOMERS)
    gcp_provider(clouds.gcs.endpoint).bucket(LAKE, path="raw/rates.parquet").write(RATES)

    # The deployment: the artifact and the record on S3, like a deploy leaves them.
    fs = s3fs_client(clouds)
    artifact_key = f"{STAGING}/_glacier/artifacts/{artifact.sha256}/{artifact.path.name}"
    fs.put(str(artifact.path), artifact_key)
    engine_env = {**clouds.s3.env, "AWS_CONFIG_FILE": str(tmp_path / "none")}
    with fake_databricks(env=engine_env) as workspace:
        record = record_from_stack_outputs(
            stack_outputs(artifact, f"s3://{artifact_key}", workspace.url), stack="prod"
        )
        record_key = f"{STAGING}/_glacier/deployments/prod.json"
        fs.pipe(record_key, record.to_json().encode())

        env = {
            **{k: v for k, v in cloudless_env().items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
            **clouds.env(),
            "PATH": f"{driver_venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "GLACIER_DEPLOYMENT": f"s3://{record_key}",
            "DATABRICKS_TOKEN": TOKEN,
            "DATABRICKS_CONFIG_FILE": str(tmp_path / "no-databrickscfg"),
            "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
            "GLACIER_CACHE_DIR": str(tmp_path / "cache"),
        }
        run_dir = tmp_path / "container"
        run_dir.mkdir()
        driver = subprocess.run(
            ["glacier", "run", artifact.manifest.entry or "", "--quiet"],
            cwd=run_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert driver.returncode == 0, driver.stdout + driver.stderr

        # The join ran on the workspace named by the record, from the artifact on S3.
        [request] = workspace.runs.requests
        task = request["tasks"][0]
        assert task["existing_cluster_id"] == CLUSTER_ID
        assert task["libraries"] == [{"whl": f"s3://{artifact_key}"}]
        assert task["spark_python_task"]["parameters"][0].startswith(
            f"s3://{STAGING}/_glacier/jobs/"
        )
        assert workspace.runs.refused == []

    expected = expected_summary()
    with fs.open(f"{LAKE}/out/summary.parquet", "rb") as fh:
        assert_frame_equal(pl.read_parquet(fh), expected, check_exact=False)
    blob = azure_provider(clouds.blob.endpoint).bucket(LAKE, path="out/summary.parquet")
    assert_frame_equal(blob.read(), expected, check_exact=False)
    gcs = gcp_provider(clouds.gcs.endpoint).bucket(LAKE, path="out/summary.parquet")
    assert_frame_equal(gcs.read(), expected, check_exact=False)
    assert record == DeploymentRecord.model_validate_json(fs.cat(record_key))
