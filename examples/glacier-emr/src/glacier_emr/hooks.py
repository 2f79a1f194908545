"""Entry point of the ``emr`` plugin (``[project.entry-points.glacier] emr = ...``).

Thin on purpose: config classes, and adapters/emitters named by dotted path so boto3 and
pulumi load only when used.
"""

from __future__ import annotations

from glacier.models import GlacierModel
from glacier.plugins import ExecutorBackend, PulumiEmitterSpec, hookimpl
from glacier_aws.config import AwsConfig
from glacier_emr.config import EmrConfig


@hookimpl
def glacier_configs() -> list[type[GlacierModel]]:
    return [EmrConfig]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    return [
        ExecutorBackend(
            config=EmrConfig,
            adapter="glacier_emr.adapter:EmrAdapter",
            provider_configs=(AwsConfig,),
        )
    ]


@hookimpl
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    return [PulumiEmitterSpec(provider_config=EmrConfig, emitter="glacier_emr.pulumi:EmrEmitter")]
