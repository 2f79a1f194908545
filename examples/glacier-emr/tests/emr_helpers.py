"""Helpers of the glacier-emr tests."""

from __future__ import annotations

from glacier import Provider


def aws_provider() -> Provider:
    from glacier.config import AwsConfig

    return Provider(
        config=AwsConfig(region="us-east-1", access_key_id="testing", secret_access_key="testing")
    )
