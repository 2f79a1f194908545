"""Secure defaults (issue 10, item 12), asserted on what the programs register under
Pulumi's mocks:

* every Glue job Glacier creates runs with a ``glue.SecurityConfiguration``: S3 SSE-S3,
  CloudWatch logs SSE-KMS and bookmarks CSE-KMS with the job's own rotated key, whose policy
  lets CloudWatch Logs use it for the job's log group only; the log group is encrypted;
* Azure storage accounts accept Entra ID only (shared keys off, OAuth default); an
  ``allowed_ip_ranges`` list denies every other network.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from glacier import Provider, PulumiCompiler, pipeline, task
from glacier.config import AwsConfig, AzureConfig, BlobConfig, GlueConfig, SynapseConfig

ST = "azure-native:storage:StorageAccount"


@task
def _copy(source: Any, destination: Any) -> None:
    destination.write(source.scan())


def _flow(provider: Provider, executor: Any, name: str, config: Any = None) -> Any:
    source = provider.bucket("glacier-secure-data", path="raw/", name="raw", config=config)
    dest = provider.bucket("glacier-secure-data", path="out/", name="out", config=config)
    copy = task(executor=executor)(_copy.fn)

    @pipeline(name=name)
    def flow() -> None:
        copy(source, dest)

    return flow


@pytest.mark.parametrize("account_id", ["123456789012", None])
def test_glue_jobs_run_with_a_security_configuration(
    account_id: str | None, export_and_run: Any
) -> None:
    provider = Provider(AwsConfig(region="eu-west-1", account_id=account_id))
    glue = provider.executor("etl", config=GlueConfig(staging_bucket="glacier-secure-staging"))
    _, graph = export_and_run(_flow(provider, glue, "secure-glue").compile(PulumiCompiler()))

    job = graph.one("aws:glue/job:Job", "etl")
    security = graph.one("aws:glue/securityConfiguration:SecurityConfiguration")
    assert job.inputs["securityConfiguration"] == security.inputs["name"] == "glacier-etl"
    assert graph.depends_on(job, security)
    key = graph.one("aws:kms/key:Key", "etl-glue-key")
    key_arn = f"arn:aws:kms:::{key.name}"  # the mocks' ARN of the key
    enc = security.inputs["encryptionConfiguration"]
    assert enc["s3Encryption"] == {"s3EncryptionMode": "SSE-S3"}
    assert enc["cloudwatchEncryption"] == {
        "cloudwatchEncryptionMode": "SSE-KMS",
        "kmsKeyArn": key_arn,
    }
    assert enc["jobBookmarksEncryption"] == {
        "jobBookmarksEncryptionMode": "CSE-KMS",
        "kmsKeyArn": key_arn,
    }
    assert key.inputs["enableKeyRotation"] is True

    group_arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/jobs/glacier-etl"
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert statements["AccountControlsTheKey"]["Principal"] == {
        "AWS": "arn:aws:iam::123456789012:root"
    }
    logs = statements["CloudWatchLogsForTheJobLogGroup"]
    assert logs["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert logs["Condition"] == {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": group_arn}}

    group = graph.one("aws:cloudwatch/logGroup:LogGroup", "etl-logs")
    assert group.inputs["kmsKeyId"] == key_arn
    use = json.loads(
        graph.one("aws:iam/rolePolicy:RolePolicy", "etl-glue-encryption").inputs["policy"]
    )
    assert {s["Sid"]: s["Resource"] for s in use["Statement"]} == {
        "UseJobKey": key_arn,
        "EncryptJobLogGroup": group_arn,
    }
    if account_id is None:  # looked up once, through the provider
        assert [t for t, _ in graph.calls].count("aws:index/getCallerIdentity:getCallerIdentity")


def test_existing_glue_jobs_get_no_new_configuration(export_and_run: Any) -> None:
    provider = Provider(AwsConfig(region="eu-west-1"))
    glue = provider.executor(
        "etl", config=GlueConfig(job_name="existing", staging_bucket="glacier-secure-staging")
    )
    _, graph = export_and_run(_flow(provider, glue, "secure-glue").compile(PulumiCompiler()))
    assert not graph.of_type("aws:glue/securityConfiguration:SecurityConfiguration")
    assert not graph.of_type("aws:glue/job:Job")


def test_azure_accounts_accept_entra_id_only(export_and_run: Any) -> None:
    provider = Provider(AzureConfig(location="westeurope", resource_group="rg-secure"))
    synapse = provider.executor(
        "etl", config=SynapseConfig(workspace_name="glacier-ws", staging_bucket="staging")
    )
    _, graph = export_and_run(_flow(provider, synapse, "secure-azure").compile(PulumiCompiler()))
    accounts = {a.name: a.inputs for a in graph.of_type(ST)}
    workspace = graph.one("azure-native:synapse:Workspace")
    lake = workspace.inputs["defaultDataLakeStorage"]["resourceId"].removesuffix("-id")
    for name, inputs in accounts.items():
        assert inputs["defaultToOAuthAuthentication"] is True
        assert inputs["networkRuleSet"]["defaultAction"] == "Allow"
        # Synapse's own data lake keeps shared keys (not verified without them)
        assert inputs["allowSharedKeyAccess"] is (name == lake), name
    assert lake in accounts and len(accounts) == 2


def test_azure_function_host_accounts_accept_entra_id_only(export_and_run: Any) -> None:
    import sys

    from tests.compiler.conftest import ROOT

    sys.path.insert(0, str(ROOT / "examples" / "compute"))
    try:
        from compute_pipeline import azure_compute
    finally:
        sys.path.remove(str(ROOT / "examples" / "compute"))
    _, graph = export_and_run(azure_compute.compile(PulumiCompiler()))
    app = graph.one("azure-native:web:WebApp")
    settings = {s["name"]: s.get("value") for s in app.inputs["siteConfig"]["appSettings"]}
    host = settings["AzureWebJobsStorage__accountName"]  # identity-based host storage
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert graph.one(ST, host).inputs["allowSharedKeyAccess"] is False


def test_azure_allowed_ip_ranges_deny_other_networks(export_and_run: Any) -> None:
    provider = Provider(AzureConfig(location="westeurope", resource_group="rg-secure"))
    synapse = provider.executor("etl", config=SynapseConfig(workspace_name="glacier-ws"))
    cfg = BlobConfig(allowed_ip_ranges=["203.0.113.0/24", "198.51.100.7"])
    flow = _flow(provider, synapse, "secure-azure", config=cfg)
    _, graph = export_and_run(flow.compile(PulumiCompiler()))
    workspace = graph.one("azure-native:synapse:Workspace")
    lake = workspace.inputs["defaultDataLakeStorage"]["resourceId"].removesuffix("-id")
    data = next(a.inputs for a in graph.of_type(ST) if a.name != lake)
    assert data["allowSharedKeyAccess"] is False
    assert data["networkRuleSet"] == {
        "defaultAction": "Deny",
        "bypass": "AzureServices, Logging, Metrics",
        "ipRules": [
            {"iPAddressOrRange": "203.0.113.0/24", "action": "Allow"},
            {"iPAddressOrRange": "198.51.100.7", "action": "Allow"},
        ],
    }


@pytest.mark.parametrize(
    "value, message",
    [
        ("10.0.0.0/8", "not a public range"),
        ("203.0.113.7/32", "single addresses"),
        ("2001:db8::/32", "IPv4"),
        ("203.0.113.0/33", "IPv4"),
        ("not-an-ip", "IPv4"),
    ],
)
def test_azure_allowed_ip_ranges_are_validated(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        BlobConfig(allowed_ip_ranges=[value])
