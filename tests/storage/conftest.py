"""Session-scoped real storage servers (moto, Azurite, gcp-storage-emulator) on free
127.0.0.1 ports, started on first use and stopped at the end of the session.

Nothing is skipped: if Azurite is not installed the tests that need it fail and say how to
install it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from glacier import Provider
from tests.storage.storage_servers import (
    CONTRACT_BUCKET,
    AzuriteMissingError,
    Server,
    aws_provider,
    azure_provider,
    create_container,
    create_gcs_bucket,
    create_s3_bucket,
    gcp_provider,
    start_azurite,
    start_gcs,
    start_moto,
)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Server]:
    with start_moto() as server:
        yield server


@pytest.fixture(scope="session")
def azurite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    try:
        with start_azurite(tmp_path_factory.mktemp("azurite")) as server:
            yield server
    except AzuriteMissingError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[Server]:
    with start_gcs() as server:
        yield server


@pytest.fixture(scope="session")
def s3_provider(moto_server: Server) -> Provider:
    """An AwsConfig provider on moto, with the contract bucket created."""
    create_s3_bucket(moto_server.endpoint, CONTRACT_BUCKET)
    return aws_provider(moto_server.endpoint)


@pytest.fixture(scope="session")
def blob_provider(azurite_server: Server) -> Provider:
    """An AzureConfig provider on Azurite, with the contract container created."""
    create_container(azurite_server.endpoint, CONTRACT_BUCKET)
    return azure_provider(azurite_server.endpoint)


@pytest.fixture(scope="session")
def gcs_provider(gcs_server: Server) -> Provider:
    """A GcpConfig provider on the GCS emulator, with the contract bucket created."""
    create_gcs_bucket(gcs_server.endpoint, CONTRACT_BUCKET)
    return gcp_provider(gcs_server.endpoint)
