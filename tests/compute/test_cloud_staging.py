"""Executors staging on cloud storage, end to end, against local servers: a pipeline on an
AwsConfig provider (moto S3) whose tasks run on a stand-in Databricks workspace.

Inputs are staged to S3 (a LazyFrame passed between tasks becomes ``input-N.parquet`` under
``s3://<staging>/_glacier/jobs/<job>/``), the spec and entry script are uploaded there, the
fake workspace's subprocess fetches the entry script from S3 and runs it with credentials
from its environment only (a job package never carries secrets), and the runtime fetches the
result from S3. The same on an AzureConfig provider with Azurite (engine-facing URIs are
``abfss://``). Not verified against real AWS/Azure or a real Databricks workspace.
"""

from __future__ import annotations

from collections.abc import Iterator

import compute_tasks
import polars as pl
import pytest
from fake_databricks import TOKEN, FakeDatabricks, fake_databricks

from glacier import Provider, pipeline, task
from glacier.resources.executor import Executor
from glacier.testing.executor_contract import ExecutorContract
from tests.storage.storage_servers import Server, create_s3_bucket, start_moto

KEY_ID = "testing"
SECRET = "testing-secret"
LAKE = "glacier-lake"
STAGING = "glacier-staging"
CONTRACT_STAGING = "glacier-contract-staging"
ORDERS = pl.DataFrame({"id": [1, 2, 3], "amount": [10.0, 20.0, 30.0]})


@pytest.fixture(scope="module")
def moto() -> Iterator[Server]:
    with start_moto() as server:
        for name in (LAKE, STAGING, CONTRACT_STAGING):
            create_s3_bucket(server.endpoint, name)
        yield server


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """This process reaches S3 only through the provider's config: no AWS variables."""
    import os

    for var in list(os.environ):
        if var.startswith(("AWS_", "DATABRICKS_")):
            monkeypatch.delenv(var)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "missing.cfg"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "missing-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "missing-aws-credentials"))


