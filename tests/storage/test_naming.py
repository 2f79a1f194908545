"""Bucket/container names are validated when the bucket is created, and every broken rule has
its own message (S3, Azure Blob, GCS)."""

from __future__ import annotations

import pytest

from glacier import Provider
from glacier.errors import InvalidBucketNameError


@pytest.fixture(scope="module")
def aws() -> Provider:
    from glacier.config import AwsConfig

    return Provider(AwsConfig(region="us-east-1"))


@pytest.fixture(scope="module")
def azure() -> Provider:
    from glacier.config import AzureConfig

    return Provider(AzureConfig(storage_account="acct"))


@pytest.fixture(scope="module")
def gcp() -> Provider:
    from glacier.config import GcpConfig

    return Provider(GcpConfig(project="my-project"))


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ab", "3-63 characters long (this one has 2)"),
        ("a" * 64, "3-63 characters long (this one has 64)"),
        ("My_Bucket", "only lowercase letters, digits, dots and hyphens"),
        ("-bucket", "start and end with a letter or digit"),
        ("bucket-", "start and end with a letter or digit"),
        ("my..bucket", "cannot contain '..', '.-' or '-.'"),
        ("my.-bucket", "cannot contain '..', '.-' or '-.'"),
        ("192.168.1.10", "cannot look like an IP address"),
        ("xn--bucket", "reserves this bucket name prefix or suffix"),
        ("sthree-data", "reserves this bucket name prefix or suffix"),
        ("data-s3alias", "reserves this bucket name prefix or suffix"),
        ("data--ol-s3", "reserves this bucket name prefix or suffix"),
    ],
)
def test_s3_rules(aws: Provider, name: str, rule: str) -> None:
    with pytest.raises(InvalidBucketNameError) as info:
        aws.bucket(name)
    message = str(info.value)
    assert rule in message
    assert repr(name) in message and "AwsConfig" in message


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ab", "3-63 characters long (this one has 2)"),
        ("c" * 64, "3-63 characters long (this one has 64)"),
        ("My-Container", "only lowercase letters, digits and single hyphens"),
        ("data--raw", "only lowercase letters, digits and single hyphens"),
        ("-data", "start and end with a letter or digit"),
        ("data_raw", "only lowercase letters, digits and single hyphens"),
    ],
)
def test_azure_rules(azure: Provider, name: str, rule: str) -> None:
    with pytest.raises(InvalidBucketNameError) as info:
        azure.bucket(name)
    assert rule in str(info.value)
    assert "AzureConfig" in str(info.value)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ab", "3-63 characters (up to 222 with dots); this one has 2"),
        ("g" * 64, "3-63 characters (up to 222 with dots); this one has 64"),
        ("Bucket", "only lowercase letters, digits, '-', '_' and '.'"),
        ("_bucket", "start and end with a letter or digit"),
        ("a." + "b" * 64 + ".c", "each dot-separated part of a GCS bucket name is 1-63"),
        ("a..b", "each dot-separated part of a GCS bucket name is 1-63"),
        ("goog-data", "cannot start with 'goog' or contain 'google'"),
        ("my-google-data", "cannot start with 'goog' or contain 'google'"),
        ("10.0.0.1", "cannot look like an IP address"),
    ],
)
def test_gcs_rules(gcp: Provider, name: str, rule: str) -> None:
    with pytest.raises(InvalidBucketNameError) as info:
        gcp.bucket(name)
    assert rule in str(info.value)
    assert "GcpConfig" in str(info.value)


@pytest.mark.parametrize(
    ("fixture", "name"),
    [("aws", "my-bucket.v2"), ("azure", "raw-data-2"), ("gcp", "my_bucket.example")],
)
def test_valid_names_pass(request: pytest.FixtureRequest, fixture: str, name: str) -> None:
    provider: Provider = request.getfixturevalue(fixture)
    assert provider.bucket(name).bucket_name == name
