"""Fixtures of the operating tests: a run store per test, and the storage servers of
tests/storage (moto, Azurite, GCS emulator) reused as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.storage.conftest import (  # noqa: F401 - fixtures, re-exported for this folder
    azurite_server,
    blob_provider,
    gcs_provider,
    gcs_server,
    moto_server,
    s3_provider,
)


@pytest.fixture
def runs_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's run records go to ``tmp_path/runs`` (through GLACIER_RUNS_URI)."""
    folder = tmp_path / "runs"
    monkeypatch.setenv("GLACIER_RUNS_URI", str(folder))
    return folder


@pytest.fixture
def store(runs_dir: Path):  # type: ignore[no-untyped-def]
    from glacier.runs.config import default_store

    return default_store()
