"""Small byte objects under a bucket prefix: see :mod:`glacier.storage.blobs` (re-exported),
and :func:`blobs_for`, the :class:`Blobs` of a bucket's path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from glacier.storage.blobs import BlobInfo, Blobs, LocalBlobs, ObjectStoreBlobs

if TYPE_CHECKING:
    from glacier.resources.bucket import Bucket


def blobs_for(bucket: Bucket) -> Blobs:
    """The :class:`Blobs` of a bucket's path (a dataset prefix, or one object's folder), from
    its adapter (``BucketAdapter.blobs()``)."""
    return bucket._get_adapter().blobs()


__all__ = ["BlobInfo", "Blobs", "LocalBlobs", "ObjectStoreBlobs", "blobs_for"]
