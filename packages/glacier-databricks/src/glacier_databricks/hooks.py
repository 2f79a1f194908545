"""Entry point of the ``databricks`` plugin."""

from __future__ import annotations

from glacier.models import GlacierModel
from glacier.plugins import ExecutorBackend, PulumiEmitterSpec, hookimpl
from glacier_databricks.config import DatabricksConfig


@hookimpl
def glacier_configs() -> list[type[GlacierModel]]:
    return [DatabricksConfig]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    # Databricks runs on any cloud's provider: no provider_configs restriction.
    return [
        ExecutorBackend(
            config=DatabricksConfig, adapter="glacier_databricks.adapter:DatabricksAdapter"
        )
    ]


@hookimpl
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    return [
        PulumiEmitterSpec(
            provider_config=DatabricksConfig, emitter="glacier_databricks.pulumi:DatabricksEmitter"
        )
    ]
