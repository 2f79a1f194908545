"""Every example program the security and golden tests cover, by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _aws() -> Any:
    from aws_pipeline import compliance_pipeline

    from glacier import PulumiCompiler

    return compliance_pipeline.compile(PulumiCompiler())


def _aws_hook() -> Any:
    from aws_pipeline import compile_with_hook

    return compile_with_hook()


def _azure() -> Any:
    from neutral_pipeline import azure_pipeline

    from glacier import PulumiCompiler

    return azure_pipeline.compile(PulumiCompiler())


def _gcp() -> Any:
    from neutral_pipeline import gcp_pipeline

    from glacier import PulumiCompiler

    return gcp_pipeline.compile(PulumiCompiler())


def archival() -> Any:
    """The design's escape-hatch example (docs/escape-hatches.md, pattern 1), written with
    AWS names: object lock, replication, lifecycle tiers and a rotated customer key."""
    from glacier.escape_hatch import (
        AdvancedStorageConfig,
        EncryptionConfig,
        ObjectLockConfig,
        ReplicationConfig,
    )

    return AdvancedStorageConfig(
        object_lock=ObjectLockConfig(mode="GOVERNANCE", retention_days=365),
        replication=ReplicationConfig(
            destination_bucket="dr-bucket",
            destination_region="us-west-2",
            storage_class="STANDARD_IA",
        ),
        lifecycle_tiers=[
            ("STANDARD", 0),
            ("STANDARD_IA", 30),
            ("GLACIER", 90),
            ("DEEP_ARCHIVE", 365),
        ],
        custom_encryption=EncryptionConfig(algorithm="aws:kms", kms_key_rotation=True),
    )


def escape_hatch_pipeline(provider: Any) -> Any:
    """One archival bucket with all four advanced features next to a plain bucket: the same
    code for every cloud (only the provider differs)."""
    from glacier import pipeline, task

    compliance = provider.bucket(
        "compliance-data", path="records/", name="compliance_data", advanced_config=archival()
    )
    data = provider.bucket("glacier-data", path="raw/events/", name="data")

    @task
    def archive(source: Any, destination: Any) -> None:
        destination.write(source.read())

    @pipeline(name="escape-hatch")
    def escape_hatch() -> None:
        archive(data, compliance)

    return escape_hatch


EXAMPLES: dict[str, Callable[[], Any]] = {
    "aws_compliance": _aws,
    "aws_compliance_hook": _aws_hook,
    "azure_compliance": _azure,
    "gcp_compliance": _gcp,
}