@pytest.fixture
def workspace(moto: Server, clean_env: None, tmp_path) -> Iterator[FakeDatabricks]:  # type: ignore[no-untyped-def]
    """The cluster's environment: credentials and endpoint of the S3 server, nothing else."""
    env = {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto.endpoint,
        "AWS_CONFIG_FILE": str(tmp_path / "missing-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "missing-aws-credentials"),
    }
    with fake_databricks(env=env) as fake:
        yield fake


def aws(moto: Server) -> Provider:
    from glacier.config import AwsConfig

    return Provider(
        config=AwsConfig(
            region="us-east-1",
            endpoint_url=moto.endpoint,
            access_key_id=KEY_ID,
            secret_access_key=SECRET,  # type: ignore[arg-type]
        )
    )


class TestContractWithKeysOnlyInConfig(ExecutorContract):
    """The executor contract on a provider whose S3 keys exist only in its config: this
    process has no AWS variables and the workspace has its own, so the contract passes only
    if it reads results through the executor's provider (as the runtime does)."""

    timeout = 60.0

    @pytest.fixture
    def executor(self, moto: Server, workspace: FakeDatabricks) -> Executor:
        from glacier.config import DatabricksConfig

        config = DatabricksConfig(
            host=workspace.url,
            token=TOKEN,
            staging_bucket=CONTRACT_STAGING,
            instance_type="m5.xlarge",
        )
        return aws(moto).executor("dbx", config=config)


def s3fs_client(moto: Server):  # type: ignore[no-untyped-def]
    import s3fs

    return s3fs.S3FileSystem(
        key=KEY_ID,
        secret=SECRET,
        client_kwargs={"endpoint_url": moto.endpoint, "region_name": "us-east-1"},
        use_listings_cache=False,
        skip_instance_cache=True,
    )


def test_pipeline_stages_on_s3(moto: Server, workspace: FakeDatabricks) -> None:
    from glacier.config import DatabricksConfig

    provider = aws(moto)
    orders = provider.bucket(LAKE, path="raw/orders.parquet")
    orders.write(ORDERS)
    dbx = provider.executor(
        "dbx",
        config=DatabricksConfig(
            host=workspace.url,
            token=TOKEN,
            staging_bucket=STAGING,
            instance_type="m5.xlarge",
        ),
    )
    totals = task(compute_tasks.add_total, executor=dbx)
    count = task(compute_tasks.count_rows, executor=dbx)

    @pipeline
    def on_s3() -> None:
        count(totals(orders, factor=2.0))

    result = on_s3.run()

    expected = ORDERS.with_columns((pl.col("amount") * 2.0).alias("total"))
    assert result["add_total"].output.collect().equals(expected)
    assert result["count_rows"].output == {"rows": expected.height}

    # Both runs started the entry script from S3 and read their spec from S3.
    assert len(workspace.runs.requests) == 2
    for body in workspace.runs.requests:
        spark_task = body["tasks"][0]["spark_python_task"]
        assert spark_task["python_file"].startswith(f"s3://{STAGING}/_glacier/jobs/")
        assert spark_task["python_file"].endswith("/glacier_entrypoint.py")
        assert spark_task["parameters"][0].startswith(f"s3://{STAGING}/_glacier/jobs/")
        assert body["tasks"][0]["new_cluster"]["node_type_id"] == "m5.xlarge"

    # The staged package, the staged upstream frame and both results are on S3.
    fs = s3fs_client(moto)
    files = [path.split("/_glacier/jobs/", 1)[1] for path in fs.find(f"{STAGING}/_glacier/jobs/")]
    names = sorted(name.split("/", 1)[1] for name in files)
    assert names.count("job.json") == 2
    assert names.count("glacier_entrypoint.py") == 2
    assert "input-0.parquet" in names  # add_total's frame passed to count_rows
    assert "frame.parquet" in names and "value.parquet" in names
    staged = next(f for f in fs.find(f"{STAGING}/_glacier/jobs/") if f.endswith("input-0.parquet"))
    with fs.open(staged, "rb") as fh:
        assert pl.read_parquet(fh).equals(expected)
    # No credential reached storage: the spec names the provider without its key pair.
    for path in fs.find(f"{STAGING}/_glacier/jobs/"):
        if path.endswith("job.json"):
            text = fs.cat(path).decode()
            assert SECRET not in text and "access_key" not in text
            assert moto.endpoint in text  # the endpoint is public and travels with the ref


# -- Azure: Databricks on an AzureConfig provider, staging on Azurite ------------------------
@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from tests.storage.storage_servers import AzuriteMissingError, create_container, start_azurite

    try:
        with start_azurite(tmp_path_factory.mktemp("azurite")) as server:
            for name in (LAKE, STAGING):
                create_container(server.endpoint, name)
            yield server
    except AzuriteMissingError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def azure_workspace(azurite: Server, monkeypatch: pytest.MonkeyPatch, tmp_path):  # type: ignore[no-untyped-def]
    """This process has no Azure variables; the cluster's environment has the connection
    string, under its documented name only (docs/clouds/azure.md, "Credentials")."""
    import os

    for var in list(os.environ):
        if var.startswith(("AZURE_", "DATABRICKS_")):
            monkeypatch.delenv(var)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "missing.cfg"))
    env = {"AZURE_STORAGE_CONNECTION_STRING": azurite.env["AZURE_STORAGE_CONNECTION_STRING"]}
    with fake_databricks(env=env) as fake:
        yield fake


