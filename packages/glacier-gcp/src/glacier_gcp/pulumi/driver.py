"""The GCP driver: the artifact in GCS and a Cloud Run job that runs the whole pipeline.

- **Artifact**: ``build/artifact/<wheel>`` uploaded as a ``gcp.storage.BucketObject`` to
  ``<staging>/_glacier/artifacts/<sha256>/<wheel>`` (content-addressed; ``retain_on_delete``
  so a new deploy never deletes the wheel a running Dataproc job installs); engines read it
  by its ``gs://`` URI (Dataproc ``python_file_uris``).
- **Image**: ``DriverConfig(image=...)``, else ``build/driver/Dockerfile`` built and pushed by
  ``pulumi up`` with pulumi-docker-build to a private Artifact Registry repository
  (immutable tags from the artifact's SHA-256 and the Dockerfile; the 20 newest images are
  kept; the deploying machine needs Docker).
- **Job**: a Cloud Run v2 job (one task, no retry, a 24-hour task timeout: no 15-minute cap)
  whose container runs ``glacier run <module>:<pipeline>`` with ``GLACIER_DEPLOYMENT`` =
  ``gs://<staging>/_glacier/deployments/<pipeline>/<stack>.json`` (the record object this
  program writes) and ``GLACIER_RUNS_URI`` (run records); its output goes to Cloud Logging
  (Cloud Run's default).
- **Identity**: the job's own service account, granted exactly the driver's grants: one
  prefix-limited ``BucketIAMMember`` per bucket grant (no project-wide storage role),
  ``roles/run.invoker`` on each function's Cloud Run service, and for each Dataproc
  executor what GCP can scope: ``dataproc.clusters.use`` on its cluster, ``actAs`` on a
  Serverless executor's service account, and job/batch create/get/cancel in the project
  (Dataproc has no resource to grant those on before the job exists: a custom role with
  exactly those permissions, the driver's only project-level binding).
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
    IRProvider,
    ProgramWriter,
    dockerfile_text,
    py_literal,
)
from glacier_gcp.config import DataprocConfig
from glacier_gcp.pulumi.labels import account_id
from glacier_gcp.pulumi.labels import labels as gcp_labels
from glacier_gcp.pulumi.roles import role_id_expr
from glacier_gcp.pulumi.storage import GS, gcp_config, invoke_options

if TYPE_CHECKING:
    from glacier_gcp.pulumi.emitter import GcpEmitter

RUN = "gcp.cloudrunv2."
#: requirements.txt line when Glacier builds the image.
DOCKER_BUILD_REQUIREMENT = "pulumi-docker-build>=0.0.8,<1"
DOCKER_BUILD_IMPORT = "import pulumi_docker_build as docker_build"
#: Cloud Run job task timeout: 24 hours (the generally available maximum).
TASK_TIMEOUT = "86400s"
#: Cloud Run CPU (vCPU) -> (min, max) memory in MiB (second-generation environment).
RUN_SIZES = {
    1: (512, 4096),
    2: (512, 8192),
    4: (2048, 16384),
    6: (4096, 24576),
    8: (4096, 32768),
}
#: Days Cloud Logging's _Default bucket keeps logs (and DriverConfig's default).
DEFAULT_LOG_DAYS = 30
#: Calling a function (2nd gen): invoke its Cloud Run service.
INVOKER_ROLE = "roles/run.invoker"
#: Starting a Serverless batch as the executor's service account.
ACT_AS_ROLE = "roles/iam.serviceAccountUser"
#: What the driver may do in the project for Dataproc executors (the Dataproc adapter's
#: calls); GCP checks these on the project (a job or batch does not exist before it is
#: submitted), so they are a custom role with exactly these permissions.
DATAPROC_JOB_PERMISSIONS = ["dataproc.jobs.cancel", "dataproc.jobs.create", "dataproc.jobs.get"]
DATAPROC_BATCH_PERMISSIONS = [
    "dataproc.batches.cancel",
    "dataproc.batches.create",
    "dataproc.batches.get",
    "dataproc.operations.cancel",
]
#: Submitting to one cluster: granted on that cluster only.
DATAPROC_CLUSTER_PERMISSIONS = ["dataproc.clusters.use"]


def job_name(pipeline: str) -> str:
    """``glacier-<pipeline>-driver`` as a Cloud Run job name (a-z, 0-9, ``-``; starts with a
    letter; at most 63 characters, a hash keeps long names unique)."""
    raw = re.sub(r"[^a-z0-9-]+", "-", pipeline.lower())
    raw = re.sub(r"-+", "-", raw).strip("-") or "pipeline"
    name = f"glacier-{raw}-driver"
    if len(name) > 63:
        digest = hashlib.sha256(pipeline.encode()).hexdigest()[:8]
        name = f"glacier-{raw[:38].rstrip('-')}-{digest}-driver"
    return name


def repository_id(pipeline: str) -> str:
    """The Artifact Registry repository id (a-z, 0-9, ``-``; starts with a letter; <= 63)."""
    return job_name(pipeline)


def run_size(driver: IRDriver) -> tuple[str, str]:
    """(CPU, memory) limits of the job's container; a clear error for a size Cloud Run
    refuses."""
    cfg = driver.config
    cpu = int(cfg.cpu) if float(cfg.cpu).is_integer() else None
    if cpu not in RUN_SIZES:
        allowed = ", ".join(str(c) for c in RUN_SIZES)
        raise CompilerError(
            f"DriverConfig(cpu={cfg.cpu}) is not a Cloud Run job CPU count; use one of "
            f"{allowed} vCPU."
        )
    low, high = RUN_SIZES[cpu]
    if not low <= cfg.memory_mb <= high:
        raise CompilerError(
            f"DriverConfig(memory_mb={cfg.memory_mb}) does not fit {cpu} vCPU on Cloud Run: "
            f"use {low} to {high} MiB."
        )
    return str(cpu), f"{cfg.memory_mb}Mi"


def record_key_expr(driver: IRDriver) -> Expr:
    """``"_glacier/deployments/<pipeline>/" + pulumi.get_stack() + ".json"``."""
    return Expr(f'{py_literal(driver.record_folder)} + pulumi.get_stack() + ".json"')


def custom_role(
    provider: IRProvider,
    role_id: str,
    title: str,
    permissions: Sequence[str],
    out: ProgramWriter,
) -> str:
    """A project custom role with exactly ``permissions``, emitted once per project; its id is
    ``role_id`` + the pipeline and stack (:mod:`glacier_gcp.pulumi.roles`)."""
    project = gcp_config(provider).project

    def emit() -> str:
        return out.resource(
            "gcp.projects.IAMCustomRole",
            f"{provider.key}-{role_id}",
            {
                "project": project,
                "role_id": role_id_expr(role_id, out),
                "title": title,
                "description": f"Glacier: {', '.join(permissions)}; nothing else",
                "permissions": sorted(permissions),
            },
            comment=f"Custom role {role_id}: exactly {', '.join(sorted(permissions))}",
            provider=provider,
            var_hint=f"{provider.key}_{role_id}",
        )

    return out.handles.once(("gcp-custom-role", project, role_id), emit)


# -- artifact ------------------------------------------------------------------------------
def emit_artifact(
    artifact: IRArtifact, bucket: BucketHandle, info: str, pipeline: str, out: ProgramWriter
) -> tuple[str, Any]:
    """The wheel as a content-addressed object; returns (variable, ``gs://`` URI)."""
    key = Expr(f'{py_literal(artifact.prefix)} + {info}["sha256"] + "/" + {info}["filename"]')
    var = out.resource(
        GS + "BucketObject",
        f"{pipeline}-artifact",
        {
            "bucket": Expr(f"{bucket.var}.name"),
            "name": key,
            "source": Call("pulumi.FileAsset", args=(Expr(f'{info}["path"]'),)),
            "content_type": "application/zip",
        },
        comment=[
            f"The code artifact, content-addressed under {artifact.prefix}<sha256>/: Dataproc "
            "and the driver install it.",
            "Kept when a new deploy replaces it (retain_on_delete): a running job may use it.",
        ],
        provider=artifact.provider,
        var_hint=f"{pipeline}_artifact",
        extra_opts={"retain_on_delete": True},
    )
    uri = Call(
        "pulumi.Output.concat", args=("gs://", Expr(f"{var}.bucket"), "/", Expr(f"{var}.name"))
    )
    return var, uri


# -- identity ------------------------------------------------------------------------------
def emit_identity(driver: IRDriver, out: ProgramWriter) -> IdentityHandle:
    """The job's own service account; grants come later (no project role)."""
    sa = out.resource(
        "gcp.serviceaccount.Account",
        f"{driver.name}-sa",
        {
            "account_id": account_id(driver.name),
            "display_name": f"Glacier driver of pipeline {driver.pipeline}"[:100],
            "project": gcp_config(driver.provider).project,
        },
        comment=f"The driver's own service account: exactly what {driver.pipeline!r} needs from it",
        provider=driver.provider,
        var_hint=f"{driver.name}_sa",
        target=HookTarget((), driver.provider, driver.tags),
    )
    return IdentityHandle(sa, driver)


def emit_access(
    emitter: GcpEmitter,
    identity: IdentityHandle,
    functions: Sequence[FunctionHandle],
    executors: Sequence[ExecutorHandle],
    out: ProgramWriter,
) -> list[str]:
    """Invoke on each function's service; Dataproc submit/poll/cancel as tightly as GCP
    allows (see the module docstring). Returns the bindings' variables."""
    driver = identity.compute
    member = Expr(f"{identity.var}.member")
    found: list[str] = []
    for fn in functions:
        if fn.var is None:
            raise emitter.unsupported(
                f"Granting the driver invoke on function {fn.compute.name!r}",
                "a function this plugin emits",
            )
        found.append(
            out.resource(
                RUN + "ServiceIamMember",
                f"{driver.name}-invoke-{fn.compute.name}",
                {
                    "project": gcp_config(fn.compute.provider).project,
                    "location": gcp_config(fn.compute.provider).region,
                    "name": Expr(f"{fn.var}.service_config.service"),
                    "role": INVOKER_ROLE,
                    "member": member,
                },
                comment=f"The driver may call function {fn.compute.name!r} (its Cloud Run "
                "service) and no other",
                provider=fn.compute.provider,
            )
        )
    #: (provider key, "jobs" | "batches") -> provider: what to grant in which project
    submit: dict[tuple[str, str], IRProvider] = {}
    for ex in executors:
        cfg = ex.compute.config
        if not isinstance(cfg, DataprocConfig):
            engine = emitter.engine_for(ex.compute)
            extra = getattr(engine, "driver_bindings", None) if engine is not None else None
            if callable(extra):
                found += extra(ex, identity, out)
            else:
                out.notes.append(
                    f"driver {driver.name}: executor {ex.compute.name} is submitted to with "
                    "the engine's own credentials (no IAM binding)"
                )
            continue
        ex_provider = ex.compute.provider
        if cfg.serverless:
            submit[(ex_provider.key, "batches")] = ex_provider
            found.append(
                out.resource(
                    "gcp.serviceaccount.IAMMember",
                    f"{driver.name}-act-as-{ex.compute.name}",
                    {
                        "service_account_id": Expr(f"{ex.identity.var}.name"),
                        "role": ACT_AS_ROLE,
                        "member": member,
                    },
                    comment=f"The driver starts {ex.compute.name!r}'s Serverless batches as "
                    "that executor's service account (actAs on that account only)",
                    provider=ex_provider,
                )
            )
            continue
        submit[(ex_provider.key, "jobs")] = ex_provider
        cluster: Any = Expr(f"{ex.var}.name") if ex.var is not None else cfg.cluster_name
        if cluster is None:  # pragma: no cover - the emitter creates a cluster otherwise
            continue
        role = custom_role(
            ex_provider,
            "glacierDataprocClusterUser",
            "Glacier Dataproc cluster user",
            DATAPROC_CLUSTER_PERMISSIONS,
            out,
        )
        found.append(
            out.resource(
                "gcp.dataproc.ClusterIAMMember",
                f"{driver.name}-use-{ex.compute.name}",
                {
                    "project": gcp_config(ex_provider).project,
                    "region": gcp_config(ex_provider).region,
                    "cluster": cluster,
                    "role": Expr(f"{role}.name"),
                    "member": member,
                },
                comment=f"The driver may submit to cluster {ex.compute.name!r} only "
                "(dataproc.clusters.use on that cluster)",
                provider=ex_provider,
            )
        )
    for (_, kind), provider in sorted(submit.items()):
        permissions = DATAPROC_JOB_PERMISSIONS if kind == "jobs" else DATAPROC_BATCH_PERMISSIONS
        role_id = "glacierDataprocJobs" if kind == "jobs" else "glacierDataprocBatches"
        role = custom_role(provider, role_id, f"Glacier Dataproc {kind}", permissions, out)
        project = gcp_config(provider).project
        found.append(
            out.resource(
                "gcp.projects.IAMMember",
                f"{driver.name}-dataproc-{kind}",
                {"project": project, "role": Expr(f"{role}.name"), "member": member},
                comment=[
                    f"Dataproc {kind}: {', '.join(permissions)} in the project.",
                    "GCP checks these on the project (nothing to grant on before the job "
                    "exists); a custom role with exactly these permissions, no data access.",
                ],
                provider=provider,
            )
        )
    return found


# -- the job -------------------------------------------------------------------------------
def emit_driver(
    emitter: GcpEmitter,
    driver: IRDriver,
    identity: IdentityHandle,
    artifact: ArtifactHandle,
    out: ProgramWriter,
) -> DriverHandle:
    """Image (or the given one), the Cloud Run job, and the deployment record object."""
    cfg = driver.config
    cpu, memory = run_size(driver)
    provider = driver.provider
    gcp = gcp_config(provider)
    vpc_access = _vpc_access(driver)  # checked before anything is emitted
    staging = out.handles.bucket(driver.staging_key)
    if cfg.image is None:
        image_ref: Any = Expr(f"{_image(driver, artifact, out)}.ref")
    else:
        image_ref = cfg.image
    out.value(
        "glacier_record_key",
        record_key_expr(driver),
        comment="Where this stack's deployment record goes (the driver reads it at start)",
    )
    record_uri = Expr(f"{py_literal(f'gs://{driver.staging_bucket}/')} + glacier_record_key")
    env: list[tuple[str, Any]] = [(RECORD_ENV, record_uri), ("GOOGLE_CLOUD_PROJECT", gcp.project)]
    if driver.runs is not None:
        env.append((RUNS_ENV, f"gs://{driver.runs.bucket}/{driver.runs.prefix}"))
    env += sorted(cfg.environment.items())
    name = job_name(driver.pipeline)
    container = Call(
        RUN + "JobTemplateTemplateContainerArgs",
        {
            "name": DRIVER_CONTAINER,
            "image": image_ref,
            "commands": ["glacier"],
            "args": ["run", Expr(f'{artifact.info}["entry"]')],
            "envs": [
                Call(RUN + "JobTemplateTemplateContainerEnvArgs", {"name": k, "value": v})
                for k, v in env
            ],
            "resources": Call(
                RUN + "JobTemplateTemplateContainerResourcesArgs",
                {"limits": {"cpu": cpu, "memory": memory}},
            ),
        },
    )
    job = out.resource(
        RUN + "Job",
        driver.name,
        {
            "name": name,
            "location": gcp.region,
            "project": gcp.project,
            "deletion_protection": False,
            "labels": gcp_labels(driver.tags),
            "template": Call(
                RUN + "JobTemplateArgs",
                {
                    "task_count": 1,
                    "parallelism": 1,
                    "template": Call(
                        RUN + "JobTemplateTemplateArgs",
                        {
                            "service_account": Expr(f"{identity.var}.email"),
                            "vpc_access": vpc_access,
                            "max_retries": 0,
                            "timeout": TASK_TIMEOUT,
                            "containers": [container],
                        },
                    ),
                },
            ),
        },
        comment=[
            f"The driver of {driver.pipeline!r}: a Cloud Run job (one task, no retry, "
            f"{TASK_TIMEOUT} timeout) running `glacier run <module>:<pipeline>` from the artifact,",
            f"{cpu} vCPU, {memory}; GLACIER_DEPLOYMENT names the record below; logs go to Cloud "
            "Logging.",
        ],
        provider=provider,
        var_hint=f"{driver.name}_job",
    )
    if cfg.log_retention_days != DEFAULT_LOG_DAYS:
        _log_bucket(driver, name, cfg.log_retention_days, out)
    out.deployment.resource(
        driver.name,
        "driver",
        name=name,
        id=f"projects/{gcp.project}/locations/{gcp.region}/jobs/{name}",
        region=gcp.region,
        properties={"project": gcp.project},
    )
    record = out.resource(
        GS + "BucketObject",
        f"{driver.name}-record",
        {
            "bucket": Expr(f"{staging.var}.name"),
            "name": Expr("glacier_record_key"),
            "content_type": "application/json",
        },
        comment="The deployment record of this stack (the glacier_deployment output), read by "
        "the driver through GLACIER_DEPLOYMENT",
        provider=provider,
        var_hint=f"{driver.name}_record",
    )
    return DriverHandle(
        job,
        driver,
        identity,
        {"record": record, "artifact_info": artifact.info, "job_name": name},
    )


def finish_record(driver: DriverHandle, out: ProgramWriter) -> None:
    """The record object's content: the whole record (emitted last, when complete)."""
    record = driver.extra["record"]
    out.amend(record, {"content": Call("pulumi.Output.json_dumps", args=(out.deployment.value(),))})


def _image(driver: IRDriver, artifact: ArtifactHandle, out: ProgramWriter) -> str:
    """Artifact Registry repository (immutable tags, the 20 newest images kept) and the
    image built from ``build/driver/Dockerfile`` and pushed there by ``pulumi up``."""
    out.add_import(DOCKER_BUILD_IMPORT)
    if DOCKER_BUILD_REQUIREMENT not in out.ir.program_requirements:
        out.ir.program_requirements.append(DOCKER_BUILD_REQUIREMENT)
    provider = driver.provider
    gcp = gcp_config(provider)
    ar = "gcp.artifactregistry."
    repo = out.resource(
        ar + "Repository",
        driver.name,
        {
            "repository_id": repository_id(driver.pipeline),
            "format": "DOCKER",
            "location": gcp.region,
            "project": gcp.project,
            "description": f"Glacier driver images of {driver.pipeline}"[:200],
            "docker_config": Call(ar + "RepositoryDockerConfigArgs", {"immutable_tags": True}),
            "cleanup_policy_dry_run": False,
            "cleanup_policies": [
                Call(
                    ar + "RepositoryCleanupPolicyArgs",
                    {
                        "id": "keep-newest-20",
                        "action": "KEEP",
                        "most_recent_versions": Call(
                            ar + "RepositoryCleanupPolicyMostRecentVersionsArgs",
                            {"keep_count": 20},
                        ),
                    },
                ),
                Call(
                    ar + "RepositoryCleanupPolicyArgs",
                    {
                        "id": "delete-older",
                        "action": "DELETE",
                        "condition": Call(
                            ar + "RepositoryCleanupPolicyConditionArgs", {"tag_state": "ANY"}
                        ),
                    },
                ),
            ],
            "labels": gcp_labels(driver.tags),
        },
        comment="Private registry of the driver image (immutable tags, the 20 newest kept)",
        provider=provider,
        var_hint=f"{driver.name}_repository",
    )
    client = out.value(
        f"{driver.name}_client_config",
        Call("gcp.organizations.get_client_config_output", {"opts": invoke_options(provider, out)}),
        comment="The deploying credentials' access token (pushes the image)",
    )
    host = f"{gcp.region}-docker.pkg.dev"
    text = dockerfile_text(driver.config.resolved_base_image(), driver.pipeline)
    recipe = hashlib.sha256(text.encode()).hexdigest()[:8]
    tag = Call(
        "pulumi.Output.concat",
        args=(
            f"{host}/",
            Expr(f"{repo}.project"),
            "/",
            Expr(f"{repo}.repository_id"),
            "/driver:",
            Expr(f'{artifact.info}["sha256"][:24]'),
            f"-{recipe}",
        ),
    )
    return out.resource(
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
                        "address": host,
                        "username": "oauth2accesstoken",
                        "password": Call(
                            "pulumi.Output.secret", args=(Expr(f"{client}.access_token"),)
                        ),
                    },
                )
            ],
        },
        comment=[
            f"The driver image: {DOCKERFILE} (the base image plus the artifact), built by "
            "`pulumi up` on this machine (needs Docker) and pushed to Artifact Registry.",
            "Or build it elsewhere and pass DriverConfig(image=...).",
        ],
        var_hint=f"{driver.name}_image",
        depends_on=[artifact.var, repo],
    )


