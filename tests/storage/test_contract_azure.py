"""The bucket contract on Azure Blob (Azurite)."""

from __future__ import annotations

import pytest

from glacier import Provider
from glacier.testing import BucketContract
from tests.storage.storage_servers import CONTRACT_BUCKET


class TestBlobBucketContract(BucketContract):
    scheme = "abfs"

    @pytest.fixture
    def provider(self, blob_provider: Provider) -> Provider:
        return blob_provider

    @pytest.fixture
    def bucket_name(self) -> str:
        return CONTRACT_BUCKET
