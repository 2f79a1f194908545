"""IAM from paths (issue 10, item 7): a bucket path never becomes a live IAM wildcard or
policy variable, on any cloud. Checked on the policy documents a compiled program registers
under Pulumi's mocks.

Core refuses such paths when a Bucket is created (path policy); the emitters escape anyway.
To reach the emitters, the tests let ``grant_prefix`` hand them the hostile prefix, as a
path that slipped past core would.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

import glacier.compiler.ir_builder as ir_module
from glacier import Provider, PulumiCompiler, pipeline, task
from glacier.compiler.errors import CompilerError
from glacier.config import (
    AwsConfig,
    AzureConfig,
    DataprocConfig,
    GcpConfig,
    GlueConfig,
    SynapseConfig,
)

HOSTILE = [
    "*",
    "a?c/",
    "${aws:username}/",
    "team-${aws:PrincipalTag/team}/*",
    "x/*/y?z$/",
    "$",
    "${*}/",
]

#: IAM's escapes of its special characters.
_ESCAPE = re.compile(r"\$\{[*?$]\}")


@task
def _copy(source: Any, destination: Any) -> None:
    destination.write(source.scan())


def _pipeline(provider: Provider, executor: Any, name: str) -> Any:
    source = provider.bucket("glacier-iam-data", path="placeholder/", name="hostile")
    dest = provider.bucket("glacier-iam-data", path="out/", name="out")
    copy = task(executor=executor)(_copy.fn)

    @pipeline(name=name)
    def flow() -> None:
        copy(source, dest)

    return flow


@pytest.fixture
def hostile_prefix(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the prefix the emitters receive for bucket ``hostile``."""
    real = ir_module.grant_prefix

    def use(prefix: str) -> None:
        monkeypatch.setattr(
            ir_module,
            "grant_prefix",
            lambda b: prefix if b.name == "hostile" else real(b),
        )

    return use


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: m.group()[2], text)


def _live(text: str) -> str:
    """``text`` without IAM's escapes: what is left of ``*``, ``?``, ``$`` is live."""
    return _ESCAPE.sub("", text)


@pytest.mark.parametrize("prefix", HOSTILE)
def test_aws_policies_have_no_live_wildcard_beyond_the_prefix(
    prefix: str, hostile_prefix: Any, export_and_run: Any
) -> None:
    hostile_prefix(prefix)
    provider = Provider(AwsConfig(region="us-east-1"))
    glue = provider.executor("etl", config=GlueConfig(staging_bucket="glacier-iam-staging"))
    _, graph = export_and_run(_pipeline(provider, glue, "iam-aws").compile(PulumiCompiler()))
    access = json.loads(graph.one("aws:iam/rolePolicy:RolePolicy", "etl-access").inputs["policy"])
    hostile_resources: list[str] = []
    list_prefixes: list[str] = []
    for statement in access["Statement"]:
        assert statement["Effect"] == "Allow"
        resources = statement["Resource"]
        for resource in resources if isinstance(resources, list) else [resources]:
            live = _live(resource)
            assert "?" not in live and "$" not in live, resource
            assert live.count("*") <= 1 and (live.count("*") == 0 or live.endswith("/*")), resource
            if _unescape(resource).startswith("arn:aws:s3:::glacier-iam-data/") and (
                "out/" not in resource
            ):
                hostile_resources.append(resource)
        for values in statement.get("Condition", {}).get("StringLike", {}).values():
            for value in values:
                live = _live(value)
                assert "?" not in live and "$" not in live and live.count("*") == 1, value
                assert live.endswith("*")
                list_prefixes.append(value)
    # the hostile path is granted literally: exactly "<bucket>/<path>" followed by anything
    assert [_unescape(r) for r in hostile_resources] == [f"arn:aws:s3:::glacier-iam-data/{prefix}*"]
    assert f"{prefix}*" in [_unescape(v) for v in list_prefixes]


