"""The bucket contract on GCS (gcp-storage-emulator)."""

from __future__ import annotations

import pytest

from glacier import Provider
from glacier.testing import BucketContract
from tests.storage.storage_servers import CONTRACT_BUCKET


class TestGcsBucketContract(BucketContract):
    scheme = "gs"

    @pytest.fixture
    def provider(self, gcs_provider: Provider) -> Provider:
        return gcs_provider

    @pytest.fixture
    def bucket_name(self) -> str:
        return CONTRACT_BUCKET
