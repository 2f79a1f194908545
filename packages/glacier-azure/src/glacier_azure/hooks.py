"""Entry point of the ``azure`` plugin. Thin: configs and dotted adapter paths only."""

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
from glacier_azure.config import AzureConfig, AzureFunctionConfig, BlobConfig, SynapseConfig
from glacier_azure.naming import validate_container_name

VARIABLES = ("AZURE_RESOURCE_GROUP", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_CONNECTION_STRING")


def _detect(environ: Mapping[str, str]) -> ProviderConfig | None:
    if any(environ.get(v) for v in VARIABLES):
        return AzureConfig.from_env(environ)
    return None


@hookimpl
def glacier_configs() -> list[type[GlacierModel]]:
    return [AzureConfig, BlobConfig, AzureFunctionConfig, SynapseConfig]


@hookimpl
def glacier_bucket_backends() -> list[BucketBackend]:
    return [
        BucketBackend(
            provider_config=AzureConfig,
            config=BlobConfig,
            adapter="glacier_azure.storage:BlobBucketAdapter",
            validate_name=validate_container_name,
        )
    ]


@hookimpl
def glacier_serverless_backends() -> list[ServerlessBackend]:
    return [
        ServerlessBackend(
            provider_config=AzureConfig,
            config=AzureFunctionConfig,
            adapter="glacier_azure.functions:AzureFunctionAdapter",
        )
    ]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    return [
        ExecutorBackend(
            config=SynapseConfig,
            adapter="glacier_azure.synapse:SynapseAdapter",
            provider_configs=(AzureConfig,),
        )
    ]


@hookimpl
def glacier_env_detectors() -> list[EnvDetector]:
    return [EnvDetector(name="azure", priority=200, detect=_detect, variables=VARIABLES)]


@hookimpl
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    return [
        PulumiEmitterSpec(provider_config=AzureConfig, emitter="glacier_azure.pulumi:AzureEmitter")
    ]
