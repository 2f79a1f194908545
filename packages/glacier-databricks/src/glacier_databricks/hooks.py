"""Entry point of the ``databricks`` plugin. Thin: classes are named by path."""

from __future__ import annotations

from glacier.plugin import ExecutorBackend, PulumiEmitterSpec, hookimpl

DATABRICKS_CONFIG = "glacier_databricks.config:DatabricksConfig"


@hookimpl
def glacier_configs() -> list[str]:
    return [DATABRICKS_CONFIG]


@hookimpl
def glacier_executor_backends() -> list[ExecutorBackend]:
    # Databricks runs on any cloud's provider: no provider_configs restriction.
    return [
        ExecutorBackend(
            config=DATABRICKS_CONFIG, adapter="glacier_databricks.adapter:DatabricksAdapter"
        )
    ]


@hookimpl
def glacier_pulumi_emitters() -> list[PulumiEmitterSpec]:
    return [
        PulumiEmitterSpec(
            provider_config=DATABRICKS_CONFIG, emitter="glacier_databricks.pulumi:DatabricksEmitter"
        )
    ]
