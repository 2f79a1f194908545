"""Entry point of the ``aws`` plugin. Thin: classes are named by path and imported only when
a pipeline uses AWS (the config models when an AWS config is used, boto3 when a bucket is)."""

from __future__ import annotations

from glacier.plugin import (
    BucketBackend,
    EnvDetector,
    ExecutorBackend,
    PulumiEmitterSpec,
    ServerlessBackend,
    hookimpl,
)

_CONFIG = "glacier_aws.config"
AWS_CONFIG = f"{_CONFIG}:AwsConfig"


@hookimpl
def glacier_configs() -> list[str]:
    return [AWS_CONFIG, f"{_CONFIG}:S3Config", f"{_CONFIG}:LambdaConfig", f"{_CONFIG}:GlueConfig"]


@hookimpl
def glacier_bucket_backends() -> list[BucketBackend]:
    return [
        BucketBackend(
            provider_config=AWS_CONFIG,
            config=f"{_CONFIG}:S3Config",
            adapter="glacier_aws.storage:S3BucketAdapter",
            validate_name="glacier_aws.naming:validate_s3_bucket_name",
        )
    ]


@hookimpl
def glacier_serverless_backends() -> list[ServerlessBackend]:
    return [
        ServerlessBackend(
            provider_config=AWS_CONFIG,
            config=f"{_CONFIG}:LambdaConfig",
            adapter="glacier_aws.functions:LambdaAdapter",
        )
    ]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    return [
        ExecutorBackend(
            config=f"{_CONFIG}:GlueConfig",
            adapter="glacier_aws.glue:GlueAdapter",
            provider_configs=(AWS_CONFIG,),
        )
    ]


@hookimpl
def glacier_env_detectors() -> list[EnvDetector]:
    return [EnvDetector(name="aws", priority=100, variables=("AWS_REGION",), config=AWS_CONFIG)]


@hookimpl
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    return [PulumiEmitterSpec(provider_config=AWS_CONFIG, emitter="glacier_aws.pulumi:AwsEmitter")]
