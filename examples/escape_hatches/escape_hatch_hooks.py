"""Escape hatch 2: a post-compilation hook (Pulumi is imported here, not in the pipeline).

The exported program imports this module by path and calls ``customize_bucket(bucket,
context)`` right after creating the bucket; every resource generated after it uses the
returned resource.
"""

from __future__ import annotations

from typing import Any


def customize_bucket(bucket: Any, context: Any) -> Any:
    """Add an S3 gateway VPC endpoint next to the bucket (outside Glacier's abstraction)."""
    import pulumi
    import pulumi_aws as aws

    aws.ec2.VpcEndpoint(
        f"{context.resource_name}-endpoint",
        vpc_id="vpc-0123456789abcdef0",
        service_name=f"com.amazonaws.{context.environment.region}.s3",
        tags=context.tags,
        opts=pulumi.ResourceOptions(provider=context.provider),
    )
    return bucket
