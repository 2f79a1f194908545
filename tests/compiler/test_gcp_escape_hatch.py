"""The design's escape-hatch example on GCP: written once (with AWS names), compiled unchanged.

One archival bucket with object lock, replication, lifecycle tiers and a customer-managed key
next to a plain bucket (tests/compiler/examples_registry.py): on GCP the lock is the bucket's
retention policy, the tiers are lifecycle rules with GCS classes, the key is a Cloud KMS key
the Cloud Storage agent may use, and replication is a Storage Transfer job to a replica in the
GCP region of the AWS region the example names (stated in the compile notes).
"""

from __future__ import annotations

from typing import Any

import pytest

from glacier import Provider, PulumiCompiler
from glacier.compiler.errors import CompilerError, UnsupportedFeatureError
from glacier.config import AwsConfig, GcpConfig, GcsConfig
from glacier.escape_hatch import AdvancedStorageConfig, ObjectLockConfig, ReplicationConfig
from tests.compiler.examples_registry import escape_hatch_pipeline

BUCKET = "gcp:storage/bucket:Bucket"
DAY = 86_400


def gcp_provider(**config: Any) -> Provider:
    return Provider(config=GcpConfig(project="glacier-prod-1", region="us-east4", **config))


def test_escape_hatch_example_compiles_unchanged_on_aws_and_gcp(export_and_run) -> None:
    aws = escape_hatch_pipeline(Provider(config=AwsConfig(region="us-east-1")))
    assert "aws.s3.BucketObjectLockConfiguration(" in aws.compile(PulumiCompiler()).program

    infra = escape_hatch_pipeline(gcp_provider()).compile(PulumiCompiler())
    assert any(
        "compliance-data: advanced_config.replication.destination_region: AWS region "
        "'us-west-2' is GCP 'us-west1'" in n
        for n in infra.notes
    )
    _, graph = export_and_run(infra)
    archive = graph.one(BUCKET, "compliance-data").inputs
    # object lock: a retention policy (GOVERNANCE: not locked), no versioning next to it
    assert archive["retentionPolicy"] == {"retentionPeriod": 365 * DAY}
    assert "versioning" not in archive
    # customer-managed key: rotated yearly, usable by the Cloud Storage agent before the
    # bucket is created with it
    key = graph.one("gcp:kms/cryptoKey:CryptoKey", "compliance-data-key")
    assert key.inputs["rotationPeriod"] == f"{365 * DAY}s"
    assert archive["encryption"] == {"defaultKmsKeyName": "compliance-data-key-id"}
    ring = graph.one("gcp:kms/keyRing:KeyRing", "compliance-data-keyring")
    assert ring.inputs["location"] == "us-east4"  # the bucket's location
    grant = graph.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    assert grant.inputs["member"].startswith("serviceAccount:service-1@gs-project-accounts")
    assert graph.depends_on(graph.one(BUCKET, "compliance-data"), grant)
    # lifecycle tiers with AWS names -> GCS classes (the STANDARD start is no transition)
    rules = [
        (r["condition"]["age"], r["action"]["storageClass"]) for r in archive["lifecycleRules"]
    ]
    assert rules == [(30, "NEARLINE"), (90, "COLDLINE"), (365, "ARCHIVE")]
    assert all("matchesPrefixes" not in r["condition"] for r in archive["lifecycleRules"])
    # replication: a replica in us-west1 (Oregon, as AWS us-west-2), class STANDARD_IA ->
    # NEARLINE, secure defaults; the transfer agent reads the source and writes the replica
    replica = graph.one(BUCKET, "dr-bucket").inputs
    assert replica["location"] == "US-WEST1" and replica["storageClass"] == "NEARLINE"
    assert replica["publicAccessPrevention"] == "enforced"
    assert replica["uniformBucketLevelAccess"] is True
    job = graph.one("gcp:storage/transferJob:TransferJob", "compliance-data-replication")
    spec = job.inputs["replicationSpec"]
    assert spec["gcsDataSource"] == {"bucketName": "compliance-data"}
    assert spec["gcsDataSink"] == {"bucketName": "dr-bucket"}
    members = {r.name: r for r in graph.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")}
    writer = members["compliance-data-transfer-legacyBucketWriter"]
    assert writer.inputs["bucket"] == "dr-bucket"
    assert all(graph.depends_on(job, m) for m in members.values())
    # the plain bucket next to it: secure defaults, none of the archival features
    plain = graph.one(BUCKET, "glacier-data").inputs
    assert plain["publicAccessPrevention"] == "enforced"
    for feature in ("retentionPolicy", "encryption", "lifecycleRules", "versioning"):
        assert feature not in plain


def test_recompile_is_identical() -> None:
    """Nothing a deploy created is renamed by compiling again."""
    first = escape_hatch_pipeline(gcp_provider()).compile(PulumiCompiler()).program
    assert escape_hatch_pipeline(gcp_provider()).compile(PulumiCompiler()).program == first


@pytest.mark.parametrize(
    "region, location, note",
    [
        ("europe-west4", "EUROPE-WEST4", None),
        ("eu", "EU", None),
        ("westeurope", "EUROPE-WEST4", "Azure region 'westeurope' is GCP 'europe-west4'"),
    ],
)
def test_replication_regions_of_every_cloud(
    region: str, location: str, note: str | None, export_and_run
) -> None:
    adv = AdvancedStorageConfig(
        replication=ReplicationConfig(destination_bucket="copy-bucket", destination_region=region)
    )
    provider = gcp_provider()
    bucket = provider.bucket("source-bucket", path="d/", name="src", advanced_config=adv)
    infra = _touch(bucket).compile(PulumiCompiler())
    assert any(note in n for n in infra.notes) if note else not infra.notes
    _, graph = export_and_run(infra)
    assert graph.one(BUCKET, "copy-bucket").inputs["location"] == location


def test_unknown_replication_region_is_refused() -> None:
    adv = AdvancedStorageConfig(
        replication=ReplicationConfig(destination_bucket="copy-bucket", destination_region="mars-1")
    )
    bucket = gcp_provider().bucket("source-bucket", path="d/", name="src", advanced_config=adv)
    with pytest.raises(CompilerError, match=r"destination_region: 'mars-1' is not a GCP region"):
        _touch(bucket).compile(PulumiCompiler())


def test_lock_with_versioning_is_refused_with_alternative() -> None:
    adv = AdvancedStorageConfig(object_lock=ObjectLockConfig(mode="COMPLIANCE", retention_days=1))
    bucket = gcp_provider().bucket(
        "locked-bucket",
        path="d/",
        name="src",
        config=GcsConfig(versioning=True),
        advanced_config=adv,
    )
    with pytest.raises(UnsupportedFeatureError, match=r"versioning.*GCP.*versioning=False"):
        _touch(bucket).compile(PulumiCompiler())


def _touch(bucket: Any) -> Any:
    from glacier import pipeline, task

    @task
    def touch() -> None:
        bucket.exists()

    @pipeline(name="touch")
    def touched() -> None:
        touch()

    return touched
