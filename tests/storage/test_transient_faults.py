"""Transient faults (throttling, 5xx, connection resets) are retried with backoff: writes and
reads through a fault-injecting proxy in front of moto still succeed."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier import Provider
from tests.storage.fault_proxy import FaultProxy, Mode, fault_proxy
from tests.storage.storage_servers import Server, aws_provider, create_s3_bucket

FRAME = pl.DataFrame({"id": list(range(500)), "region": ["eu", "us"] * 250})


@pytest.fixture(scope="module")
def proxy(moto_server: Server) -> Iterator[FaultProxy]:
    create_s3_bucket(moto_server.endpoint, "glacier-faults")
    with fault_proxy(urlsplit(moto_server.endpoint).port or 80) as running:
        yield running


@pytest.fixture
def provider(proxy: FaultProxy) -> Provider:
    return aws_provider(proxy.endpoint)


@pytest.mark.parametrize("mode", ["503", "reset"])
def test_write_survives_faults(provider: Provider, proxy: FaultProxy, mode: Mode) -> None:
    bucket = provider.bucket("glacier-faults", path=f"faults/{mode}.parquet")
    proxy.fail_next(2, mode)
    bucket.write(FRAME)
    assert proxy.injected == 2
    proxy.fail_next(0, mode)
    assert_frame_equal(bucket.read(), FRAME)


@pytest.mark.parametrize("mode", ["503", "reset"])
def test_read_survives_faults(provider: Provider, proxy: FaultProxy, mode: Mode) -> None:
    """The read path (listing through s3fs, data through Polars' native reader) retries."""
    bucket = provider.bucket("glacier-faults", path=f"read/{mode}.parquet")
    bucket.write(FRAME)
    proxy.fail_next(2, mode)
    lf = bucket.scan()
    assert proxy.injected == 2  # the listing met both faults and retried past them
    proxy.fail_next(2, mode)
    assert_frame_equal(lf.collect(), FRAME)
    assert proxy.injected == 2  # and so did the data reads


def test_dataset_write_survives_faults(provider: Provider, proxy: FaultProxy) -> None:
    bucket = provider.bucket("glacier-faults", path="faults/dataset/")
    proxy.fail_next(3, "503")
    result = bucket.write(FRAME, partition_by=["region"])
    assert proxy.injected == 3
    assert result.files == 2
    assert_frame_equal(bucket.read().select(FRAME.columns).sort("id"), FRAME)
