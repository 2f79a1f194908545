"""Entry point of the ``aws`` plugin. Thin: configs and dotted adapter paths only."""

from __future__ import annotations

from collections.abc import Mapping

from glacier.models import GlacierModel, ProviderConfig
from glacier.plugins import (
    BucketBackend,
    EnvDetector,
    ExecutorBackend,
    PulumiEmitterSpec,
    ServerlessBackend,
    hookimpl,
)
from glacier_aws.config import AwsConfig, GlueConfig, LambdaConfig, S3Config
from glacier_aws.naming import validate_s3_bucket_name


def _detect(environ: Mapping[str, str]) -> ProviderConfig | None:
    return AwsConfig.from_env(environ) if environ.get("AWS_REGION") else None


@hookimpl
def glacier_configs() -> list[type[GlacierModel]]:
    return [AwsConfig, S3Config, LambdaConfig, GlueConfig]


@hookimpl
def glacier_bucket_backends() -> list[BucketBackend]:
    return [
        BucketBackend(
            provider_config=AwsConfig,
            config=S3Config,
            adapter="glacier_aws.storage:S3BucketAdapter",
            validate_name=validate_s3_bucket_name,
        )
    ]


@hookimpl
def glacier_serverless_backends() -> list[ServerlessBackend]:
    return [
        ServerlessBackend(
            provider_config=AwsConfig,
            config=LambdaConfig,
            adapter="glacier_aws.functions:LambdaAdapter",
        )
    ]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    return [
        ExecutorBackend(
            config=GlueConfig,
            adapter="glacier_aws.glue:GlueAdapter",
            provider_configs=(AwsConfig,),
        )
    ]


@hookimpl
def glacier_env_detectors() -> list[EnvDetector]:
    return [EnvDetector(name="aws", priority=100, detect=_detect, variables=("AWS_REGION",))]


@hookimpl
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    return [PulumiEmitterSpec(provider_config=AwsConfig, emitter="glacier_aws.pulumi:AwsEmitter")]
