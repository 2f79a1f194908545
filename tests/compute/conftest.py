"""Fixtures of the compute tests: local provider with staging, engine stand-ins, and the code
artifact every job carries (the stand-in engines run nothing else)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def compute_record(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A deployment record naming an artifact of compute_tasks.py (+ every Glacier
    distribution installed here), built once per session."""
    from glacier.testing.artifacts import artifact_record

    return artifact_record(HERE / "compute_tasks.py", tmp_path_factory.mktemp("artifact"))


@pytest.fixture(autouse=True)
def deployment(compute_record, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Every job staged in these tests carries the artifact (GLACIER_DEPLOYMENT)."""
    monkeypatch.setenv("GLACIER_DEPLOYMENT", compute_record.to_json())
    monkeypatch.delenv("GLACIER_STACK", raising=False)
    return compute_record


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
