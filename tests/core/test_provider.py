"""Provider, resources and configs: creation, injection, validation messages."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from glacier import Bucket, Executor, Provider, Serverless
from glacier.config import LocalConfig, LocalExecutorConfig
from glacier.errors import ConfigError, InvalidBucketNameError, MissingPluginError, ResourceError
from glacier.plugins.host import PluginHost


def test_bucket_is_created_with_provider_injected(local_provider: Provider) -> None:
    bucket = local_provider.bucket("lake", path="raw/sales.parquet")
    assert isinstance(bucket, Bucket)
    assert bucket.provider is local_provider
    assert bucket in local_provider.get_resources()
    assert bucket.format == "parquet"
    assert bucket.name == "lake_raw_sales.parquet"
    assert bucket.config is None


def test_format_is_inferred_and_validated(local_provider: Provider) -> None:
    assert local_provider.bucket("lake", path="a.csv").format == "csv"
    assert local_provider.bucket("lake", path="a.jsonl").format == "ndjson"
    with pytest.raises(ResourceError, match="Unknown bucket format 'parquett'.*'parquet'"):
        local_provider.bucket("lake", path="x", format="parquett")


@pytest.mark.parametrize(
    ("cls", "kwargs", "factory"),
    [
        (Bucket, {"bucket_name": "b"}, "bucket"),
        (Serverless, {"function_name": "f", "handler": "m:f"}, "serverless"),
        (Executor, {"name": "e"}, "executor"),
    ],
)
def test_resources_refuse_direct_instantiation(cls: type, kwargs: dict, factory: str) -> None:
    with pytest.raises(
        ValueError, match=rf"{cls.__name__} must be created via Provider\.{factory}\(\)"
    ):
        cls(**kwargs)


def test_executor_defaults_to_local(local_provider: Provider) -> None:
    ex = local_provider.executor("workers")
    assert isinstance(ex.config, LocalExecutorConfig)
    assert ex.engine == "local"
    assert ex in local_provider.get_resources()


def test_config_rejects_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="base_pth"):
        LocalConfig(base_pth="x")  # type: ignore[call-arg]


def test_aws_config_validates_region_with_fix() -> None:
    from glacier.config import AwsConfig

    with pytest.raises(ValidationError, match="not an AWS region name; use the form 'us-east-1'"):
        AwsConfig(region="useast1")


def test_secrets_never_show_in_repr() -> None:
    from glacier.config import AwsConfig

    config = AwsConfig(region="us-east-1", access_key_id="AKIA1", secret_access_key="sekrit")
    assert "sekrit" not in repr(config)
    assert "sekrit" not in str(config.describe())


def test_provider_needs_a_provider_config() -> None:
    from glacier.config import S3Config

    with pytest.raises(ConfigError, match="S3Config is a resource config: pass it to provider"):
        Provider(config=S3Config())  # type: ignore[arg-type]


def test_resource_config_must_match_provider_cloud(local_provider: Provider) -> None:
    from glacier.config import AwsConfig, BlobConfig, S3Config

    aws = Provider(config=AwsConfig(region="us-east-1"))
    with pytest.raises(ConfigError, match="BlobConfig does not apply .* AwsConfig; use S3Config"):
        aws.bucket("lake", config=BlobConfig())
    with pytest.raises(ConfigError, match="LocalConfig takes no bucket config"):
        local_provider.bucket("lake", config=S3Config())


def test_tags_must_be_strings() -> None:
    with pytest.raises(ConfigError, match="tag 'cost' has value 3"):
        Provider(config=LocalConfig(), tags={"cost": 3})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ab", "3-63 characters"),
        ("My_Bucket", "lowercase letters"),
        ("a..b", "'..'"),
        ("192.168.1.1", "IP address"),
    ],
)
def test_s3_bucket_names_checked_at_creation(name: str, rule: str) -> None:
    from glacier.config import AwsConfig

    aws = Provider(config=AwsConfig(region="us-east-1"))
    with pytest.raises(InvalidBucketNameError, match=f"Invalid bucket name '{name}'.*{rule}"):
        aws.bucket(name)


def test_from_env_picks_clouds_in_design_order(clean_env: pytest.MonkeyPatch) -> None:
    from glacier.config import AwsConfig, AzureConfig, GcpConfig

    assert isinstance(Provider.from_env(environ={}).config, LocalConfig)
    both = {"AWS_REGION": "eu-west-1", "GCP_PROJECT": "my-project"}
    config = Provider.from_env(environ=both).config
    assert isinstance(config, AwsConfig) and config.region == "eu-west-1"
    assert isinstance(
        Provider.from_env(environ={"AZURE_STORAGE_ACCOUNT": "acct1"}).config, AzureConfig
    )
    gcp = Provider.from_env(environ={"GOOGLE_CLOUD_PROJECT": "my-project"}).config
    assert isinstance(gcp, GcpConfig) and gcp.project == "my-project"
    local = Provider.from_env(environ={"GLACIER_LOCAL_BASE_PATH": "/tmp/x"}).config
    assert isinstance(local, LocalConfig) and str(local.base_path) == "/tmp/x"


def test_from_env_names_missing_distribution(
    clean_env: pytest.MonkeyPatch, plugin_host: PluginHost
) -> None:
    clean_env.setenv("GLACIER_DISABLE_PLUGINS", "aws")
    plugin_host.reset()
    with pytest.raises(MissingPluginError, match="AWS_REGION is set.*pip install glacier-aws"):
        Provider.from_env(environ={"AWS_REGION": "us-east-1"})


def test_serverless_handler_must_be_importable(local_provider: Provider) -> None:
    with pytest.raises(ResourceError, match="module-level function"):
        local_provider.serverless("f", handler=lambda e: e)
    with pytest.raises(ResourceError, match="must be 'module:function'"):
        local_provider.serverless("f", handler="no_colon")


def test_executor_instance_type_checked_against_provider_cloud() -> None:
    from glacier.config import AzureConfig, DatabricksConfig

    azure = Provider(config=AzureConfig(resource_group="rg"))
    with pytest.raises(ConfigError, match="m5.xlarge.*Standard_D4s_v3"):
        azure.executor("spark", config=DatabricksConfig(instance_type="m5.xlarge"))
    ok = azure.executor("spark", config=DatabricksConfig(instance_type="Standard_D4s_v3"))
    assert ok.engine == "databricks"
