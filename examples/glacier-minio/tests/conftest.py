"""Fixtures of the glacier-minio tests: a real S3-compatible server (moto, server mode, on
127.0.0.1) stands in for MinIO; the plugin is loaded through its entry point."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from minio_helpers import BUCKET, s3_client

from glacier.testing.plugins import plugin_host  # noqa: F401  (fixture)

#: Variables that would make a test depend on the machine it runs on.
VARIABLES = (
    "MINIO_ENDPOINT",
    "MINIO_REGION",
    "MINIO_ACCESS_KEY",
    "MINIO_SECRET_KEY",
    "MINIO_ALLOW_HTTP",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_PROFILE",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GLACIER_RUNS_URI", "off")  # pipelines here keep no run records
    return monkeypatch


@pytest.fixture(scope="session")
def endpoint() -> Iterator[str]:
    """An S3 API on 127.0.0.1 (moto's server: MinIO speaks the same protocol)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    create_bucket(url, BUCKET)
    try:
        yield url
    finally:
        server.stop()


def create_bucket(endpoint: str, name: str) -> None:
    s3_client(endpoint).create_bucket(Bucket=name)
