"""The AWS driver: the artifact in S3 and an ECS Fargate task that runs the whole pipeline.

- **Artifact**: ``build/artifact/<wheel>`` uploaded as an ``aws.s3.BucketObjectv2`` to
  ``<staging>/_glacier/artifacts/<sha256>/<wheel>`` (content-addressed; ``retain_on_delete``
  so a new deploy never deletes the wheel a running job installs).
- **Image**: ``DriverConfig(image=...)``, else ``build/driver/Dockerfile`` built and pushed by
  ``pulumi up`` with pulumi-docker-build to a private ECR repository (immutable tags derived
  from the artifact's SHA-256 and the Dockerfile; the deploying machine needs Docker).
- **Task**: an ECS cluster of its own, a Fargate task definition (no time limit) whose
  container runs ``glacier run <module>:<pipeline>`` with ``GLACIER_DEPLOYMENT`` =
  ``s3://<staging>/_glacier/deployments/<pipeline>/<stack>.json`` (the record object this
  program writes) and ``GLACIER_RUNS_URI`` (run records), logging to a CloudWatch log group
  with retention.
- **Identities**: the task role gets exactly the driver's grants (bucket prefixes, invoke of
  the pipeline's Lambda functions, start/get/stop of its Glue jobs); the execution role (used
  by ECS itself) may pull that one image and write that one log group. ECR's
  ``GetAuthorizationToken`` has no resource-level permission, so it is the one ``"*"`` of the
  execution role (only when Glacier builds the image).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from glacier.plugin import (
    CONTEXT,
    DOCKERFILE,
    DRIVER_CONTAINER,
    RECORD_ENV,
    RUNS_ENV,
    ArtifactHandle,
    BucketHandle,
    Call,
    CompilerError,
    DriverHandle,
    ExecutorHandle,
    Expr,
    FunctionHandle,
    HookTarget,
    IdentityHandle,
    IRArtifact,
    IRDriver,
    ProgramWriter,
    dockerfile_text,
    py_literal,
)
from glacier_aws.config import GlueConfig
from glacier_aws.pulumi import policy
from glacier_aws.pulumi.compute import logs_policy

if TYPE_CHECKING:
    from glacier_aws.pulumi.emitter import AwsEmitter

#: requirements.txt line when Glacier builds the image.
DOCKER_BUILD_REQUIREMENT = "pulumi-docker-build>=0.0.8,<1"
DOCKER_BUILD_IMPORT = "import pulumi_docker_build as docker_build"
#: Fargate task sizes: CPU units -> (min, max, step) memory in MiB.
FARGATE_SIZES = {
    256: (512, 2048, 1024),
    512: (1024, 4096, 1024),
    1024: (2048, 8192, 1024),
    2048: (4096, 16384, 1024),
    4096: (8192, 30720, 1024),
    8192: (16384, 61440, 4096),
    16384: (32768, 122880, 8192),
}
#: What the driver may do with a Glue job of the pipeline (the Glue adapter's calls).
GLUE_DRIVER_ACTIONS = ["glue:BatchStopJobRun", "glue:GetJobRun", "glue:StartJobRun"]


def ecr_name(pipeline: str) -> str:
    """``glacier/<pipeline>-driver``: an ECR repository name (lowercase, 2-256)."""
    raw = re.sub(r"[^a-z0-9._-]+", "-", pipeline.lower()).strip("-._") or "pipeline"
    return f"glacier/{raw[:200]}-driver"


def family_name(pipeline: str) -> str:
    """The task definition family (letters, digits, ``-``, ``_``; up to 255)."""
    raw = re.sub(r"[^A-Za-z0-9_-]+", "-", pipeline).strip("-") or "pipeline"
    return f"glacier-{raw[:230]}-driver"


def fargate_size(driver: IRDriver) -> tuple[int, int]:
    """(CPU units, memory MiB) of the task; a clear error for a size Fargate refuses."""
    cfg = driver.config
    units = round(cfg.cpu * 1024)
    if units not in FARGATE_SIZES:
        allowed = ", ".join(str(u / 1024).rstrip("0").rstrip(".") for u in FARGATE_SIZES)
        raise CompilerError(
            f"DriverConfig(cpu={cfg.cpu}) is not a Fargate task size; use one of {allowed} vCPU."
        )
    low, high, step = FARGATE_SIZES[units]
    if not (low <= cfg.memory_mb <= high and (cfg.memory_mb - low) % step == 0):
        raise CompilerError(
            f"DriverConfig(memory_mb={cfg.memory_mb}) does not fit {cfg.cpu} vCPU on Fargate: "
            f"use {low} to {high} MiB in steps of {step}."
        )
    return units, cfg.memory_mb


def record_key_expr(driver: IRDriver) -> Expr:
    """``"_glacier/deployments/<pipeline>/" + pulumi.get_stack() + ".json"``."""
    return Expr(f'{py_literal(driver.record_folder)} + pulumi.get_stack() + ".json"')


def _bucket_name(bucket: BucketHandle) -> Expr:
    return Expr(f"{bucket.var}.bucket")


# -- artifact ------------------------------------------------------------------------------
def emit_artifact(
    artifact: IRArtifact, bucket: BucketHandle, info: str, pipeline: str, out: ProgramWriter
) -> tuple[str, Any]:
    """The wheel as a content-addressed object; returns (variable, ``s3://`` URI)."""
    key = Expr(f'{py_literal(artifact.prefix)} + {info}["sha256"] + "/" + {info}["filename"]')
    var = out.resource(
        "aws.s3.BucketObjectv2",
        f"{pipeline}-artifact",
        {
            "bucket": _bucket_name(bucket),
            "key": key,
            "source": Call("pulumi.FileAsset", args=(Expr(f'{info}["path"]'),)),
            "content_type": "application/zip",
        },
        comment=[
            f"The code artifact, content-addressed under {artifact.prefix}<sha256>/: engines "
            "and the driver install it.",
            "Kept when a new deploy replaces it (retain_on_delete): a running job may use it.",
        ],
        provider=artifact.provider,
        var_hint=f"{pipeline}_artifact",
        extra_opts={"retain_on_delete": True},
    )
    uri = Call(
        "pulumi.Output.concat", args=("s3://", Expr(f"{var}.bucket"), "/", Expr(f"{var}.key"))
    )
    return var, uri


# -- identity ------------------------------------------------------------------------------
def emit_identity(driver: IRDriver, out: ProgramWriter) -> IdentityHandle:
    """The task role: assumed by ECS tasks of this account only; grants come later."""
    role = out.resource(
        "aws.iam.Role",
        f"{driver.name}-role",
        {
            "description": f"Glacier driver of pipeline {driver.pipeline}",
            "assume_role_policy": policy.assume_role("ecs-tasks.amazonaws.com"),
            "tags": driver.tags or None,
        },
        comment=f"The driver's own role (ECS task role): exactly what {driver.pipeline!r} "
        "needs from it",
        provider=driver.provider,
        var_hint=f"{driver.name}_role",
        target=HookTarget((), driver.provider, driver.tags),
    )
    return IdentityHandle(role, driver)


def access_statements(
    emitter: AwsEmitter,
    functions: Sequence[FunctionHandle],
    executors: Sequence[ExecutorHandle],
    out: ProgramWriter,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Invoke on each function ARN; start/get/stop on each Glue job ARN. Returns the
    statements and comment lines (also for engines that need no IAM grant)."""
    statements: list[dict[str, Any]] = []
    lines: list[str] = []
    for n, fn in enumerate(functions, start=1):
        if fn.var is None:
            raise emitter.unsupported(
                f"Granting the driver invoke on function {fn.compute.name!r}",
                "a function this plugin emits",
            )
        statements.append(
            {
                "Sid": f"Invoke{n}",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": Expr(f"{fn.var}.arn"),
            }
        )
        lines.append(f"  invoke function {fn.compute.name}")
    for n, ex in enumerate(executors, start=1):
        cfg = ex.compute.config
        if isinstance(cfg, GlueConfig):
            if ex.var is not None:
                arn: Any = Expr(f"{ex.var}.arn")
            else:
                arn = glue_job_arn(emitter, ex, str(cfg.job_name), out)
            statements.append(
                {
                    "Sid": f"Submit{n}",
                    "Effect": "Allow",
                    "Action": GLUE_DRIVER_ACTIONS,
                    "Resource": arn,
                }
            )
            lines.append(f"  start/get/stop runs of Glue executor {ex.compute.name}")
            continue
        engine = emitter.engine_for(ex.compute)
        extra = getattr(engine, "driver_statements", None) if engine is not None else None
        found = extra(ex, out) if callable(extra) else None
        if found:
            statements += found
            lines.append(f"  submit to executor {ex.compute.name} (engine grants)")
        else:
            kind = getattr(type(cfg), "engine", "") or "engine"
            lines.append(
                f"  executor {ex.compute.name} ({kind}): submitted with the engine's own "
                "credentials, no IAM grant"
            )
    return statements, lines


def glue_job_arn(emitter: AwsEmitter, ex: ExecutorHandle, job: str, out: ProgramWriter) -> Call:
    """The ARN of an existing Glue job (its account from the provider's caller identity)."""
    provider = ex.compute.provider
    caller = caller_identity(provider, out)
    region = getattr(provider.config, "region", "")
    return Call(
        "pulumi.Output.concat",
        args=(f"arn:aws:glue:{region}:", Expr(f"{caller}.account_id"), f":job/{job}"),
    )


def caller_identity(provider: Any, out: ProgramWriter) -> str:
    """``aws.get_caller_identity_output()`` through ``provider``, once per program."""

    def emit() -> str:
        return out.value(
            f"caller_{provider.key}",
            Call(
                "aws.get_caller_identity_output",
                {
                    "opts": Call(
                        "pulumi.InvokeOutputOptions",
                        {"provider": Expr(out.handles.provider(provider.key).var)},
                    )
                },
            ),
            comment=f"The account of {provider.key} (ARNs of resources Glacier references)",
        )

    return out.handles.once(("aws-caller", provider.key), emit)


def emit_access(
    emitter: AwsEmitter,
    identity: IdentityHandle,
    functions: Sequence[FunctionHandle],
    executors: Sequence[ExecutorHandle],
    out: ProgramWriter,
) -> list[str]:
    statements, lines = access_statements(emitter, functions, executors, out)
    if not statements:
        return []
    driver = identity.compute
    var = out.resource(
        "aws.iam.RolePolicy",
        f"{driver.name}-submit",
        {"role": Expr(f"{identity.var}.id"), "policy": policy.document(statements)},
        comment=[f"The driver of {driver.name!r} may start the pipeline's compute:", *lines],
        provider=driver.provider,
        var_hint=f"{driver.name}_submit_policy",
    )
    return [var]


# -- the task ------------------------------------------------------------------------------
def emit_driver(
    emitter: AwsEmitter,
    driver: IRDriver,
    identity: IdentityHandle,
    artifact: ArtifactHandle,
    out: ProgramWriter,
) -> DriverHandle:
    """Log group, image (or the given one), execution role, cluster, task definition, and
    the deployment record object the task reads."""
    cfg = driver.config
    cpu, memory = fargate_size(driver)
    provider = driver.provider
    region = getattr(provider.config, "region", "")
    staging = out.handles.bucket(driver.staging_key)
    log_name = f"/glacier/{family_name(driver.pipeline)}"
    check_log_group_name(driver, log_name)
    group = out.resource(
        "aws.cloudwatch.LogGroup",
        f"{driver.name}-logs",
        {
            "name": log_name,
            "retention_in_days": cfg.log_retention_days,
            "tags": driver.tags or None,
        },
        comment=f"Logs of the driver ({cfg.log_retention_days} days retention)",
        provider=provider,
        var_hint=f"{driver.name}_log_group",
    )
    execution = out.resource(
        "aws.iam.Role",
        f"{driver.name}-execution",
        {
            "description": f"ECS execution role of the Glacier driver of {driver.pipeline}",
            "assume_role_policy": policy.assume_role("ecs-tasks.amazonaws.com"),
            "tags": driver.tags or None,
        },
        comment="ECS's own role for the driver task: pull its image, write its log group",
        provider=provider,
        var_hint=f"{driver.name}_execution_role",
    )
    exec_statements: list[dict[str, Any]] = []
    if cfg.image is None:
        image, repo = _image(driver, artifact, out)
        exec_statements += [
            {
                # ECR has no resource-level permission for this action: "*" is required.
                "Sid": "RegistryLogin",
                "Effect": "Allow",
                "Action": ["ecr:GetAuthorizationToken"],
                "Resource": "*",
            },
            {
                "Sid": "PullImage",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                ],
                "Resource": Expr(f"{repo}.arn"),
            },
        ]
        image_ref: Any = Expr(f"{image}.ref")
    else:
        image_ref = cfg.image
    logs = logs_policy(group)
    exec_statements += logs.args[0]["Statement"]
    exec_policy = out.resource(
        "aws.iam.RolePolicy",
        f"{driver.name}-execution",
        {"role": Expr(f"{execution}.id"), "policy": policy.document(exec_statements)},
        comment="Pull the driver image, write the driver's log group; nothing else",
        provider=provider,
        var_hint=f"{driver.name}_execution_policy",
    )
    cluster = out.resource(
        "aws.ecs.Cluster",
        driver.name,
        {"tags": driver.tags or None},
        comment="The driver's own ECS cluster (Fargate: no instances to manage)",
        provider=provider,
        var_hint=f"{driver.name}_cluster",
    )
    record_uri = Expr(f"{py_literal(f's3://{driver.staging_bucket}/')} + glacier_record_key")
    out.value(
        "glacier_record_key",
        record_key_expr(driver),
        comment="Where this stack's deployment record goes (the driver reads it at start)",
    )
    environment: list[dict[str, Any]] = [
        {"name": RECORD_ENV, "value": record_uri},
        {"name": "AWS_REGION", "value": region},
    ]
    if driver.runs is not None:
        runs_uri = f"s3://{driver.runs.bucket}/{driver.runs.prefix}"
        environment.append({"name": RUNS_ENV, "value": runs_uri})
    environment += [{"name": k, "value": v} for k, v in sorted(cfg.environment.items())]
    family = family_name(driver.pipeline)
    container = {
        "name": DRIVER_CONTAINER,
        "image": image_ref,
        "essential": True,
        "entryPoint": ["glacier"],
        "command": ["run", Expr(f'{artifact.info}["entry"]')],
        "environment": environment,
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": Expr(f"{group}.name"),
                "awslogs-region": region,
                "awslogs-stream-prefix": "driver",
            },
        },
        "stopTimeout": 120,
    }
    task = out.resource(
        "aws.ecs.TaskDefinition",
        driver.name,
        {
            "family": family,
            "requires_compatibilities": ["FARGATE"],
            "network_mode": "awsvpc",
            "cpu": str(cpu),
            "memory": str(memory),
            "runtime_platform": Call(
                "aws.ecs.TaskDefinitionRuntimePlatformArgs",
                {"operating_system_family": "LINUX", "cpu_architecture": "X86_64"},
            ),
            "execution_role_arn": Expr(f"{execution}.arn"),
            "task_role_arn": Expr(f"{identity.var}.arn"),
            "container_definitions": Call("pulumi.Output.json_dumps", args=([container],)),
            "tags": driver.tags or None,
        },
        comment=[
            f"The driver of {driver.pipeline!r}: a Fargate task (no time limit) running "
            "`glacier run <module>:<pipeline>` from the artifact,",
            f"{cpu / 1024:g} vCPU, {memory} MiB; GLACIER_DEPLOYMENT names the record below.",
        ],
        provider=provider,
        depends_on=[exec_policy],
        var_hint=f"{driver.name}_task",
    )
    network = _network(driver, out)
    out.deployment.resource(
        driver.name,
        "driver",
        name=family,
        id=Expr(f"{task}.arn"),
        region=region,
        properties={"cluster": Expr(f"{cluster}.arn"), "log_group": log_name},
    )
    record = out.resource(
        "aws.s3.BucketObjectv2",
        f"{driver.name}-record",
        {
            "bucket": _bucket_name(staging),
            "key": Expr("glacier_record_key"),
            "content_type": "application/json",
        },
        comment="The deployment record of this stack (the glacier_deployment output), read by "
        "the driver through GLACIER_DEPLOYMENT",
        provider=provider,
        var_hint=f"{driver.name}_record",
    )
    return DriverHandle(
        task,
        driver,
        identity,
        {
            "cluster": cluster,
            "execution_role": execution,
            "record": record,
            "subnets": network["subnets"],
            "security_groups": network["security_groups"],
            "artifact_info": artifact.info,
        },
    )


