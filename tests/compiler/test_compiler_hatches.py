"""The three escape hatches: config validation, customization hooks, program injection."""

from __future__ import annotations

import ast

import pytest
from pydantic import ValidationError

from glacier import PulumiCompiler
from glacier.compiler.errors import CustomizationError, InjectionError
from glacier.escape_hatch import (
    AdvancedStorageConfig,
    ObjectLockConfig,
    PulumiCustomization,
    PulumiProgramInjector,
    ReplicationConfig,
)
from tests.compiler.examples_registry import EXAMPLES as PROGRAMS


# -- hatch 1: validation -----------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"object_lock": {"mode": "LEGAL", "retention_days": 1}}, "GOVERNANCE"),
        ({"object_lock": {"mode": "GOVERNANCE", "retention_days": 0}}, "greater than 0"),
        ({"lifecycle_tiers": [("cool", 30), ("cold", 30)]}, "strictly ascending"),
        ({"lifecycle_tiers": [("cool", -1)]}, ">= 0"),
        ({"lifecycle_tiers": [("tepid", 3)]}, "unknown storage tier"),
        ({"lifecycle_tiers": [("cold", 10), ("cool", 30)]}, "colder"),
        (
            {
                "replication": {
                    "destination_bucket": "b",
                    "destination_region": "x",
                    "storage_class": "FROZEN",
                }
            },
            "unknown storage tier",
        ),
        ({"unknown": 1}, "Extra inputs"),
        ({}, "sets no feature"),
    ],
)
def test_advanced_config_validation(kwargs: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AdvancedStorageConfig(**kwargs)


def test_tiers_accept_neutral_and_cloud_names() -> None:
    cfg = AdvancedStorageConfig(
        lifecycle_tiers=[("STANDARD", 0), ("NEARLINE", 10), ("Archive", 20)]
    )
    assert [(t.name, t.level) for t in cfg.tiers()] == [
        ("NEARLINE", "cool"),
        ("Archive", "archive"),
    ]
    assert ObjectLockConfig(mode="COMPLIANCE", retention_days=7).retention_days == 7
    assert (
        ReplicationConfig(destination_bucket="b", destination_region="us-west-2").storage_class
        is None
    )


# -- hatch 2: customization hooks --------------------------------------------------------
def test_hook_receives_resource_and_context(export_and_run) -> None:
    out, graph = export_and_run(PROGRAMS["aws_compliance_hook"]())
    program = (out / "__main__.py").read_text()
    assert 'glacier_hook("escape_hatch_hooks:customize_bucket")' in program
    endpoint = graph.one("aws:ec2/vpcEndpoint:VpcEndpoint", "data-endpoint")
    assert endpoint.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"  # context.environment
    assert endpoint.provider_name == "aws-us-east-1"  # context.provider
    assert endpoint.inputs["tags"] == {"team": "data-platform", "env": "prod"}
    assert "resources=glacier_resources(globals())" in program
    # the hook's returned bucket is what later resources use
    bucket = graph.one("aws:s3/bucket:Bucket", "glacier-data")
    policy = graph.one("aws:s3/bucketPolicy:BucketPolicy", "glacier-data-tls-only")
    assert graph.depends_on(policy, bucket)


def test_customization_naming_no_resource_is_refused() -> None:
    from aws_pipeline import compliance_pipeline
    from escape_hatch_hooks import customize_bucket

    with pytest.raises(CustomizationError, match="'nope' names no resource.*compliance_data"):
        compliance_pipeline.compile(
            PulumiCompiler(),
            customizations={"nope": PulumiCustomization("nope", customize_bucket)},
        )


def test_functions_that_cannot_be_imported_are_refused() -> None:
    with pytest.raises(CustomizationError, match="lambda"):
        PulumiCustomization("data", lambda bucket, context: bucket)

    def closure(bucket, context):
        return bucket

    with pytest.raises(CustomizationError, match="nested"):
        PulumiCustomization("data", closure)
    namespace: dict = {"__name__": "__main__"}
    exec("def f(bucket, context):\n    return bucket\n", namespace)
    with pytest.raises(CustomizationError, match="no file"):
        PulumiCustomization("data", namespace["f"])


# -- hatch 3: injection -----------------------------------------------------------------
def test_injected_code_survives_re_export(tmp_path) -> None:
    from tests.compiler.mockrun import run_program

    infra = PROGRAMS["aws_compliance"]()
    infra.export_pulumi(tmp_path)
    injector = PulumiProgramInjector(tmp_path)
    injector.add_custom_code(
        """
        import pulumi_aws as aws

        vpc = aws.ec2.Vpc("custom-vpc", cidr_block="10.0.0.0/16",
                          opts=pulumi.ResourceOptions(provider=aws_us_east_1))
        """
    ).save()
    PulumiProgramInjector(tmp_path).add_custom_code('pulumi.export("second", "yes")').save()
    infra.export_pulumi(tmp_path)  # regenerate
    text = (tmp_path / "__main__.py").read_text()
    assert text.count("# >>> glacier:custom-code") == 2 and "custom-vpc" in text
    ast.parse(text)
    graph = run_program(tmp_path)
    vpc = graph.one("aws:ec2/vpc:Vpc", "custom-vpc")
    assert vpc.inputs["cidrBlock"] == "10.0.0.0/16" and vpc.provider_name == "aws-us-east-1"


def test_code_that_does_not_parse_is_refused_before_saving(tmp_path) -> None:
    PROGRAMS["aws_compliance"]().export_pulumi(tmp_path)
    before = (tmp_path / "__main__.py").read_text()
    injector = PulumiProgramInjector(tmp_path)
    with pytest.raises(InjectionError, match="does not parse"):
        injector.add_custom_code("def broken(:\n    pass")
    injector.save()
    assert (tmp_path / "__main__.py").read_text().rstrip() == before.rstrip()
    with pytest.raises(InjectionError, match="export the program first"):
        PulumiProgramInjector(tmp_path / "missing")
