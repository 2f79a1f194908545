"""The escape-hatch document's examples, written against ``Provider`` (AWS).

    glacier compile examples/escape_hatches/aws_pipeline.py --out infra/aws

Escape hatch 1 (configuration): object lock, replication, lifecycle tiers and a
customer-managed key, declared without importing Pulumi. Escape hatch 2 (hook): see
``compile_with_hook()``; escape hatch 3 (injection): see ``inject.py``.
"""

from __future__ import annotations

import polars as pl

from glacier import Provider, PulumiCompiler, pipeline, task
from glacier.config import AwsConfig, GlueConfig, S3Config
from glacier.escape_hatch import (
    AdvancedStorageConfig,
    EncryptionConfig,
    ObjectLockConfig,
    PulumiCustomization,
    ReplicationConfig,
)

aws_prod = Provider(
    config=AwsConfig(region="us-east-1", account_id="123456789012"),
    tags={"team": "data-platform", "env": "prod"},
)

# Specify WHAT you want, not HOW: the compiler generates the Pulumi resources.
compliance = aws_prod.bucket(
    "glacier-compliance-data",
    path="records/",
    name="compliance_data",
    advanced_config=AdvancedStorageConfig(
        object_lock=ObjectLockConfig(mode="GOVERNANCE", retention_days=365),
        replication=ReplicationConfig(
            destination_bucket="glacier-compliance-dr",
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
    ),
)
raw = aws_prod.bucket("glacier-data", path="raw/events/", name="data")
curated = aws_prod.bucket(
    "glacier-data", path="curated/daily.parquet", name="curated", config=S3Config(versioning=True)
)
etl = aws_prod.executor("etl", config=GlueConfig(num_workers=2))


@task(executor=etl)
def clean(source):
    """Read raw events (read grant on glacier-data/raw/events/*)."""
    return source.scan().filter(pl.col("amount") > 0)


@task(executor=etl)
def publish(df, destination):
    """Write the curated table and archive it (write grants only)."""
    destination.write(df)
    compliance.write(df)


@pipeline(name="compliance")
def compliance_pipeline():
    publish(clean(raw), curated)


def compile_with_hook():
    """Escape hatch 2: the generated S3 bucket of ``data`` goes through a hook."""
    from escape_hatch_hooks import customize_bucket

    return compliance_pipeline.compile(
        PulumiCompiler(),
        customizations={
            "data": PulumiCustomization(resource_name="data", customize_fn=customize_bucket)
        },
    )
