"""The same pipeline with cloud-neutral advanced config, compiled for Azure and GCP.

    glacier compile examples/escape_hatches/neutral_pipeline.py:azure_pipeline --out infra/az
    glacier compile examples/escape_hatches/neutral_pipeline.py:gcp_pipeline --out infra/gcp

Neutral tier names (hot, cool, cold, archive) map to each cloud's classes; see the table in
docs/escape-hatches.md. On Azure, the customer-managed key, versioning and a flat namespace
(object replication needs one) are storage-account settings: the compiler puts the container
in a storage account of its own with those settings (see docs/clouds/azure.md).
"""

from __future__ import annotations

import polars as pl

from glacier import Provider, pipeline, task
from glacier.config import AzureConfig, DatabricksConfig, DataprocConfig, GcpConfig
from glacier.escape_hatch import (
    AdvancedStorageConfig,
    EncryptionConfig,
    ObjectLockConfig,
    ReplicationConfig,
)

TAGS = {"team": "data-platform", "env": "prod"}


def advanced(destination_bucket: str, destination_region: str) -> AdvancedStorageConfig:
    """Object lock, replication, neutral lifecycle tiers and a rotated customer key."""
    return AdvancedStorageConfig(
        object_lock=ObjectLockConfig(mode="GOVERNANCE", retention_days=365),
        replication=ReplicationConfig(
            destination_bucket=destination_bucket,
            destination_region=destination_region,
            storage_class="cool",
        ),
        lifecycle_tiers=[("hot", 0), ("cool", 30), ("cold", 90), ("archive", 365)],
        custom_encryption=EncryptionConfig(algorithm="kms", kms_key_rotation=True),
    )


azure = Provider(
    config=AzureConfig(location="westeurope", resource_group="rg-compliance"), tags=TAGS
)
az_compliance = azure.bucket(
    "compliance-data",
    path="records/",
    name="compliance_data",
    advanced_config=advanced("compliance-dr", "northeurope"),
)
az_raw = azure.bucket("compliance-data", path="raw/events/", name="data")
az_spark = azure.executor("etl", config=DatabricksConfig(instance_type="Standard_D4s_v3"))

gcp = Provider(config=GcpConfig(project="glacier-prod-1", region="europe-west1"), tags=TAGS)
gcs_compliance = gcp.bucket(
    "glacier-compliance-data",
    path="records/",
    name="compliance_data",
    advanced_config=advanced("glacier-compliance-dr", "europe-west4"),
)
gcs_raw = gcp.bucket("glacier-data", path="raw/events/", name="data")
gcp_spark = gcp.executor("etl", config=DataprocConfig())


@task(executor=az_spark)
def az_archive(source, destination):
    destination.write(source.scan().filter(pl.col("amount") > 0))


@task(executor=gcp_spark)
def gcs_archive(source, destination):
    destination.write(source.scan().filter(pl.col("amount") > 0))


@pipeline(name="compliance-azure")
def azure_pipeline():
    az_archive(az_raw, az_compliance)


@pipeline(name="compliance-gcp")
def gcp_pipeline():
    gcs_archive(gcs_raw, gcs_compliance)
