"""The Container Apps jobs of the Azure driver: names, the settings every job of one driver
shares (:class:`JobSpec`), and :func:`emit_job`, which the driver, the scheduled job and the
event-driven trigger jobs are all emitted through (same image, identity, size, environment
variables and secrets; only the trigger and the command differ)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from glacier.plugin import (
    DRIVER_CONTAINER,
    Call,
    CompilerError,
    DriverHandle,
    Expr,
    IRDriver,
    ProgramWriter,
)
from glacier_azure.pulumi.names import short_hash

AZ = "azure_native."
#: A run may take a day (Container Apps jobs need a limit; AWS Fargate has none).
REPLICA_TIMEOUT_SECONDS = 86400


# -- names ---------------------------------------------------------------------------------
def slug(text: str) -> str:
    """Lowercase letters, digits and single hyphens (Azure resource names)."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-") or "pipeline"


def short_name(text: str, suffix: str, limit: int = 32) -> str:
    """``<slug>-<suffix>`` within ``limit`` characters (Container Apps jobs and environments:
    32, starting with a letter); too long: cut, plus a hash of the whole."""
    base = slug(text)
    if not base[0].isalpha():
        base = "g" + base
    name = f"{base}-{suffix}"
    if len(name) <= limit:
        return name
    keep = limit - len(suffix) - 10
    return f"{base[:keep].rstrip('-')}-{short_hash(text, suffix, length=8)}-{suffix}"


def job_name(driver: IRDriver, role: str = "driver") -> str:
    return short_name(f"glacier-{driver.pipeline}", role)


def invoke_opts(driver: IRDriver, out: ProgramWriter) -> Call:
    return Call(
        "pulumi.InvokeOutputOptions",
        {"provider": Expr(out.handles.provider(driver.provider.key).var)},
    )


@dataclass(kw_only=True)
class JobSpec:
    """What every job of the driver shares (the driver, its schedule and trigger jobs):
    placement, environment and identity variables, image, size, environment variables,
    secrets, registries, and the resources the jobs wait for (AcrPull)."""

    where: dict[str, Any]
    environment: str
    identity: str
    image: Any
    cpu: float
    memory: str
    env: list[Call]
    secrets: list[Call]
    registries: list[Call]
    depends_on: list[str]


def remember_spec(out: ProgramWriter, driver: IRDriver, spec: JobSpec) -> None:
    """Keep ``spec`` for the schedule and trigger steps (read back by :func:`job_spec`)."""
    out.handles.once(("azure-driver-spec", driver.name), lambda: spec)


def job_spec(out: ProgramWriter, driver: DriverHandle) -> JobSpec:
    spec: JobSpec = out.handles.once(("azure-driver-spec", driver.driver.name), _missing)
    return spec


def _missing() -> JobSpec:  # pragma: no cover - the driver step runs first
    raise CompilerError("The Azure driver's job settings are missing (emit the driver first).")


def trigger_once(kind: str) -> Call:
    return Call(
        f"{AZ}app.JobConfiguration{kind}TriggerConfigArgs",
        {"parallelism": 1, "replica_completion_count": 1},
    )


def env_var(name: str, value: Any) -> Call:
    return Call(AZ + "app.EnvironmentVarArgs", {"name": name, "value": value})


def emit_job(
    driver: IRDriver,
    spec: JobSpec,
    logical: str,
    name: str,
    trigger: dict[str, Any],
    command: list[Any],
    args: list[Any],
    comment: list[str],
    out: ProgramWriter,
    *,
    depends_on: Sequence[str] = (),
) -> str:
    """One Container Apps job of the driver: its image, identity, size, environment and
    secrets, with ``trigger`` (Manual, Schedule or Event settings) and ``command``/``args``."""
    configuration = Call(
        AZ + "app.JobConfigurationArgs",
        {
            **trigger,
            "replica_timeout": REPLICA_TIMEOUT_SECONDS,
            "replica_retry_limit": 0,
            "registries": spec.registries or None,
            "secrets": spec.secrets or None,
        },
    )
    container_args = Call(
        AZ + "app.ContainerArgs",
        {
            "name": DRIVER_CONTAINER,
            "image": spec.image,
            "command": command,
            "args": args,
            "env": spec.env,
            "resources": Call(
                AZ + "app.ContainerResourcesArgs", {"cpu": spec.cpu, "memory": spec.memory}
            ),
        },
    )
    var = out.resource(
        AZ + "app.Job",
        logical,
        {
            **spec.where,
            "job_name": name,
            "environment_id": Expr(f"{spec.environment}.id"),
            "identity": Call(
                AZ + "app.ManagedServiceIdentityArgs",
                {"type": "UserAssigned", "user_assigned_identities": [Expr(f"{spec.identity}.id")]},
            ),
            "configuration": configuration,
            "template": Call(AZ + "app.JobTemplateArgs", {"containers": [container_args]}),
            "tags": driver.tags or None,
        },
        comment=comment,
        provider=driver.provider,
        depends_on=[*spec.depends_on, *depends_on],
        var_hint=f"{slug(logical).replace('-', '_')}_job",
    )
    role = logical.removeprefix(f"{driver.pipeline}-").removesuffix("-job")
    driver_jobs(out, driver).append({"role": role, "var": var})
    return var


def driver_jobs(out: ProgramWriter, driver: IRDriver) -> list[dict[str, str]]:
    """The driver's jobs emitted so far (``role``: driver, schedule, on-write...), in order."""
    jobs: list[dict[str, str]] = out.handles.once(("azure-driver-jobs", driver.name), list)
    return jobs
