"""Azure storage accounts: containers grouped by their account-level settings.

The design's escape-hatch example (one archival bucket with object lock, replication,
lifecycle tiers and a customer-managed key, next to a plain bucket) is written once and
compiled for AWS and Azure unchanged; the Azure program runs under Pulumi's mocks. Account
names are derived from settings (never from positions), the namespace is chosen per container
when the user did not pin it, and only pinned contradictions are errors.
"""

from __future__ import annotations

from typing import Any

import pytest

from glacier import Provider, PulumiCompiler, pipeline, task
from glacier.compiler.errors import CompilerError, ConflictingConfigError
from glacier.config import AwsConfig, AzureConfig, BlobConfig
from glacier.escape_hatch import (
    AdvancedStorageConfig,
    EncryptionConfig,
    ObjectLockConfig,
    ReplicationConfig,
)
from glacier_azure.pulumi.names import account_name

ST = "azure-native:storage:"
ACCOUNT = ST + "StorageAccount"


def archival() -> AdvancedStorageConfig:
    """The design's escape-hatch example (docs/escape-hatches.md, pattern 1), AWS names."""
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


def escape_hatch_pipeline(provider: Provider, *extra: tuple[str, dict[str, Any]]) -> Any:
    """One archival bucket with all four advanced features next to a plain bucket (plus
    ``extra`` buckets: ``(container, bucket kwargs)``), the same code for every cloud."""
    compliance = provider.bucket(
        "compliance-data", path="records/", name="compliance_data", advanced_config=archival()
    )
    data = provider.bucket("glacier-data", path="raw/events/", name="data")
    others = [provider.bucket(c, path="x/", name=c.replace("-", "_"), **kw) for c, kw in extra]

    @task
    def archive(source: Any, destination: Any) -> None:
        destination.write(source.read())

    @task
    def publish(destination: Any) -> None:
        destination.write(compliance.read())

    @pipeline(name="escape-hatch")
    def escape_hatch() -> None:
        archive(data, compliance)
        for bucket in others:
            publish(bucket)

    return escape_hatch


def compile_azure(*extra: tuple[str, dict[str, Any]], **config: Any) -> Any:
    provider = Provider(config=AzureConfig(location="eastus", **config))
    return escape_hatch_pipeline(provider, *extra).compile(PulumiCompiler())


def account_of(graph: Any, container: str) -> Any:
    """The StorageAccount that holds ``container`` (mocks: an account's name output is its
    logical name)."""
    name = graph.one(ST + "BlobContainer", container).inputs["accountName"]
    return graph.one(ACCOUNT, name)


def blob_service(graph: Any, account: Any) -> dict[str, Any]:
    return graph.one(ST + "BlobServiceProperties", f"{account.name}-blob-service").inputs


