"""The bucket contract on the local backend (the reference implementation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from glacier import Provider
from glacier.config import LocalConfig
from glacier.testing import BucketContract


class TestLocalBucketContract(BucketContract):
    scheme = "file"

    @pytest.fixture
    def provider(self, tmp_path: Path) -> Provider:
        return Provider(LocalConfig(base_path=tmp_path))

    @pytest.fixture
    def bucket_name(self) -> str:
        return "contract"
