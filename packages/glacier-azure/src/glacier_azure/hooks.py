"""Entry point of the ``azure`` plugin. Thin: classes are named by path and imported only
when a pipeline uses Azure."""

from __future__ import annotations

from glacier.plugin import (
    BucketBackend,
    EnvDetector,
    ExecutorBackend,
    PulumiEmitterSpec,
    ServerlessBackend,
    hookimpl,
)

_CONFIG = "glacier_azure.config"
AZURE_CONFIG = f"{_CONFIG}:AzureConfig"
VARIABLES = ("AZURE_RESOURCE_GROUP", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_CONNECTION_STRING")


@hookimpl
def glacier_configs() -> list[str]:
    return [
        AZURE_CONFIG,
        f"{_CONFIG}:BlobConfig",
        f"{_CONFIG}:AzureFunctionConfig",
        f"{_CONFIG}:SynapseConfig",
    ]


@hookimpl
def glacier_bucket_backends() -> list[BucketBackend]:
    return [
        BucketBackend(
            provider_config=AZURE_CONFIG,
            config=f"{_CONFIG}:BlobConfig",
            adapter="glacier_azure.storage:BlobBucketAdapter",
            validate_name="glacier_azure.naming:validate_container_name",
        )
    ]


@hookimpl
def glacier_serverless_backends() -> list[ServerlessBackend]:
    return [
        ServerlessBackend(
            provider_config=AZURE_CONFIG,
            config=f"{_CONFIG}:AzureFunctionConfig",
            adapter="glacier_azure.functions:AzureFunctionAdapter",
        )
    ]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    return [
        ExecutorBackend(
            config=f"{_CONFIG}:SynapseConfig",
            adapter="glacier_azure.synapse:SynapseAdapter",
            provider_configs=(AZURE_CONFIG,),
        )
    ]


@hookimpl
def glacier_env_detectors() -> list[EnvDetector]:
    return [EnvDetector(name="azure", priority=200, variables=VARIABLES, config=AZURE_CONFIG)]


@hookimpl
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    return [
        PulumiEmitterSpec(provider_config=AZURE_CONFIG, emitter="glacier_azure.pulumi:AzureEmitter")
    ]
