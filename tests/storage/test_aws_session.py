"""Every AWS adapter (S3, Lambda, Glue, EMR) authenticates the same way: explicit keys, else
the assumed ``role_arn``, else the default chain."""

from __future__ import annotations

import pytest

from tests.storage.storage_servers import AWS_KEY_ID, AWS_SECRET, Server


def test_clients_assume_role_arn(moto_server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from glacier.config import AwsConfig
    from glacier_aws.credentials import aws_client, boto3_session

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AWS_KEY_ID)  # the base identity (default chain)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    config = AwsConfig(
        region="us-east-1",
        role_arn="arn:aws:iam::123456789012:role/etl",
        endpoint_url=moto_server.endpoint,
    )
    creds = boto3_session(config).get_credentials()
    assert creds.access_key != AWS_KEY_ID  # temporary credentials of the assumed role
    assert creds.token
    sts = aws_client(config, "sts", moto_server.endpoint)
    assert sts.get_caller_identity()["Arn"].startswith(
        "arn:aws:sts::123456789012:assumed-role/etl/"
    )


def test_explicit_keys_win(moto_server: Server) -> None:
    from glacier.config import AwsConfig
    from glacier_aws.credentials import boto3_session

    config = AwsConfig(region="eu-west-1", access_key_id="AKIAEXPLICIT", secret_access_key="s3cr3t")
    session = boto3_session(config)
    assert session.get_credentials().access_key == "AKIAEXPLICIT"
    assert session.region_name == "eu-west-1"