def test_aws_control_characters_in_paths_are_refused(hostile_prefix: Any) -> None:
    hostile_prefix("a\nb/")
    provider = Provider(AwsConfig(region="us-east-1"))
    glue = provider.executor("etl", config=GlueConfig(staging_bucket="glacier-iam-staging"))
    with pytest.raises(CompilerError, match="control character"):
        _pipeline(provider, glue, "iam-aws").compile(PulumiCompiler())


@pytest.mark.parametrize("prefix", HOSTILE)
def test_azure_conditions_quote_the_prefix_literally(
    prefix: str, hostile_prefix: Any, export_and_run: Any
) -> None:
    hostile_prefix(prefix)
    provider = Provider(AzureConfig(location="westeurope", resource_group="rg-iam"))
    synapse = provider.executor("etl", config=SynapseConfig(workspace_name="glacier-ws"))
    _, graph = export_and_run(_pipeline(provider, synapse, "iam-azure").compile(PulumiCompiler()))
    assignments = {
        r.name: r.inputs for r in graph.of_type("azure-native:authorization:RoleAssignment")
    }
    condition = assignments["etl-read-glacier-iam-data"]["condition"]
    # every comparison on the hostile prefix is a StringStartsWith on the quoted literal
    quoted = f"StringStartsWith '{prefix}'"
    assert condition.count(quoted) == 2
    assert "StringLike" not in condition and "StringMatches" not in condition


@pytest.mark.parametrize("prefix", ["it's/", "back\\slash/", "new\nline/"])
def test_azure_refuses_what_a_condition_cannot_quote(prefix: str, hostile_prefix: Any) -> None:
    hostile_prefix(prefix)
    provider = Provider(AzureConfig(location="westeurope", resource_group="rg-iam"))
    synapse = provider.executor("etl", config=SynapseConfig(workspace_name="glacier-ws"))
    with pytest.raises(CompilerError, match="cannot express"):
        _pipeline(provider, synapse, "iam-azure").compile(PulumiCompiler())


_CEL_STARTS = re.compile(r'resource\.name\.startsWith\("((?:[^"\\]|\\.)*)"\)')


def _cel_unquote(body: str) -> str:
    return re.sub(
        r"\\(x[0-9a-f]{2}|.)",
        lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1).startswith("x") else m.group(1),
        body,
    )


@pytest.mark.parametrize("prefix", [*HOSTILE, 'quo"te/', "back\\slash/", "tab\there/", "é😀/"])
def test_gcp_conditions_quote_the_prefix_literally(
    prefix: str, hostile_prefix: Any, export_and_run: Any
) -> None:
    hostile_prefix(prefix)
    provider = Provider(GcpConfig(project="glacier-iam-1", region="europe-west1"))
    dataproc = provider.executor("etl", config=DataprocConfig(serverless=True))
    _, graph = export_and_run(_pipeline(provider, dataproc, "iam-gcp").compile(PulumiCompiler()))
    members = {
        r.name: r.inputs for r in graph.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
    }
    expression = members["etl-read-glacier-iam-data"]["condition"]["expression"]
    match = _CEL_STARTS.search(expression)
    assert match is not None, expression
    # the whole expression is the type check OR exactly one startsWith on the literal
    assert expression == (f'resource.type == "storage.googleapis.com/Bucket" || {match.group(0)}')
    assert _cel_unquote(match.group(1)) == f"projects/_/buckets/glacier-iam-data/objects/{prefix}"


@pytest.mark.parametrize(
    "executor_name, staging, message",
    [
        ("etl", "bad*bucket", "S3 bucket name 'bad\\*bucket'"),
        ("etl*", "glacier-iam-staging", "not a CloudWatch log group name"),
        ("etl", "${aws:username}", "S3 bucket name"),
    ],
)
def test_aws_names_that_reach_arns_are_checked(
    executor_name: str, staging: str, message: str
) -> None:
    """Bucket and log group names end up in ARNs of IAM policies: names S3 or CloudWatch
    would refuse are refused at compile, before anything is written."""
    provider = Provider(AwsConfig(region="us-east-1"))
    glue = provider.executor(executor_name, config=GlueConfig(staging_bucket=staging))
    with pytest.raises(CompilerError, match=message):
        _pipeline(provider, glue, "iam-aws").compile(PulumiCompiler())