# -- the escape-hatch example ----------------------------------------------------------------
def test_escape_hatch_example_compiles_unchanged_on_aws_and_azure(export_and_run) -> None:
    aws = Provider(config=AwsConfig(region="us-east-1"))
    aws_program = escape_hatch_pipeline(aws).compile(PulumiCompiler()).program
    assert "aws.s3.BucketObjectLockConfiguration(" in aws_program

    infra = compile_azure()
    _, graph = export_and_run(infra)
    # two accounts in eastus: the archival container's and the plain container's
    plain = account_of(graph, "glacier-data")
    archive = account_of(graph, "compliance-data")
    assert plain.name != archive.name
    assert {r.name for r in graph.of_type(ACCOUNT) if r.provider_name == "azure-eastus"} == {
        plain.name,
        archive.name,
    }
    # the archival account: flat namespace, versioning + change feed, the vault key
    assert archive.inputs["isHnsEnabled"] is False
    service = blob_service(graph, archive)
    assert service["isVersioningEnabled"] is True and service["changeFeed"] == {"enabled": True}
    encryption = archive.inputs["encryption"]
    assert encryption["keySource"] == "Microsoft.Keyvault"
    key = graph.one("azure-native:keyvault:Key", f"{archive.name}-key")
    assert encryption["keyVaultProperties"]["keyName"] == key.name
    rotation = key.inputs["properties"]["rotationPolicy"]["lifetimeActions"][0]
    assert rotation["trigger"] == {"timeAfterCreate": "P365D"}
    assert archive.inputs["identity"]["type"] == "UserAssigned"
    # object lock: container-level immutability
    lock = graph.one(ST + "BlobContainerImmutabilityPolicy", "compliance-data-immutability")
    assert lock.inputs["immutabilityPeriodSinceCreationInDays"] == 365
    assert lock.inputs["accountName"] == archive.name
    # replication: both policies between the archival account and a replica in westus2
    policies = {r.name: r for r in graph.of_type(ST + "ObjectReplicationPolicy")}
    source = policies["compliance-data-replication-source"]
    destination = policies["compliance-data-replication-destination"]
    assert source.inputs["sourceAccount"] == f"{archive.name}-id"
    assert source.inputs["accountName"] == archive.name
    replica = graph.one(ACCOUNT, destination.inputs["accountName"])
    assert replica.provider_name == "azure-westus2" and replica.inputs["location"] == "westus2"
    assert replica.inputs["accessTier"] == "Cool"  # storage_class STANDARD_IA
    assert graph.one(ST + "BlobContainer", "dr-bucket").inputs["accountName"] == replica.name
    services = graph.of_type(ST + "BlobServiceProperties")
    archive_service = next(s for s in services if s.name == f"{archive.name}-blob-service")
    assert graph.depends_on(destination, archive_service)  # versioning/change feed first
    # lifecycle tiers: one policy on the archival account
    policy = graph.one(ST + "ManagementPolicy")
    assert policy.inputs["accountName"] == archive.name
    (rule,) = policy.inputs["policy"]["rules"]
    assert rule["definition"]["filters"]["prefixMatch"] == ["compliance-data/"]
    base = rule["definition"]["actions"]["baseBlob"]
    assert {k: v["daysAfterModificationGreaterThan"] for k, v in base.items()} == {
        "tierToCool": 30,
        "tierToCold": 90,
        "tierToArchive": 365,
    }
    # the plain container's account: the provider's default account, as before
    assert plain.name == account_name(None, "escape-hatch", "azure-eastus")
    assert plain.inputs["isHnsEnabled"] is True
    assert plain.inputs["encryption"]["keySource"] == "Microsoft.Storage"
    assert "identity" not in plain.inputs
    plain_service = blob_service(graph, plain)
    assert "isVersioningEnabled" not in plain_service and "changeFeed" not in plain_service
    # the compile notes say what was chosen, and why
    notes = " ".join(infra.notes)
    assert f"storage account {archive.name!r}" in notes
    assert "flat namespace (object replication needs it)" in notes
    assert "AWS region 'us-west-2' is Azure location 'westus2'" in notes


def test_plain_container_account_is_unchanged_by_the_archival_bucket(export_and_run) -> None:
    """The plain container's account is the one a pipeline without the archival bucket gets:
    same name, same arguments."""
    provider = Provider(config=AzureConfig(location="eastus"))
    data = provider.bucket("glacier-data", path="raw/events/", name="data")

    @task
    def touch(bucket: Any) -> None:
        bucket.exists()

    @pipeline(name="escape-hatch")
    def plain_only() -> None:
        touch(data)

    _, alone = export_and_run(plain_only.compile(PulumiCompiler()), "alone")
    _, together = export_and_run(compile_azure(), "together")
    before, after = account_of(alone, "glacier-data"), account_of(together, "glacier-data")
    assert before.name == after.name and before.inputs == after.inputs
    assert blob_service(alone, before) == blob_service(together, after)


# -- grouping and names ------------------------------------------------------------------------
def _accounts(infra: Any) -> dict[str, str]:
    """Container -> account name, from the program text."""
    out: dict[str, str] = {}
    lines = infra.program.splitlines()
    for i, line in enumerate(lines):
        if ".storage.BlobContainer(" in line:
            container = lines[i + 1].strip().strip('",')
            account = next(x for x in lines[i + 1 :] if "account_name=" in x)
            out[container] = account.split("=")[1].removesuffix(".name,").removesuffix("_account")
    return out


def test_account_names_are_stable_when_buckets_are_added() -> None:
    before = _accounts(compile_azure())
    after = _accounts(
        compile_azure(
            ("aaa-first", {}),  # sorts before every other container
            ("cool-data", {"config": BlobConfig(tier="Cool")}),
            ("more-archive", {"advanced_config": archival()}),
        )
    )
    for container, account in before.items():
        assert after[container] == account, container
    # same settings share an account, other settings get another one
    assert after["aaa-first"] == after["glacier-data"]
    assert after["more-archive"] == after["compliance-data"]
    assert len({after["cool-data"], after["glacier-data"], after["compliance-data"]}) == 3


