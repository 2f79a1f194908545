"""Constants and helpers shared by the glacier-minio tests (a module of its own: test
modules cannot import a `conftest` reliably when several test folders have one)."""

from __future__ import annotations

ACCESS_KEY = "minio-test-user"
SECRET_KEY = "minio-test-secret-0123456789"
#: The bucket every contract test shares (each test writes under its own prefix).
BUCKET = "glacier-minio"


def s3_client(endpoint: str):  # type: ignore[no-untyped-def]
    """A plain boto3 S3 client on the server, to check what Glacier wrote."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
