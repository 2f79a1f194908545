"""Suite-wide fixtures. Cloud-specific fixtures (local servers) live in their folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def local_provider(tmp_path: Path):  # type: ignore[no-untyped-def]
    from glacier import Provider
    from glacier.config import LocalConfig

    return Provider(config=LocalConfig(base_path=tmp_path / "data"))


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No cloud-selecting variables, so Provider.from_env() is deterministic."""
    for var in (
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AZURE_RESOURCE_GROUP",
        "AZURE_STORAGE_ACCOUNT",
        "AZURE_STORAGE_CONNECTION_STRING",
        "GCP_PROJECT",
        "GOOGLE_CLOUD_PROJECT",
        "GLACIER_LOCAL_BASE_PATH",
        "GLACIER_DISABLE_PLUGINS",
    ):
        monkeypatch.delenv(var, raising=False)
    yield monkeypatch