def check_log_group_name(driver: IRDriver, name: str) -> None:
    if not re.fullmatch(r"[.\-_/#A-Za-z0-9]{1,512}", name):
        raise CompilerError(
            f"The driver of {driver.pipeline!r} would log to {name[:120]!r}, not a CloudWatch "
            "log group name; rename the pipeline (letters, digits, '-', '_')."
        )


def finish_record(driver: DriverHandle, out: ProgramWriter) -> None:
    """The record object's content: the whole record (emitted last, when complete)."""
    record = driver.extra["record"]
    out.amend(record, {"content": Call("pulumi.Output.json_dumps", args=(out.deployment.value(),))})


def _image(driver: IRDriver, artifact: ArtifactHandle, out: ProgramWriter) -> tuple[str, str]:
    """ECR repository (immutable tags, scanned, keeps 20 images) and the image built from
    ``build/driver/Dockerfile`` and pushed there by ``pulumi up``."""
    out.add_import(DOCKER_BUILD_IMPORT)
    if DOCKER_BUILD_REQUIREMENT not in out.ir.program_requirements:
        out.ir.program_requirements.append(DOCKER_BUILD_REQUIREMENT)
    provider = driver.provider
    repo = out.resource(
        "aws.ecr.Repository",
        driver.name,
        {
            "name": ecr_name(driver.pipeline),
            "image_tag_mutability": "IMMUTABLE",
            "image_scanning_configuration": Call(
                "aws.ecr.RepositoryImageScanningConfigurationArgs", {"scan_on_push": True}
            ),
            "encryption_configurations": [
                Call("aws.ecr.RepositoryEncryptionConfigurationArgs", {"encryption_type": "AES256"})
            ],
            "tags": driver.tags or None,
        },
        comment="Private registry of the driver image (immutable tags, scanned on push)",
        provider=provider,
        var_hint=f"{driver.name}_repository",
    )
    out.resource(
        "aws.ecr.LifecyclePolicy",
        f"{driver.name}-images",
        {
            "repository": Expr(f"{repo}.name"),
            "policy": Call(
                "pulumi.Output.json_dumps",
                args=(
                    {
                        "rules": [
                            {
                                "rulePriority": 1,
                                "description": "keep the 20 newest driver images",
                                "selection": {
                                    "tagStatus": "any",
                                    "countType": "imageCountMoreThan",
                                    "countNumber": 20,
                                },
                                "action": {"type": "expire"},
                            }
                        ]
                    },
                ),
            ),
        },
        comment="Old driver images expire (the 20 newest are kept)",
        provider=provider,
    )
    auth = out.value(
        f"{driver.name}_registry_auth",
        Call(
            "aws.ecr.get_authorization_token_output",
            {
                "registry_id": Expr(f"{repo}.registry_id"),
                "opts": Call(
                    "pulumi.InvokeOutputOptions",
                    {"provider": Expr(out.handles.provider(provider.key).var)},
                ),
            },
        ),
        comment="A short-lived registry login for pushing the image",
    )
    text = dockerfile_text(driver.config.resolved_base_image(), driver.pipeline)
    recipe = hashlib.sha256(text.encode()).hexdigest()[:8]
    tag = Call(
        "pulumi.Output.concat",
        args=(
            Expr(f"{repo}.repository_url"),
            ":",
            Expr(f'{artifact.info}["sha256"][:24]'),
            f"-{recipe}",
        ),
    )
    image = out.resource(
        "docker_build.Image",
        f"{driver.name}-image",
        {
            "context": Call("docker_build.BuildContextArgs", {"location": CONTEXT}),
            "dockerfile": Call("docker_build.DockerfileArgs", {"location": DOCKERFILE}),
            "platforms": ["linux/amd64"],
            "push": True,
            "tags": [tag],
            "registries": [
                Call(
                    "docker_build.RegistryArgs",
                    {
                        "address": Expr(f"{repo}.repository_url"),
                        "username": Expr(f"{auth}.user_name"),
                        "password": Call("pulumi.Output.secret", args=(Expr(f"{auth}.password"),)),
                    },
                )
            ],
        },
        comment=[
            f"The driver image: {DOCKERFILE} (the base image plus the artifact), built by "
            "`pulumi up` on this machine (needs Docker) and pushed to the registry.",
            "Or build it elsewhere and pass DriverConfig(image=...).",
        ],
        var_hint=f"{driver.name}_image",
        depends_on=[artifact.var],
    )
    return image, repo


