"""Entry point of the ``gcp`` plugin. Thin: classes are named by path and imported only when
a pipeline uses GCP."""

from __future__ import annotations

from glacier.plugin import (
    BucketBackend,
    EnvDetector,
    ExecutorBackend,
    PulumiEmitterSpec,
    ServerlessBackend,
    hookimpl,
)

_CONFIG = "glacier_gcp.config"
GCP_CONFIG = f"{_CONFIG}:GcpConfig"
VARIABLES = ("GCP_PROJECT", "GOOGLE_CLOUD_PROJECT")


@hookimpl
def glacier_configs() -> list[str]:
    return [
        GCP_CONFIG,
        f"{_CONFIG}:GcsConfig",
        f"{_CONFIG}:CloudFunctionConfig",
        f"{_CONFIG}:DataprocConfig",
    ]


@hookimpl
def glacier_bucket_backends() -> list[BucketBackend]:
    return [
        BucketBackend(
            provider_config=GCP_CONFIG,
            config=f"{_CONFIG}:GcsConfig",
            adapter="glacier_gcp.storage:GcsBucketAdapter",
            validate_name="glacier_gcp.naming:validate_gcs_bucket_name",
        )
    ]


@hookimpl
def glacier_serverless_backends() -> list[ServerlessBackend]:
    return [
        ServerlessBackend(
            provider_config=GCP_CONFIG,
            config=f"{_CONFIG}:CloudFunctionConfig",
            adapter="glacier_gcp.functions:CloudFunctionAdapter",
        )
    ]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    return [
        ExecutorBackend(
            config=f"{_CONFIG}:DataprocConfig",
            adapter="glacier_gcp.dataproc:DataprocAdapter",
            provider_configs=(GCP_CONFIG,),
        )
    ]


@hookimpl
def glacier_env_detectors() -> list[EnvDetector]:
    return [EnvDetector(name="gcp", priority=300, variables=VARIABLES, config=GCP_CONFIG)]


@hookimpl
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    return [PulumiEmitterSpec(provider_config=GCP_CONFIG, emitter="glacier_gcp.pulumi:GcpEmitter")]