def test_pipeline_stages_on_azure_blob(azurite: Server, azure_workspace: FakeDatabricks) -> None:
    from glacier.config import DatabricksConfig
    from tests.storage.storage_servers import AZURITE_ACCOUNT, AZURITE_KEY, azure_provider

    provider = azure_provider(azurite.endpoint)
    orders = provider.bucket(LAKE, path="raw/orders.parquet")
    orders.write(ORDERS)
    dbx = provider.executor(
        "dbx",
        config=DatabricksConfig(host=azure_workspace.url, token=TOKEN, staging_bucket=STAGING),
    )
    totals = task(compute_tasks.add_total, executor=dbx)
    count = task(compute_tasks.count_rows, executor=dbx)

    @pipeline
    def on_blob() -> None:
        count(totals(orders, factor=2.0))

    result = on_blob.run()

    expected = ORDERS.with_columns((pl.col("amount") * 2.0).alias("total"))
    assert result["add_total"].output.collect().equals(expected)
    assert result["count_rows"].output == {"rows": expected.height}

    # Engine-facing URIs are abfss:// (ADLS Gen2 over TLS), which the cluster reads.
    prefix = f"abfss://{STAGING}@{AZURITE_ACCOUNT}.dfs.core.windows.net/_glacier/jobs/"
    assert len(azure_workspace.runs.requests) == 2
    for body in azure_workspace.runs.requests:
        spark_task = body["tasks"][0]["spark_python_task"]
        assert spark_task["python_file"].startswith(prefix)
        assert spark_task["python_file"].endswith("/glacier_entrypoint.py")
        assert spark_task["parameters"][0].startswith(prefix)
        assert spark_task["parameters"][0].endswith("/job.json")
        assert body["tasks"][0]["new_cluster"]["node_type_id"] == "Standard_D4s_v3"

    adapter = provider.bucket(STAGING, path="_glacier/jobs/")._get_adapter()
    fs = adapter.fs  # type: ignore[attr-defined]
    found = fs.find(f"{STAGING}/_glacier/jobs/")
    names = sorted(path.rsplit("/", 1)[1] for path in found)
    assert names.count("job.json") == 2 and names.count("glacier_entrypoint.py") == 2
    assert {"input-0.parquet", "frame.parquet", "value.parquet"} <= set(names)
    for path in found:
        if path.endswith("job.json"):
            assert AZURITE_KEY not in fs.cat(path).decode()


def test_a_connection_string_config_reaches_its_account_in_the_worker(
    azurite: Server, azure_workspace: FakeDatabricks
) -> None:
    """The provider's config is a connection string only. The job spec carries the account
    and endpoint it names (never the key); the worker takes the key from its environment
    (AZURE_STORAGE_CONNECTION_STRING), reads the input and writes the result."""
    from pydantic import SecretStr

    from glacier.config import AzureConfig, DatabricksConfig
    from tests.storage.storage_servers import AZURITE_ACCOUNT, AZURITE_KEY

    conn = azurite.env["AZURE_STORAGE_CONNECTION_STRING"]
    provider = Provider(AzureConfig(connection_string=SecretStr(conn)))
    orders = provider.bucket(LAKE, path="raw/orders-conn.parquet")
    orders.write(ORDERS)
    dbx = provider.executor(
        "dbx",
        config=DatabricksConfig(host=azure_workspace.url, token=TOKEN, staging_bucket=STAGING),
    )
    count = task(compute_tasks.count_rows, executor=dbx)

    @pipeline
    def conn_only() -> None:
        count(orders)

    result = conn_only.run()

    assert result["count_rows"].output == {"rows": ORDERS.height}
    fs = provider.bucket(STAGING, path="_glacier/jobs/")._get_adapter().fs  # type: ignore[attr-defined]
    specs = [
        fs.cat(p).decode() for p in fs.find(f"{STAGING}/_glacier/jobs/") if p.endswith("job.json")
    ]
    (text,) = [spec for spec in specs if "orders-conn.parquet" in spec]
    assert f'"storage_account":"{AZURITE_ACCOUNT}"' in text.replace(" ", "")
    assert azurite.endpoint in text
    assert AZURITE_KEY not in text and "AccountKey" not in text
