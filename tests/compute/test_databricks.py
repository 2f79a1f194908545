"""DatabricksAdapter (databricks-sdk) against a local stand-in of the Jobs API that really runs
the submitted package in a subprocess. Not verified against a real workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import compute_tasks
import pytest
from fake_databricks import TOKEN, FakeDatabricks, fake_databricks

from glacier import Provider, TaskStatus, pipeline, task
from glacier.errors import ConfigError, PipelineFailedError
from glacier.testing.executor_contract import ExecutorContract


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDatabricks]:
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "missing.cfg"))
    for var in ("DATABRICKS_HOST", "DATABRICKS_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    with fake_databricks() as fake:
        yield fake


def databricks_config(workspace: FakeDatabricks, **extra: object):  # type: ignore[no-untyped-def]
    from glacier.config import DatabricksConfig

    return DatabricksConfig(
        host=workspace.url,
        token=TOKEN,
        staging_bucket="staging",
        **extra,  # type: ignore[arg-type]
    )


class TestDatabricksContract(ExecutorContract):
    timeout = 60.0

    @pytest.fixture
    def executor(self, provider: Provider, workspace: FakeDatabricks):  # type: ignore[no-untyped-def]
        return provider.executor("dbx", config=databricks_config(workspace))


def test_pipeline_on_databricks(
    provider: Provider, orders, workspace: FakeDatabricks, deployment
) -> None:
    dbx = provider.executor("dbx", config=databricks_config(workspace, libraries=["glacier-core"]))
    totals = task(compute_tasks.add_total, executor=dbx)
    count = task(compute_tasks.count_rows, executor=dbx)

    @pipeline
    def on_dbx() -> None:
        count(totals(orders, factor=2.0))

    result = on_dbx.run()
    assert result["count_rows"].output == {"rows": 3}
    assert result["add_total"].output.collect()["total"].to_list() == [20.0, 40.0, 60.0]
    body = workspace.runs.requests[0]
    task_body = body["tasks"][0]
    assert task_body["spark_python_task"]["python_file"].endswith("glacier_entrypoint.py")
    assert task_body["spark_python_task"]["parameters"][0].endswith("/job.json")
    assert task_body["new_cluster"]["node_type_id"] == "m5.xlarge"
    # The code artifact is a whl library, then the config's PyPI libraries.
    assert task_body["libraries"] == [
        {"whl": deployment.artifact.uri},
        {"pypi": {"package": "glacier-core"}},
    ]


def test_failure_names_task_error_and_run_url(
    provider: Provider, orders, workspace: FakeDatabricks
) -> None:
    dbx = provider.executor("dbx", config=databricks_config(workspace))
    explode = task(compute_tasks.explode, executor=dbx)

    @pipeline
    def failing() -> None:
        explode(orders)

    with pytest.raises(PipelineFailedError) as info:
        failing.run()
    message = str(info.value)
    assert "boom: negative amounts are not allowed" in message
    assert f"{workspace.url}/#job/runs/" in message


def test_timeout_cancels_the_run(provider: Provider, workspace: FakeDatabricks) -> None:
    dbx = provider.executor("dbx", config=databricks_config(workspace))
    sleepy = task(compute_tasks.sleepy, executor=dbx, timeout=3)

    @pipeline
    def slow() -> None:
        sleepy(60)

    result = slow.run(raise_on_failure=False)
    assert result["sleepy"].status is TaskStatus.TIMED_OUT
    run = next(iter(workspace.runs.runs.values()))
    run.proc.wait(timeout=10)
    assert run.cancelled


def test_instance_type_checked_against_provider_cloud(tmp_path: Path) -> None:
    from glacier.config import AzureConfig, DatabricksConfig

    azure = Provider(config=AzureConfig(storage_account="acct"))
    with pytest.raises(ConfigError, match="Standard_D4s_v3"):  # raised when it is created
        azure.executor("dbx", config=DatabricksConfig(instance_type="m5.xlarge"))
    default = azure.executor("dbx2", config=DatabricksConfig())
    assert default._get_adapter().settings.node_type_for(azure.config) == "Standard_D4s_v3"
