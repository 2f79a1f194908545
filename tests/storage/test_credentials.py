"""One rule on every cloud: explicit config fields win, the environment fills the rest, and
reads and writes resolve them the same way (docs/clouds/*.md, "Credentials"). Against the
local servers; workers (which get only non-secret fields) are in
tests/compute/test_cloud_staging.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from pydantic import SecretStr

from glacier import Provider
from glacier.config import AwsConfig, AzureConfig, GcpConfig
from tests.storage.storage_servers import (
    AWS_KEY_ID,
    AWS_SECRET,
    AZURITE_ACCOUNT,
    AZURITE_KEY,
    CLOUD_PREFIXES,
    GCP_PROJECT,
    Server,
    azurite_connection_string,
    create_container,
    create_gcs_bucket,
    create_s3_bucket,
    free_port,
)

FRAME = pl.DataFrame({"id": [1, 2, 3], "amount": [1.5, 2.5, 3.5]})
WRONG_KEY = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk="


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[pytest.MonkeyPatch]:  # type: ignore[no-untyped-def]
    """No cloud variable and no ~/.aws files: each test sets exactly what it means."""
    import os

    for var in list(os.environ):
        if var.startswith(CLOUD_PREFIXES) and var != "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT":
            monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "missing-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "missing-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    yield monkeypatch


def round_trip(provider: Provider, bucket_name: str) -> None:
    """Write (DataFrame and LazyFrame), scan, read and list: every path of the adapter."""
    bucket = provider.bucket(bucket_name, path=f"creds-{uuid.uuid4().hex[:8]}/t.parquet")
    bucket.write(FRAME)
    assert_frame_equal(bucket.scan().collect(), FRAME)
    bucket.write(FRAME.lazy().with_columns(pl.col("amount") * 2))
    assert bucket.read()["amount"].to_list() == [3.0, 5.0, 7.0]
    assert bucket.list() == [bucket.get_uri()]


# -- Azure -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def container(azurite_server: Server) -> str:
    name = "glacier-creds"
    create_container(azurite_server.endpoint, name)
    return name


def test_azure_environment_connection_string_fills_a_config_naming_the_account(
    azurite_server: Server, container: str, env: pytest.MonkeyPatch
) -> None:
    """The reported case: write() worked (adlfs read the variable itself), scan() raised
    AccessDeniedError (Polars was given the account only)."""
    env.setenv(
        "AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string(azurite_server.endpoint)
    )
    round_trip(Provider(AzureConfig(storage_account=AZURITE_ACCOUNT)), container)


def test_azure_environment_fills_account_key_and_endpoint_from_their_variables(
    azurite_server: Server, container: str, env: pytest.MonkeyPatch
) -> None:
    env.setenv("AZURE_STORAGE_ACCOUNT", AZURITE_ACCOUNT)
    env.setenv("AZURE_STORAGE_KEY", AZURITE_KEY)
    env.setenv("AZURE_STORAGE_ENDPOINT", azurite_server.endpoint)
    round_trip(Provider(AzureConfig()), container)


def test_azure_key_in_the_config_wins_over_a_connection_string_in_the_environment(
    azurite_server: Server, container: str, env: pytest.MonkeyPatch
) -> None:
    """The environment's connection string carries a wrong key: had either client used it,
    Azurite would refuse the request."""
    wrong = azurite_connection_string(azurite_server.endpoint).replace(AZURITE_KEY, WRONG_KEY)
    env.setenv("AZURE_STORAGE_CONNECTION_STRING", wrong)
    config = AzureConfig(
        storage_account=AZURITE_ACCOUNT,
        account_key=SecretStr(AZURITE_KEY),
        endpoint=azurite_server.endpoint,
    )
    round_trip(Provider(config), container)


def test_azure_connection_string_in_the_config_wins_over_the_environment(
    azurite_server: Server, container: str, env: pytest.MonkeyPatch
) -> None:
    env.setenv("AZURE_STORAGE_KEY", WRONG_KEY)
    env.setenv("AZURE_STORAGE_ACCOUNT", "someotheraccount")
    conn = azurite_connection_string(azurite_server.endpoint)
    round_trip(Provider(AzureConfig(connection_string=SecretStr(conn))), container)


def test_azure_environment_credential_of_another_account_is_not_used(
    azurite_server: Server, env: pytest.MonkeyPatch
) -> None:
    """The config names another account: the variable's key is not sent to it, by Polars nor
    by adlfs (which reads AZURE_STORAGE_CONNECTION_STRING on its own)."""
    from glacier_azure.credentials import AzureSettings, blob_filesystem

    env.setenv(
        "AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string(azurite_server.endpoint)
    )
    settings = AzureSettings(AzureConfig(storage_account="otheraccount"))
    uri = "abfs://c@otheraccount.dfs.core.windows.net/x"
    assert AZURITE_KEY not in str(settings.adlfs_options(uri))
    assert AZURITE_KEY not in str(settings.polars_options(uri))
    assert settings.ignored == [
        "AZURE_STORAGE_CONNECTION_STRING is for account 'devstoreaccount1', not 'otheraccount'"
    ]
    fs = blob_filesystem(settings, uri)
    assert fs.connection_string is None and fs.account_name == "otheraccount"


def test_azure_missing_account_names_what_is_set(env: pytest.MonkeyPatch) -> None:
    from glacier.errors import AccessDeniedError

    env.setenv("AZURE_STORAGE_CONNECTION_STRING", "SharedAccessSignature=sv=1&sig=x")
    bucket = Provider(AzureConfig()).bucket("ctr", path="x.parquet")
    with pytest.raises(AccessDeniedError, match="CONNECTION_STRING names no account") as info:
        bucket.read()
    assert "sig=x" not in str(info.value)


def test_azure_job_fields_carry_the_account_of_a_connection_string_never_its_key(
    azurite_server: Server,
) -> None:
    conn = azurite_connection_string(azurite_server.endpoint)
    fields = AzureConfig(
        connection_string=SecretStr(conn), client_id="c", client_secret=SecretStr("s")
    ).job_fields()
    assert fields == {
        "location": "eastus",
        "storage_account": AZURITE_ACCOUNT,
        "endpoint": azurite_server.endpoint,
    }
    assert AzureConfig(client_id="managed-identity").job_fields()["client_id"] == (
        "managed-identity"
    )


# -- AWS -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def s3_bucket(moto_server: Server) -> str:
    name = "glacier-creds"
    create_s3_bucket(moto_server.endpoint, name)
    return name


def test_aws_environment_fills_endpoint_and_keys_for_reads_and_writes(
    moto_server: Server, s3_bucket: str, env: pytest.MonkeyPatch
) -> None:
    """The config names the region only: the endpoint and the keys come from the
    environment, for Polars (reads, DataFrame writes) and s3fs (streamed writes, listings)."""
    env.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
    env.setenv("AWS_ACCESS_KEY_ID", AWS_KEY_ID)
    env.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    round_trip(Provider(AwsConfig(region="us-east-1")), s3_bucket)


def test_aws_endpoint_in_the_config_wins_over_the_environment(
    moto_server: Server, s3_bucket: str, env: pytest.MonkeyPatch
) -> None:
    env.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    env.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{free_port()}")
    config = AwsConfig(
        region="us-east-1",
        endpoint_url=moto_server.endpoint,
        access_key_id=AWS_KEY_ID,
        secret_access_key=SecretStr(AWS_SECRET),
    )
    round_trip(Provider(config), s3_bucket)


def test_aws_job_fields_leave_keys_and_profile_behind() -> None:
    config = AwsConfig(
        region="eu-west-1",
        profile="dev",
        role_arn="arn:aws:iam::123456789012:role/r",
        access_key_id="AKIA",
        secret_access_key=SecretStr("s"),
    )
    assert config.job_fields() == {
        "region": "eu-west-1",
        "role_arn": "arn:aws:iam::123456789012:role/r",
    }


# -- GCP -------------------------------------------------------------------------------------
def test_gcp_environment_fills_the_endpoint_and_requests_stay_anonymous(
    gcs_server: Server, env: pytest.MonkeyPatch
) -> None:
    name = "glacier-creds"
    create_gcs_bucket(gcs_server.endpoint, name)
    env.setenv("STORAGE_EMULATOR_HOST", gcs_server.endpoint)
    round_trip(Provider(GcpConfig(project=GCP_PROJECT)), name)


def test_gcp_job_fields_leave_the_key_file_behind() -> None:
    config = GcpConfig(project=GCP_PROJECT, credentials_path="/home/me/key.json")
    assert "credentials_path" not in config.job_fields()
