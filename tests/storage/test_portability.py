"""One script, four backends: ``examples/sales_pipeline.py`` runs unchanged on local, S3,
Azure Blob and GCS, choosing the backend only by environment variables, and writes the same
result everywhere."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier import Provider
from tests.storage.storage_servers import (
    AZURITE_ACCOUNT,
    REPO,
    Server,
    cloudless_env,
    create_container,
    create_gcs_bucket,
    create_s3_bucket,
)

EXAMPLE = REPO / "examples" / "sales_pipeline.py"
BUCKET = "glacier-portability"
OUTPUT = "processed/sales_by_category.parquet"
BACKENDS = ("local", "s3", "azure", "gcs")


@dataclass
class Run:
    """One run of the example on one backend."""

    backend: str
    env: dict[str, str]
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def backend_envs(
    moto_server: Server,
    azurite_server: Server,
    gcs_server: Server,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, dict[str, str]]:
    """Environment of each backend, with its bucket/container created on the server."""
    create_s3_bucket(moto_server.endpoint, BUCKET)
    create_container(azurite_server.endpoint, BUCKET)
    create_gcs_bucket(gcs_server.endpoint, BUCKET)
    local_base = tmp_path_factory.mktemp("portability-local")
    extra = {
        "local": {"GLACIER_LOCAL_BASE_PATH": str(local_base)},
        "s3": moto_server.env,
        "azure": {"AZURE_STORAGE_ACCOUNT": AZURITE_ACCOUNT, **azurite_server.env},
        "gcs": gcs_server.env,
    }
    return {
        name: {**cloudless_env(), **env, "GLACIER_EXAMPLE_BUCKET": BUCKET}
        for name, env in extra.items()
    }


@pytest.fixture(scope="module")
def runs(backend_envs: dict[str, dict[str, str]], tmp_path_factory: pytest.TempPathFactory):
    """Run the example on the four backends at once (separate processes)."""
    procs = {}
    for name in BACKENDS:
        cwd = tmp_path_factory.mktemp(f"run-{name}")
        procs[name] = subprocess.Popen(
            [sys.executable, str(EXAMPLE)],
            cwd=cwd,
            env=backend_envs[name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    results: dict[str, Run] = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        results[name] = Run(name, backend_envs[name], proc.returncode, out, err)
    return results


def read_output(env: Mapping[str, str]) -> pl.DataFrame:
    """Read the example's output back through Glacier, on the backend ``env`` selects."""
    provider = Provider.from_env(environ=env)
    return provider.bucket(BUCKET, path=OUTPUT).read()


@pytest.fixture(scope="module")
def outputs(runs: dict[str, Run]) -> Iterator[dict[str, pl.DataFrame]]:
    yield {name: read_output(run.env) for name, run in runs.items() if run.returncode == 0}


def test_example_is_unchanged_file() -> None:
    assert EXAMPLE.is_file()
    assert "Provider.from_env(" in EXAMPLE.read_text()


@pytest.mark.parametrize("backend", BACKENDS)
def test_example_runs(runs: dict[str, Run], backend: str) -> None:
    run = runs[backend]
    assert run.returncode == 0, f"{backend} run failed:\n{run.stderr[-3000:]}"
    assert "revenue" in run.stdout


@pytest.mark.parametrize(
    ("backend", "config_type"),
    [("local", "LocalConfig"), ("s3", "AwsConfig"), ("azure", "AzureConfig"), ("gcs", "GcpConfig")],
)
def test_environment_selects_backend(
    backend_envs: dict[str, dict[str, str]], backend: str, config_type: str
) -> None:
    provider = Provider.from_env(environ=backend_envs[backend])
    assert type(provider.config).__name__ == config_type


@pytest.mark.parametrize("backend", [b for b in BACKENDS if b != "local"])
def test_identical_output(outputs: dict[str, pl.DataFrame], backend: str) -> None:
    assert "local" in outputs and backend in outputs, "a run failed (see test_example_runs)"
    reference = outputs["local"]
    assert reference.height == 100
    assert reference.columns == ["category", "revenue", "orders"]
    assert_frame_equal(outputs[backend], reference)


def test_outputs_live_on_each_backend(runs: dict[str, Run]) -> None:
    uris = {
        name: Provider.from_env(environ=run.env).bucket(BUCKET, path=OUTPUT).get_uri()
        for name, run in runs.items()
    }
    assert uris["s3"] == f"s3://{BUCKET}/{OUTPUT}"
    assert uris["azure"] == f"abfs://{BUCKET}@{AZURITE_ACCOUNT}.dfs.core.windows.net/{OUTPUT}"
    assert uris["gcs"] == f"gs://{BUCKET}/{OUTPUT}"
    assert uris["local"].startswith("file://") and uris["local"].endswith(OUTPUT)
    assert Path(uris["local"].removeprefix("file://")).is_file()
