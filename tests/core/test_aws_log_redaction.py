"""Credentials in logs (issue 10, item 10): with DEBUG logging on, the records botocore,
aiobotocore and s3fs emit while Glacier's AWS clients talk to a real (moto) server show no
secret key, session token or request signature.

Each test first checks the records do carry the places a secret would be (the
``X-Amz-Security-Token`` header, ``Signature=``, an STS response body), so it cannot pass by
logging nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

pytest.importorskip("moto")
pytest.importorskip("glacier_aws")

from glacier import Provider
from glacier.config import AwsConfig
from glacier_aws import log_redaction
from glacier_aws.credentials import aws_client
from glacier_aws.storage import S3BucketAdapter
from tests.storage.storage_servers import Server, create_s3_bucket, start_moto

SECRET = "glacier-log-secret-Zq93kLmN0pQ"
TOKEN = "FwoGZXIvYXdzEGlacierSessionTokenValue0123456789abcdefXYZ"
BUCKET = "glacier-log-redaction"


@pytest.fixture(scope="module")
def moto() -> Iterator[Server]:
    with start_moto() as server:
        create_s3_bucket(server.endpoint, BUCKET)
        yield server


def _config(server: Server, **extra: Any) -> AwsConfig:
    return AwsConfig(
        region="us-east-1",
        endpoint_url=server.endpoint,
        access_key_id="AKIAGLACIERLOGTEST01",
        secret_access_key=SecretStr(SECRET),
        session_token=SecretStr(TOKEN),
        **extra,
    )


def _messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records]


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def test_boto3_clients_never_log_the_session_token(
    moto: Server, debug_logs: pytest.LogCaptureFixture
) -> None:
    client = aws_client(_config(moto), "s3", endpoint_url=moto.endpoint)
    client.list_objects_v2(Bucket=BUCKET)
    text = "\n".join(_messages(debug_logs))
    assert "X-Amz-Security-Token" in text and "Signature=" in text  # would have leaked here
    assert TOKEN not in text and SECRET not in text
    assert "AKIAGLACIERLOGTEST01" in text  # key ids are not secret: logs still say which key


def test_assumed_role_credentials_never_reach_the_logs(
    moto: Server, debug_logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config(moto, role_arn="arn:aws:iam::123456789012:role/glacier-test")
    config = config.model_copy(
        update={"access_key_id": None, "secret_access_key": None, "session_token": None}
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAGLACIERLOGTEST02")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    client = aws_client(config, "s3", endpoint_url=moto.endpoint)
    client.list_objects_v2(Bucket=BUCKET)
    creds = client._request_signer._credentials.get_frozen_credentials()
    text = "\n".join(_messages(debug_logs))
    assert "<SecretAccessKey>" in text and "<SessionToken>" in text  # the STS body was logged
    for secret in (creds.secret_key, creds.token, SECRET):
        assert secret not in text


def test_s3_adapter_filesystem_never_logs_the_session_token(
    moto: Server, debug_logs: pytest.LogCaptureFixture
) -> None:
    provider = Provider(_config(moto))
    bucket = provider.bucket(BUCKET, path="events/", name="events")
    adapter = bucket._get_adapter()
    assert isinstance(adapter, S3BucketAdapter)
    adapter.filesystem().ls(BUCKET)
    text = "\n".join(_messages(debug_logs))
    assert "X-Amz-Security-Token" in text or "x-amz-security-token" in text
    assert TOKEN not in text and SECRET not in text


@pytest.mark.parametrize(
    "line, secret",
    [
        ("headers={'X-Amz-Security-Token': b'IQoJb3JpZ2luX2VjEXAMPLE/+=='}", "IQoJb3JpZ2lu"),
        ("x-amz-security-token:IQoJb3JpZ2luX2VjEXAMPLE", "IQoJb3JpZ2lu"),
        ("https://b.s3/k?X-Amz-Security-Token=IQoJb3J%2Bx&X-Amz-Signature=abc123", "IQoJb3J"),
        ("Credential=AKIA/x, SignedHeaders=host, Signature=0a1b2c3d4e5f", "0a1b2c3d4e5f"),
        ("Signature:\n" + "ab" * 32, "ab" * 32),
        ("<SessionToken>tok/en+1=</SessionToken>", "tok/en+1="),
        ('{"SecretAccessKey": "wJalrXUtnFEMI/K7MDENG"}', "wJalrXUtnFEMI"),
        ("{'aws_session_token': 'FwoGZXIvYXdz'}", "FwoGZXIvYXdz"),
    ],
)
def test_redaction_patterns(line: str, secret: str) -> None:
    assert secret not in log_redaction.redact(line)


def test_redaction_keeps_ordinary_text() -> None:
    line = "{'NextContinuationToken': 'abc', 'Key': 'events/part-0.parquet'}"
    assert log_redaction.redact(line) == line


def test_filter_masks_records_of_other_loggers() -> None:
    log_redaction.remember(["other-secret-value-123"])
    record = logging.LogRecord(
        "app", logging.INFO, __file__, 1, "key=%s", ("other-secret-value-123",), None
    )
    assert log_redaction.RedactingFilter().filter(record)
    assert record.getMessage() == "key=***"
