"""Fixtures of the compute tests: local provider with staging, and engine stand-ins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest


@pytest.fixture
def provider(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A local provider; executors stage under the bucket ``staging`` (a local folder)."""
    from glacier import Provider
    from glacier.config import LocalConfig

    return Provider(config=LocalConfig(base_path=tmp_path / "data"))


@pytest.fixture
def orders(provider):  # type: ignore[no-untyped-def]
    bucket = provider.bucket("lake", path="raw/orders.parquet")
    bucket.write(pl.DataFrame({"id": [1, 2, 3], "amount": [10.0, 20.0, 30.0]}))
    return bucket


@pytest.fixture(scope="session")
def spark_master(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Spark standalone master + worker on 127.0.0.1 (started once per session)."""
    from spark_cluster import standalone_cluster

    with standalone_cluster(tmp_path_factory.mktemp("spark")) as master:
        yield master
