"""Test helpers for Glacier adapter authors.

:class:`BucketContract` is a pytest suite every :class:`~glacier.adapters.base.BucketAdapter`
must pass. Subclass it in a test module and provide two fixtures::

    from glacier.testing import BucketContract

    class TestMyStoreContract(BucketContract):
        scheme = "mystore"

        @pytest.fixture
        def provider(self) -> Provider: ...

        @pytest.fixture
        def bucket_name(self) -> str: ...   # an existing, writable bucket

pytest is only needed when this package is imported.
"""

import pytest

# Detailed assertion messages in the contract's tests, like in the author's own test files.
pytest.register_assert_rewrite("glacier.testing.contracts")

from glacier.testing.contracts import BucketContract  # noqa: E402

__all__ = ["BucketContract"]
