"""Entry point of the ``minio`` plugin (``[project.entry-points.glacier] minio = ...``).

Thin on purpose: every class is named by its ``"module:Class"`` path, so loading the plugin
imports neither pydantic models nor s3fs; they load when a pipeline uses a MinioConfig.
"""

from __future__ import annotations

from glacier.plugin import BucketBackend, EnvDetector, PulumiEmitterSpec, hookimpl

_CONFIG = "glacier_minio.config"
MINIO_CONFIG = f"{_CONFIG}:MinioConfig"


@hookimpl
def glacier_configs() -> list[str]:
    return [MINIO_CONFIG, f"{_CONFIG}:MinioBucketConfig", f"{_CONFIG}:MinioExpiration"]


@hookimpl
def glacier_bucket_backends() -> list[BucketBackend]:
    return [
        BucketBackend(
            provider_config=MINIO_CONFIG,
            config=f"{_CONFIG}:MinioBucketConfig",
            adapter="glacier_minio.storage:MinioBucketAdapter",
            validate_name="glacier_minio.naming:validate_bucket_name",
        )
    ]


@hookimpl
def glacier_env_detectors() -> list[EnvDetector]:
    # Before AWS (100): MINIO_ENDPOINT says more about the user's intent than AWS_REGION.
    return [
        EnvDetector(name="minio", priority=50, variables=("MINIO_ENDPOINT",), config=MINIO_CONFIG)
    ]


@hookimpl
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    return [
        PulumiEmitterSpec(provider_config=MINIO_CONFIG, emitter="glacier_minio.pulumi:MinioEmitter")
    ]