def _log_bucket(driver: IRDriver, job: str, days: int, out: ProgramWriter) -> str:
    """``DriverConfig(log_retention_days=...)`` other than the default: a log bucket that
    keeps the driver job's logs that long, and a sink routing them to it. Cloud Logging also
    keeps its usual copy in the project's _Default bucket (30 days), which Glacier leaves
    alone: changing _Default's sink or retention would touch every log of the project."""
    gcp = gcp_config(driver.provider)
    bucket = out.resource(
        "gcp.logging.ProjectBucketConfig",
        f"{driver.name}-logs",
        {
            "project": gcp.project,
            "location": "global",
            "bucket_id": job,
            "retention_days": days,
            "description": f"Logs of Glacier pipeline {driver.pipeline!r}'s driver ({days} days)",
        },
        comment=f"The driver's logs, kept {days} days (DriverConfig.log_retention_days)",
        provider=driver.provider,
        var_hint=f"{driver.name}_log_bucket",
    )
    return out.resource(
        "gcp.logging.ProjectSink",
        f"{driver.name}-logs",
        {
            "project": gcp.project,
            "name": job,
            "destination": Call(
                "pulumi.Output.concat", args=("logging.googleapis.com/", Expr(f"{bucket}.id"))
            ),
            "filter": (f'resource.type="cloud_run_job" AND resource.labels.job_name="{job}"'),
            "unique_writer_identity": True,
            "description": "Routes the driver job's logs to its log bucket",
        },
        comment="Every log entry of the driver job also goes to that bucket",
        provider=driver.provider,
        var_hint=f"{driver.name}_log_sink",
    )