def test_same_settings_share_one_account_and_one_key(export_and_run) -> None:
    _, graph = export_and_run(compile_azure(("more-archive", {"advanced_config": archival()})))
    assert account_of(graph, "more-archive").name == account_of(graph, "compliance-data").name
    keys = graph.of_type("azure-native:keyvault:Key")
    replica_keys = [k for k in keys if k.provider_name == "azure-westus2"]
    assert len(keys) - len(replica_keys) == 1  # one key for the shared archival account
    (policy,) = graph.of_type(ST + "ManagementPolicy")  # one policy, a rule per container
    rules = {r["name"]: r for r in policy.inputs["policy"]["rules"]}
    assert set(rules) == {"glacier-compliance-data", "glacier-more-archive"}


def test_equivalent_keys_share_an_account() -> None:
    """``kms`` and ``aws:kms`` are one Key Vault key on Azure; a key that does not rotate has
    no rotation period."""
    same = EncryptionConfig(algorithm="kms", kms_key_rotation=False, rotation_days=90)
    other = EncryptionConfig(algorithm="aws:kms", kms_key_rotation=False)
    rotating = EncryptionConfig(algorithm="kms", kms_key_rotation=True, rotation_days=90)
    accounts = _accounts(
        compile_azure(
            ("key-a", {"advanced_config": AdvancedStorageConfig(custom_encryption=same)}),
            ("key-b", {"advanced_config": AdvancedStorageConfig(custom_encryption=other)}),
            ("key-c", {"advanced_config": AdvancedStorageConfig(custom_encryption=rotating)}),
        )
    )
    assert accounts["key-a"] == accounts["key-b"] != accounts["key-c"]
    assert accounts["key-a"] != accounts["glacier-data"]


def test_storage_account_names_the_default_group() -> None:
    accounts = _accounts(compile_azure(storage_account="acmelake"))
    assert accounts["glacier-data"] == "acmelake"
    archive = accounts["compliance-data"]
    assert archive.startswith("acmelake") and archive != "acmelake" and len(archive) <= 24


def test_namespace_is_chosen_per_container_unless_pinned() -> None:
    flat = _accounts(
        compile_azure(("pinned-flat", {"config": BlobConfig(hierarchical_namespace=False)}))
    )
    assert flat["pinned-flat"] != flat["glacier-data"]  # a pinned flat namespace is a setting
    program = compile_azure().program
    assert program.count("is_hns_enabled=False") == 2  # archival account + its replica
    assert program.count("is_hns_enabled=True") == 1  # the plain container's account


# -- contradictions ----------------------------------------------------------------------------
def _one(provider: Provider, *buckets: dict[str, Any]) -> Any:
    made = [
        provider.bucket("shared", path=f"p{i}/", name=f"b{i}", **kw) for i, kw in enumerate(buckets)
    ]

    @task
    def touch(bucket: Any) -> None:
        bucket.exists()

    @pipeline(name="one")
    def one() -> None:
        for bucket in made:
            touch(bucket)

    return one


def test_pinned_namespace_with_replication_is_a_clear_error() -> None:
    provider = Provider(config=AzureConfig(location="eastus"))
    adv = AdvancedStorageConfig(
        replication=ReplicationConfig(destination_bucket="dr", destination_region="westus")
    )
    pipeline_ = _one(
        provider, {"config": BlobConfig(hierarchical_namespace=True), "advanced_config": adv}
    )
    with pytest.raises(
        ConflictingConfigError, match=r"hierarchical_namespace=True.*replication.*flat namespace"
    ):
        pipeline_.compile(PulumiCompiler())
    # unpinned: the same bucket compiles, in a flat-namespace account
    program = (
        _one(provider, {"config": BlobConfig(), "advanced_config": adv})
        .compile(PulumiCompiler())
        .program
    )
    assert "is_hns_enabled=False" in program


def test_buckets_sharing_a_container_pin_different_namespaces() -> None:
    provider = Provider(config=AzureConfig(location="eastus"))
    pipeline_ = _one(
        provider,
        {"config": BlobConfig(hierarchical_namespace=True)},
        {"config": BlobConfig(hierarchical_namespace=False)},
    )
    with pytest.raises(ConflictingConfigError, match="hierarchical_namespace"):
        pipeline_.compile(PulumiCompiler())


