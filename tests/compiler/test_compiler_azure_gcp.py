"""Azure and GCP: the cloud-neutral example under mocks, and explicit unsupported features."""

from __future__ import annotations

import pytest

from glacier import Provider, PulumiCompiler, pipeline, task
from glacier.compiler.errors import ConflictingConfigError, UnsupportedFeatureError
from glacier.config import AzureConfig, BlobConfig, GcpConfig, GcsConfig
from glacier.escape_hatch import AdvancedStorageConfig, ObjectLockConfig, ReplicationConfig
from tests.compiler.examples_registry import EXAMPLES as PROGRAMS

ST = "azure-native:storage:"


def test_azure_program_graph(export_and_run) -> None:
    _, graph = export_and_run(PROGRAMS["azure_compliance"]())
    account = next(
        r for r in graph.of_type(ST + "StorageAccount") if r.provider_name == "azure-westeurope"
    )
    inputs = account.inputs
    assert inputs["allowBlobPublicAccess"] is False
    assert inputs["minimumTlsVersion"] == "TLS1_2"
    assert inputs["enableHttpsTrafficOnly"] is True
    assert inputs["isHnsEnabled"] is False
    assert inputs["tags"] == {"team": "data-platform", "env": "prod"}
    assert inputs["encryption"]["keySource"] == "Microsoft.Keyvault"
    assert inputs["encryption"]["keyVaultProperties"]["keyVaultUri"].endswith(".vault.azure.net/")
    key = next(r for r in graph.of_type("azure-native:keyvault:Key"))
    rotate = key.inputs["properties"]["rotationPolicy"]["lifetimeActions"][0]
    assert rotate == {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P365D"}}
    container = graph.one(ST + "BlobContainer", "compliance-data")
    assert container.inputs["publicAccess"] == "None"
    immutability = graph.one(ST + "BlobContainerImmutabilityPolicy")
    assert immutability.inputs["immutabilityPeriodSinceCreationInDays"] == 365
    policy = graph.one(ST + "ManagementPolicy").inputs["policy"]["rules"][0]
    base = policy["definition"]["actions"]["baseBlob"]
    assert {k: v["daysAfterModificationGreaterThan"] for k, v in base.items()} == {
        "tierToCool": 30,
        "tierToCold": 90,
        "tierToArchive": 365,
    }
    assert policy["definition"]["filters"]["prefixMatch"] == ["compliance-data/"]
    dest, source = sorted(graph.of_type(ST + "ObjectReplicationPolicy"), key=lambda r: r.name)
    assert dest.provider_name == "azure-northeurope" and source.provider_name == "azure-westeurope"
    assert graph.one(ST + "BlobContainer", "compliance-dr").provider_name == "azure-northeurope"
    services = {r.name: r.inputs for r in graph.of_type(ST + "BlobServiceProperties")}
    assert all(s.get("isVersioningEnabled") for s in services.values())
    assert any(s.get("changeFeed", {}).get("enabled") for s in services.values())
    # least privilege: reader on the source container, custom writer on the archive
    assignments = {
        r.name: r.inputs for r in graph.of_type("azure-native:authorization:RoleAssignment")
    }
    read = assignments["etl-read-compliance-data"]
    assert read["roleDefinitionId"].endswith("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1")
    assert (
        "StringStartsWith 'raw/events/'" in read["condition"] and read["conditionVersion"] == "2.0"
    )
    write = assignments["etl-write-compliance-data"]
    assert "StringStartsWith 'records/'" in write["condition"]
    writer = graph.one("azure-native:authorization:RoleDefinition").inputs
    assert writer["permissions"][0]["dataActions"] == [
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    ]


def test_gcp_program_graph(export_and_run) -> None:
    _, graph = export_and_run(PROGRAMS["gcp_compliance"]())
    provider = graph.one("pulumi:providers:gcp")
    assert (
        provider.inputs["project"] == "glacier-prod-1"
        and provider.inputs["region"] == "europe-west1"
    )
    bucket = graph.one("gcp:storage/bucket:Bucket", "glacier-compliance-data")
    inputs = bucket.inputs
    assert inputs["uniformBucketLevelAccess"] is True
    assert inputs["publicAccessPrevention"] == "enforced"
    assert inputs["labels"] == {"env": "prod", "team": "data-platform"}
    assert inputs["retentionPolicy"] == {"retentionPeriod": 365 * 86400}
    assert inputs["encryption"]["defaultKmsKeyName"] == "glacier-compliance-data-key-id"
    classes = [
        (r["condition"]["age"], r["action"]["storageClass"]) for r in inputs["lifecycleRules"]
    ]
    assert classes == [(30, "NEARLINE"), (90, "COLDLINE"), (365, "ARCHIVE")]
    key = graph.one("gcp:kms/cryptoKey:CryptoKey")
    assert key.inputs["rotationPeriod"] == f"{365 * 86400}s"
    agent = graph.one("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
    assert graph.depends_on(bucket, agent)
    assert (
        graph.one("gcp:storage/bucket:Bucket", "glacier-compliance-dr").inputs["location"]
        == "EUROPE-WEST4"
    )
    job = graph.one("gcp:storage/transferJob:TransferJob").inputs["replicationSpec"]
    assert job["gcsDataSink"]["bucketName"] == "glacier-compliance-dr"
    members = {
        r.name: r.inputs for r in graph.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
    }
    read = members["etl-read-glacier-data"]
    assert read["role"] == "roles/storage.objectViewer"
    assert (
        'startsWith("projects/_/buckets/glacier-data/objects/raw/events/")'
        in read["condition"]["expression"]
    )
    write = members["etl-write-glacier-compliance-data"]
    assert write["role"] == "projects/p/roles/glacierObjectWriter_compliance_gcp_test"
    role = graph.one("gcp:projects/iAMCustomRole:IAMCustomRole").inputs
    assert role["permissions"] == ["storage.objects.create", "storage.objects.delete"]


def _one_bucket_pipeline(provider: Provider, **bucket_kwargs: object):
    data = provider.bucket("unsupported-x", path="d/", name="data", **bucket_kwargs)

    @task
    def touch(b):
        b.exists()

    @pipeline(name="one")
    def one():
        touch(data)

    return one


def test_azure_compliance_lock_is_refused_with_alternative() -> None:
    provider = Provider(config=AzureConfig(location="eastus"))
    adv = AdvancedStorageConfig(object_lock=ObjectLockConfig(mode="COMPLIANCE", retention_days=1))
    with pytest.raises(
        UnsupportedFeatureError, match="COMPLIANCE.*Azure.*Nearest alternative.*GOVERNANCE"
    ):
        _one_bucket_pipeline(provider, advanced_config=adv).compile(PulumiCompiler())


def test_azure_replication_with_pinned_hns_is_refused() -> None:
    provider = Provider(config=AzureConfig(location="eastus"))
    adv = AdvancedStorageConfig(
        replication=ReplicationConfig(destination_bucket="dr", destination_region="westus")
    )
    config = BlobConfig(hierarchical_namespace=True)
    with pytest.raises(ConflictingConfigError, match="Azure.*GRS"):
        _one_bucket_pipeline(provider, config=config, advanced_config=adv).compile(PulumiCompiler())


def test_gcp_intelligent_tiering_and_lock_with_versioning_are_refused() -> None:
    provider = Provider(config=GcpConfig(project="proj-123456"))
    adv = AdvancedStorageConfig(lifecycle_tiers=[("INTELLIGENT_TIERING", 0)])
    with pytest.raises(UnsupportedFeatureError, match="INTELLIGENT_TIERING.*GCP"):
        _one_bucket_pipeline(provider, advanced_config=adv).compile(PulumiCompiler())
    adv = AdvancedStorageConfig(object_lock=ObjectLockConfig(mode="GOVERNANCE", retention_days=3))
    with pytest.raises(UnsupportedFeatureError, match="versioning"):
        _one_bucket_pipeline(
            provider, config=GcsConfig(versioning=True), advanced_config=adv
        ).compile(PulumiCompiler())
