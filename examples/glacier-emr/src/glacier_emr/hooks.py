"""Entry point of the ``emr`` plugin (``[project.entry-points.glacier] emr = ...``).

Thin on purpose: config, adapter and emitter are named by ``"module:Class"`` path, so
neither pydantic models nor boto3 and pulumi load until a pipeline uses EMR.
"""

from __future__ import annotations

from glacier.plugin import ExecutorBackend, PulumiEmitterSpec, hookimpl

EMR_CONFIG = "glacier_emr.config:EmrConfig"


@hookimpl
def glacier_configs() -> list[str]:
    return [EMR_CONFIG]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    return [
        ExecutorBackend(
            config=EMR_CONFIG,
            adapter="glacier_emr.adapter:EmrAdapter",
            provider_configs=("glacier_aws.config:AwsConfig",),
        )
    ]


@hookimpl
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    return [PulumiEmitterSpec(provider_config=EMR_CONFIG, emitter="glacier_emr.pulumi:EmrEmitter")]