def test_buckets_sharing_a_container_merge_to_the_stronger_settings(export_and_run) -> None:
    provider = Provider(config=AzureConfig(location="eastus"))
    infra = _one(
        provider,
        {"config": BlobConfig(replication="ZRS", soft_delete_retention_days=7)},
        {
            "config": BlobConfig(replication="GRS", soft_delete_retention_days=30, versioning=True),
            "advanced_config": AdvancedStorageConfig(lifecycle_tiers=[("cold", 90)]),
        },
        {"advanced_config": AdvancedStorageConfig(lifecycle_tiers=[("cool", 30)])},
    ).compile(PulumiCompiler())
    _, graph = export_and_run(infra)
    account = account_of(graph, "shared")
    assert account.inputs["sku"] == {"name": "Standard_GZRS"}  # zone + geo redundant
    service = blob_service(graph, account)
    assert service["deleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert service["isVersioningEnabled"] is True
    assert any("merged to 'GZRS'" in note for note in infra.notes)
    # different tiers of two Glacier buckets: each applies to its own path only
    rules = graph.one(ST + "ManagementPolicy").inputs["policy"]["rules"]
    scoped = {r["name"]: r["definition"]["filters"]["prefixMatch"] for r in rules}
    assert scoped == {"glacier-shared-1": ["shared/p1/"], "glacier-shared-2": ["shared/p2/"]}


def test_unknown_replication_region_is_a_clear_error() -> None:
    provider = Provider(config=AzureConfig(location="eastus"))
    adv = AdvancedStorageConfig(
        replication=ReplicationConfig(destination_bucket="dr", destination_region="mars-north-1")
    )
    with pytest.raises(CompilerError, match="destination_region: 'mars-north-1' is not an Azure"):
        _one(provider, {"advanced_config": adv}).compile(PulumiCompiler())


# -- existing containers -----------------------------------------------------------------------
def _with_existing(config: AzureConfig, *, plain: bool) -> Any:
    provider = Provider(config=config)
    old = provider.bucket("landing", path="in/", name="landing", existing=True)
    new = provider.bucket("curated", path="out/", name="curated")

    @task
    def check(source: Any) -> None:
        source.exists()

    @task
    def copy(source: Any, destination: Any) -> None:
        destination.write(source.read())

    @pipeline(name="existing")
    def existing() -> None:
        if plain:
            copy(old, new)
        else:
            check(old)

    return existing.compile(PulumiCompiler())


def test_existing_container_is_referenced_not_created(export_and_run) -> None:
    config = AzureConfig(
        location="eastus",
        storage_account="acmelake",
        resource_group="rg-data",
        subscription_id="s1",
    )
    infra = _with_existing(config, plain=False)
    program = infra.program
    account_id = (
        "/subscriptions/s1/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/"
        "acmelake"
    )
    assert (
        f'azure_native.storage.StorageAccount.get(\n    "acmelake",\n    "{account_id}"' in program
    )
    assert 'azure_native.storage.BlobContainer.get(\n    "landing",' in program
    _, graph = export_and_run(infra)
    created = [r for r in graph.resources if not r.read_id]
    assert not [r for r in created if r.type in (ACCOUNT, ST + "BlobContainer")]
    read = {r.name: r.read_id for r in graph.resources if r.read_id}
    assert read["acmelake"] == account_id and read["landing"].endswith("/containers/landing")


def test_existing_container_in_an_account_the_program_creates(export_and_run) -> None:
    infra = _with_existing(AzureConfig(location="eastus", storage_account="acmelake"), plain=True)
    assert "StorageAccount.get(" not in infra.program
    assert 'azure_native.storage.BlobContainer.get(\n    "landing",' in infra.program
    _, graph = export_and_run(infra)
    assert [r.name for r in graph.of_type(ACCOUNT)] == ["acmelake"]
    containers = {r.name: r.read_id for r in graph.of_type(ST + "BlobContainer")}
    assert containers["curated"] == "" and containers["landing"].endswith("/containers/landing")


def test_existing_container_needs_its_account_named() -> None:
    with pytest.raises(CompilerError, match=r"AzureConfig\(storage_account=\.\.\., resource_group"):
        _with_existing(AzureConfig(location="eastus"), plain=False)
