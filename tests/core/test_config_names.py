"""Config and bucket-name validators accept whole values only (issue 10, item 11): a
trailing newline is not part of a valid name, region or resource group."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from glacier.config import AwsConfig, AzureConfig, GcpConfig

aws_naming = pytest.importorskip("glacier_aws.naming")
azure_naming = pytest.importorskip("glacier_azure.naming")
gcp_naming = pytest.importorskip("glacier_gcp.naming")


@pytest.mark.parametrize("suffix", ["\n", "\r\n", " ", "\x00"])
@pytest.mark.parametrize(
    "validate, good",
    [
        (aws_naming.validate_s3_bucket_name, "my-bucket"),
        (azure_naming.validate_container_name, "my-container"),
        (gcp_naming.validate_gcs_bucket_name, "my-bucket"),
        (gcp_naming.validate_gcs_bucket_name, "my.dotted.bucket"),
    ],
)
def test_bucket_names_with_trailing_characters_are_refused(validate, good, suffix) -> None:
    validate(good)
    with pytest.raises(ValueError):
        validate(good + suffix)


@pytest.mark.parametrize(
    "validate",
    [
        aws_naming.validate_s3_bucket_name,
        azure_naming.validate_container_name,
        gcp_naming.validate_gcs_bucket_name,
    ],
)
def test_bucket_names_must_be_strings(validate) -> None:
    with pytest.raises(ValueError, match="not NoneType"):
        validate(None)


def test_ip_like_s3_names_still_refused() -> None:
    with pytest.raises(ValueError, match="IP address"):
        aws_naming.validate_s3_bucket_name("192.168.1.1")


@pytest.mark.parametrize(
    "build, good",
    [
        (lambda v: AwsConfig(region=v), "eu-west-2"),
        (lambda v: GcpConfig(project="my-project-1", region=v), "europe-west1"),
        (lambda v: AzureConfig(location=v), "westeurope"),
    ],
)
def test_regions_with_a_trailing_newline_are_refused(build, good: str) -> None:
    build(good)
    for suffix in ("\n", "\r\n", " "):
        with pytest.raises(ValidationError):
            build(good + suffix)


@pytest.mark.parametrize(
    "name",
    ["rg-data", "rg_data.prod", "(prod)", "Données-équipe", "a", "r" * 90],
)
def test_azure_resource_groups_following_azure_rules_pass(name: str) -> None:
    assert AzureConfig(resource_group=name).resource_group == name


@pytest.mark.parametrize(
    "name",
    ["", "rg.", "rg data", "rg/data", "rg\n", "rg;drop", "r" * 91, "rg*", "rg'x", "rg\x00"],
)
def test_azure_resource_groups_breaking_azure_rules_are_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="resource group"):
        AzureConfig(resource_group=name)
