"""Entry point of the ``gcp`` plugin. Thin: configs and dotted adapter paths only."""

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
from glacier_gcp.config import CloudFunctionConfig, DataprocConfig, GcpConfig, GcsConfig
from glacier_gcp.naming import validate_gcs_bucket_name

VARIABLES = ("GCP_PROJECT", "GOOGLE_CLOUD_PROJECT")


def _detect(environ: Mapping[str, str]) -> ProviderConfig | None:
    if any(environ.get(v) for v in VARIABLES):
        return GcpConfig.from_env(environ)
    return None


@hookimpl
def glacier_configs() -> list[type[GlacierModel]]:
    return [GcpConfig, GcsConfig, CloudFunctionConfig, DataprocConfig]


@hookimpl
def glacier_bucket_backends() -> list[BucketBackend]:
    return [
        BucketBackend(
            provider_config=GcpConfig,
            config=GcsConfig,
            adapter="glacier_gcp.storage:GcsBucketAdapter",
            validate_name=validate_gcs_bucket_name,
        )
    ]


@hookimpl
def glacier_serverless_backends() -> list[ServerlessBackend]:
    return [
        ServerlessBackend(
            provider_config=GcpConfig,
            config=CloudFunctionConfig,
            adapter="glacier_gcp.functions:CloudFunctionAdapter",
        )
    ]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    return [
        ExecutorBackend(
            config=DataprocConfig,
            adapter="glacier_gcp.dataproc:DataprocAdapter",
            provider_configs=(GcpConfig,),
        )
    ]


@hookimpl
def glacier_env_detectors() -> list[EnvDetector]:
    return [EnvDetector(name="gcp", priority=300, detect=_detect, variables=VARIABLES)]


@hookimpl
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    return [PulumiEmitterSpec(provider_config=GcpConfig, emitter="glacier_gcp.pulumi:GcpEmitter")]
