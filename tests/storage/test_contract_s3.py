"""The bucket contract on S3 (moto server)."""

from __future__ import annotations

import pytest

from glacier import Provider
from glacier.testing import BucketContract
from tests.storage.storage_servers import CONTRACT_BUCKET


class TestS3BucketContract(BucketContract):
    scheme = "s3"

    @pytest.fixture
    def provider(self, s3_provider: Provider) -> Provider:
        return s3_provider

    @pytest.fixture
    def bucket_name(self) -> str:
        return CONTRACT_BUCKET
