"""Errors name the URI and the cause in plain words, as glacier.errors types, on real servers.
Secrets never appear in messages, logs or reprs."""

from __future__ import annotations

import logging

import polars as pl
import pytest
from pydantic import SecretStr

from glacier import Provider
from glacier.errors import (
    AccessDeniedError,
    BucketNotFoundError,
    ObjectNotFoundError,
    StorageError,
)
from tests.storage.storage_servers import AZURITE_ACCOUNT, CONTRACT_BUCKET, Server

CLOUDS = ["s3", "azure", "gcs"]
FRAME = pl.DataFrame({"a": [1, 2, 3]})
WRONG_AZURE_KEY = "V3JvbmdLZXlGb3JHbGFjaWVyVGVzdHNPbmx5" * 2 + "AA=="


@pytest.fixture(params=CLOUDS)
def provider(request: pytest.FixtureRequest) -> Provider:
    name = {"s3": "s3_provider", "azure": "blob_provider", "gcs": "gcs_provider"}[request.param]
    return request.getfixturevalue(name)


def raw_put(provider: Provider, path: str, data: bytes) -> None:
    """Put bytes at ``path`` with the adapter's own filesystem (to plant a broken file)."""
    adapter = provider.bucket(CONTRACT_BUCKET, path=path)._get_adapter()
    with adapter.fs.open(adapter.fs_path(path), "wb") as file:
        file.write(data)


def test_missing_bucket(provider: Provider) -> None:
    bucket = provider.bucket("no-such-bucket-here", path="x/data.parquet")
    with pytest.raises(BucketNotFoundError, match="does not exist") as read:
        bucket.read()
    assert bucket.get_uri() in str(read.value)
    assert read.value.uri == bucket.get_uri()
    with pytest.raises(BucketNotFoundError, match="no-such-bucket-here"):
        bucket.write(FRAME)


def test_missing_bucket_dataset(provider: Provider) -> None:
    bucket = provider.bucket("no-such-bucket-here", path="ds/")
    with pytest.raises(BucketNotFoundError):
        bucket.scan()


def test_missing_object(provider: Provider) -> None:
    bucket = provider.bucket(CONTRACT_BUCKET, path="errors/absent.parquet")
    with pytest.raises(ObjectNotFoundError, match="no object at that path") as info:
        bucket.scan()
    assert bucket.get_uri() in str(info.value)


def test_prefix_is_not_an_object(provider: Provider) -> None:
    provider.bucket(CONTRACT_BUCKET, path="errors/folder/inner.parquet").write(FRAME)
    with pytest.raises(ObjectNotFoundError, match="End the path with '/'"):
        provider.bucket(CONTRACT_BUCKET, path="errors/folder").scan()


@pytest.mark.parametrize(
    ("path", "fmt"), [("errors/junk.parquet", "parquet"), ("errors/junk.ndjson", "ndjson")]
)
def test_unreadable_format(provider: Provider, path: str, fmt: str) -> None:
    raw_put(provider, path, b"\x00\x01 this is not " + fmt.encode() + b" {{{")
    bucket = provider.bucket(CONTRACT_BUCKET, path=path)
    with pytest.raises(StorageError, match=f"not valid {fmt}") as info:
        bucket.scan()
    assert bucket.get_uri() in str(info.value)


def test_s3_missing_credentials(moto_server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from glacier.config import AwsConfig

    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    provider = Provider(AwsConfig(region="eu-west-1", endpoint_url=moto_server.endpoint))
    bucket = provider.bucket(CONTRACT_BUCKET, path="creds/x.parquet")
    for action in (bucket.read, lambda: bucket.write(FRAME), bucket.exists):
        with pytest.raises(AccessDeniedError, match="no credentials were found") as info:
            action()
        assert "AWS_ACCESS_KEY_ID" in str(info.value)
        assert bucket.get_uri() in str(info.value)


def test_azure_missing_account() -> None:
    from glacier.config import AzureConfig

    bucket = Provider(AzureConfig()).bucket("data", path="x.parquet")
    with pytest.raises(AccessDeniedError, match="no storage account is configured"):
        bucket.read()


def azure_with_wrong_key(server: Server) -> Provider:
    from glacier.config import AzureConfig

    return Provider(
        AzureConfig(
            storage_account=AZURITE_ACCOUNT,
            account_key=SecretStr(WRONG_AZURE_KEY),
            endpoint=server.endpoint,
        )
    )


def test_azure_permission_denied(blob_provider: Provider, azurite_server: Server) -> None:
    bucket = azure_with_wrong_key(azurite_server).bucket(CONTRACT_BUCKET, path="denied.parquet")
    with pytest.raises(AccessDeniedError, match="permission denied") as info:
        bucket.write(FRAME)
    assert bucket.get_uri() in str(info.value)
    with pytest.raises(AccessDeniedError):
        bucket.read()


# -- secrets -------------------------------------------------------------------------------
def test_secrets_never_leak(
    blob_provider: Provider,
    azurite_server: Server,
    s3_provider: Provider,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.storage.storage_servers import AWS_SECRET, AZURITE_KEY

    caplog.set_level(logging.DEBUG)
    wrong = azure_with_wrong_key(azurite_server)
    texts: list[str] = []
    for provider in (wrong, blob_provider, s3_provider):
        bucket = provider.bucket(CONTRACT_BUCKET, path="secrets/x.parquet")
        texts += [repr(provider), repr(provider.config), str(provider.config), repr(bucket)]
        texts += [repr(bucket._get_adapter()), str(provider.config.describe())]
        texts.append(provider.config.model_dump_json())
    bad = wrong.bucket(CONTRACT_BUCKET, path="secrets/x.parquet")
    for action in (bad.read, lambda: bad.write(FRAME), bad.list):
        with pytest.raises(AccessDeniedError) as info:
            action()
        error: BaseException | None = info.value
        while error is not None:  # our message and every chained cause
            texts += [str(error), repr(error)]
            error = error.__cause__ or error.__context__
    s3_provider.bucket(CONTRACT_BUCKET, path="secrets/ok.parquet").write(FRAME)
    texts.append(caplog.text)
    blob = "\n".join(texts)
    for secret in (WRONG_AZURE_KEY, AZURITE_KEY, AWS_SECRET):
        assert secret not in blob
    assert "**********" in repr(azure_with_wrong_key(azurite_server).config)