#: A subnetwork: its name, or its path (``projects/P/regions/R/subnetworks/NAME``).
_SUBNET = re.compile(
    r"^(projects/[a-z][-a-z0-9]{4,28}[a-z0-9]/regions/[a-z0-9-]+/subnetworks/)?"
    r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?$"
)
#: A network tag (what firewall rules target): RFC 1035 label.
_TAG = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")


def _vpc_access(driver: IRDriver) -> Call | None:
    """``DriverConfig(subnets=[S], security_groups=[...])`` as Cloud Run Direct VPC egress:
    one network interface in subnetwork ``S`` whose network tags are the security groups
    (firewall rules select instances by tag). ``public_ip=True`` (the default) sends only
    private ranges through the VPC; ``public_ip=False`` sends all traffic (the VPC then needs
    Cloud NAT to reach Google APIs without Private Google Access, and the internet)."""
    cfg = driver.config
    if not cfg.subnets and not cfg.security_groups:
        return None
    if len(cfg.subnets) != 1:
        raise CompilerError(
            f"DriverConfig(subnets={list(cfg.subnets)!r}) for the Cloud Run driver of "
            f"{driver.pipeline!r}: give exactly one subnetwork (Direct VPC egress has one "
            "network interface); security_groups (network tags) need it too."
        )
    (subnet,) = cfg.subnets
    if not _SUBNET.match(subnet):
        raise CompilerError(
            f"DriverConfig(subnets=[{subnet!r}]): not a subnetwork name or "
            "projects/P/regions/R/subnetworks/NAME path (lowercase letters, digits, '-')."
        )
    bad = [t for t in cfg.security_groups if not _TAG.match(t)]
    if bad:
        raise CompilerError(
            f"DriverConfig(security_groups={bad!r}): on Google Cloud these are the driver's "
            "network tags: lowercase letters, digits and '-', starting with a letter, at "
            "most 63 characters."
        )
    interface = {"subnetwork": subnet, "tags": list(cfg.security_groups) or None}
    return Call(
        RUN + "JobTemplateTemplateVpcAccessArgs",
        {
            "network_interfaces": [
                Call(RUN + "JobTemplateTemplateVpcAccessNetworkInterfaceArgs", interface)
            ],
            "egress": "PRIVATE_RANGES_ONLY" if cfg.public_ip else "ALL_TRAFFIC",
        },
    )