def _network(driver: IRDriver, out: ProgramWriter) -> dict[str, str]:
    """Variables of the subnets and security groups the task runs in: DriverConfig's, else
    the default VPC's default subnets (and its default security group)."""
    cfg = driver.config
    provider = driver.provider
    opts = Call(
        "pulumi.InvokeOutputOptions", {"provider": Expr(out.handles.provider(provider.key).var)}
    )
    if cfg.subnets:
        subnets = out.value(
            f"{driver.name}_subnets", list(cfg.subnets), comment="Subnets of the driver"
        )
    else:
        vpc = out.value(
            f"{driver.name}_vpc",
            Call("aws.ec2.get_vpc_output", {"default": True, "opts": opts}),
            comment="No DriverConfig(subnets=...): the default VPC",
        )
        found = out.value(
            f"{driver.name}_default_subnets",
            Call(
                "aws.ec2.get_subnets_output",
                {
                    "filters": [
                        Call(
                            "aws.ec2.GetSubnetsFilterArgs",
                            {"name": "vpc-id", "values": [Expr(f"{vpc}.id")]},
                        ),
                        Call(
                            "aws.ec2.GetSubnetsFilterArgs",
                            {"name": "default-for-az", "values": ["true"]},
                        ),
                    ],
                    "opts": opts,
                },
            ),
            comment="... and its default subnets",
        )
        subnets = out.value(
            f"{driver.name}_subnets", Expr(f"{found}.ids"), comment="Subnets of the driver"
        )
    groups = out.value(
        f"{driver.name}_security_groups",
        list(cfg.security_groups) or None,
        comment="Security groups of the driver (None: the VPC's default)",
    )
    return {"subnets": subnets, "security_groups": groups}
