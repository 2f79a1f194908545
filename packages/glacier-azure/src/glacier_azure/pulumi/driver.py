"""The Azure driver: the artifact as a blob and a Container Apps job that runs the pipeline.

- **Artifact**: ``build/artifact/<wheel>`` uploaded as an ``azure_native.storage.Blob`` to
  ``<staging container>/_glacier/artifacts/<sha256>/<wheel>`` (content-addressed;
  ``retain_on_delete`` so a new deploy never deletes the wheel a running job installs); engines
  read it as ``abfss://<container>@<account>.dfs.core.windows.net/<key>``.
- **Image**: ``DriverConfig(image=...)``, else ``build/driver/Dockerfile`` built and pushed by
  ``pulumi up`` with pulumi-docker-build to an Azure Container Registry of the pipeline (tags
  derived from the artifact's SHA-256 and the Dockerfile; the deploying machine needs Docker).
  The push uses the registry's admin credentials (read by the program, kept as Pulumi
  secrets); the job pulls with its managed identity (AcrPull on that registry only).
- **Job**: a Container Apps job (manual trigger, no 15-minute cap: ``replica_timeout`` of a
  day) in a Container Apps environment of its own whose logs go to a Log Analytics workspace
  with retention, running ``glacier run <module>:<pipeline>`` with ``GLACIER_DEPLOYMENT`` =
  ``abfss://<staging>@<account>.dfs.core.windows.net/_glacier/deployments/<pipeline>/<stack>.json``
  (the record blob this program writes), ``GLACIER_RUNS_URI``, ``AZURE_STORAGE_ACCOUNT`` and
  ``AZURE_CLIENT_ID`` (azure-identity signs in as the job's user-assigned identity).
- **Identity**: a user-assigned identity with exactly the driver's grants: one role
  assignment per (container, prefix, read/write), scoped to the container and limited to the
  prefix by an ABAC condition (Storage Blob Data Reader to read, Glacier's write-only role to
  write); AcrPull on the registry; a function's host key as a job secret (Azure Functions
  HTTP triggers authorize by key, not by Azure RBAC); Synapse: see :func:`access_lines`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from glacier.plugin import (
    RECORD_ENV,
    RUNS_ENV,
    ArtifactHandle,
    BucketGrant,
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
    Serverless,
    py_literal,
)
from glacier_azure.config import AzureFunctionConfig, SynapseConfig
from glacier_azure.functions import env_suffix
from glacier_azure.pulumi.access import prefix_condition
from glacier_azure.pulumi.accounts import ContainerHandle
from glacier_azure.pulumi.image import ACR_PULL_ROLE, emit_image
from glacier_azure.pulumi.jobs import (
    REPLICA_TIMEOUT_SECONDS,
    JobSpec,
    emit_job,
    env_var,
    invoke_opts,
    job_name,
    remember_spec,
    short_name,
    slug,
    trigger_once,
)
from glacier_azure.pulumi.names import BLOB_READER_ROLE
from glacier_azure.pulumi.provider import placement, role_id, writer_role

if TYPE_CHECKING:
    from glacier_azure.pulumi.emitter import AzureEmitter

AZ = "azure_native."
#: Consumption profile sizes: vCPU in steps of 0.25 up to 4, memory 2 GiB per vCPU.
CPU_STEP, CPU_MAX = 0.25, 4.0
#: Log Analytics (PerGB2018) retention bounds, in days.
RETENTION_MIN, RETENTION_MAX = 30, 730


def container_size(driver: IRDriver) -> tuple[float, str]:
    """(vCPU, memory) of the job on the Consumption profile; a clear error otherwise."""
    cfg = driver.config
    steps = cfg.cpu / CPU_STEP
    if cfg.cpu > CPU_MAX or abs(steps - round(steps)) > 1e-9:
        raise CompilerError(
            f"DriverConfig(cpu={cfg.cpu}) is not a Container Apps size; use 0.25 to 4 vCPU in "
            "steps of 0.25."
        )
    memory = round(cfg.cpu * 2 * 1024)
    if cfg.memory_mb != memory:
        raise CompilerError(
            f"DriverConfig(memory_mb={cfg.memory_mb}) does not fit {cfg.cpu} vCPU on Container "
            f"Apps (Consumption: 2 GiB per vCPU): use memory_mb={memory}."
        )
    return cfg.cpu, f"{cfg.cpu * 2:g}Gi"


def network(driver: IRDriver) -> Call | None:
    """The environment's virtual network: ``DriverConfig(subnets=(<subnet resource id>,))``
    (one subnet, delegated to Microsoft.App/environments); None: Azure's own network."""
    cfg = driver.config
    if cfg.security_groups:
        raise CompilerError(
            "DriverConfig(security_groups=...) has no Azure counterpart on the job: attach the "
            "network security group to the subnet in DriverConfig(subnets=...) instead."
        )
    if not cfg.subnets:
        return None
    if len(cfg.subnets) != 1 or not cfg.subnets[0].startswith("/subscriptions/"):
        raise CompilerError(
            f"DriverConfig(subnets={list(cfg.subnets)!r}): on Azure give one subnet resource "
            "id (/subscriptions/.../virtualNetworks/<vnet>/subnets/<subnet>), delegated to "
            "Microsoft.App/environments."
        )
    return Call(
        AZ + "app.VnetConfigurationArgs",
        {"infrastructure_subnet_id": cfg.subnets[0], "internal": not cfg.public_ip},
    )


def retention_days(driver: IRDriver) -> int:
    days = driver.config.log_retention_days
    if not RETENTION_MIN <= days <= RETENTION_MAX:
        raise CompilerError(
            f"DriverConfig(log_retention_days={days}): a Log Analytics workspace keeps logs "
            f"{RETENTION_MIN} to {RETENTION_MAX} days; use a value in that range."
        )
    return days


def container(handle: BucketHandle) -> ContainerHandle:
    if not isinstance(handle, ContainerHandle):  # pragma: no cover - Azure steps return them
        raise TypeError(f"Azure driver got a {type(handle).__name__}, not a ContainerHandle")
    return handle


def abfss(handle: BucketHandle, key: Any) -> Any:
    """``abfss://<container>@<account>.dfs.core.windows.net/<key>`` (key: text or Expr)."""
    head = f"abfss://{handle.bucket.bucket_name}@{container(handle).account.name}"
    head += ".dfs.core.windows.net/"
    if isinstance(key, str):
        return head + key
    return Call("pulumi.Output.concat", args=(head, key))


def record_key_expr(driver: IRDriver) -> Expr:
    """``"_glacier/deployments/<pipeline>/" + pulumi.get_stack() + ".json"``."""
    return Expr(f'{py_literal(driver.record_folder)} + pulumi.get_stack() + ".json"')


# -- artifact ------------------------------------------------------------------------------
def emit_artifact(
    artifact: IRArtifact, bucket: BucketHandle, info: str, pipeline: str, out: ProgramWriter
) -> tuple[str, Any]:
    """The wheel as a content-addressed block blob; returns (variable, ``abfss://`` URI)."""
    key = out.value(
        f"{slug(pipeline).replace('-', '_')}_artifact_key",
        Call(
            '"/".join',
            args=(
                [
                    artifact.prefix.rstrip("/"),
                    Expr(f'{info}["sha256"]'),
                    Expr(f'{info}["filename"]'),
                ],
            ),
        ),
        comment="Where the artifact goes in the staging container (content-addressed)",
    )
    holder = container(bucket)
    var = out.resource(
        AZ + "storage.Blob",
        f"{pipeline}-artifact",
        {
            **holder.account.scoped(),
            "container_name": Expr(f"{bucket.var}.name"),
            "blob_name": Expr(key),
            "type": "Block",
            "content_type": "application/zip",
            "source": Call("pulumi.FileAsset", args=(Expr(f'{info}["path"]'),)),
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
    return var, abfss(bucket, Expr(key))


# -- identity and grants ------------------------------------------------------------------
def emit_identity(driver: IRDriver, out: ProgramWriter, ir: Any) -> IdentityHandle:
    """The driver's own user-assigned identity (only its jobs use it)."""
    identity = out.resource(
        AZ + "managedidentity.UserAssignedIdentity",
        f"{driver.name}-identity",
        {**placement(ir, driver.provider, out), "tags": driver.tags or None},
        comment=f"The driver's own identity: exactly what {driver.pipeline!r} needs from it",
        provider=driver.provider,
        var_hint=f"{driver.name}_identity",
        target=HookTarget((), driver.provider, driver.tags),
    )
    return IdentityHandle(identity, driver)


def grant_name(driver: str, grant: BucketGrant) -> str:
    """``<driver>-<mode>-<container>-<prefix slug>``: one per (container, prefix, mode)."""
    where = slug(grant.prefix) if grant.prefix else "all"
    return f"{driver}-{grant.mode}-{grant.bucket.bucket.bucket_name}-{where}"


def grant_access(
    ir: Any, identity: IdentityHandle, grants: Sequence[BucketGrant], out: ProgramWriter
) -> list[str]:
    """One role assignment per grant, scoped to its container, limited to its prefix."""
    driver = identity.compute
    done = []
    for n, grant in enumerate(grants, start=1):
        bucket = grant.bucket.bucket
        if grant.mode == "read":
            role: Any = role_id(bucket.provider, BLOB_READER_ROLE, out)
            label = "Storage Blob Data Reader"
        else:
            role = Expr(f"{writer_role(ir, bucket.provider, out)}.id")
            label = "Glacier Blob Writer"
        condition = prefix_condition(grant.prefix, grant.mode)
        done.append(
            out.resource(
                AZ + "authorization.RoleAssignment",
                grant_name(driver.name, grant),
                {
                    "principal_id": Expr(f"{identity.var}.principal_id"),
                    "principal_type": "ServicePrincipal",
                    "role_definition_id": role,
                    "scope": Expr(f"{grant.bucket.var}.id"),
                    "condition": condition,
                    "condition_version": "2.0" if condition else None,
                },
                comment=f"Driver: {grant.mode} {bucket.bucket_name}/{grant.prefix}*: {label}, "
                "container scope, prefix condition",
                provider=driver.provider,
                var_hint=f"{driver.name}_grant_{n}",
            )
        )
    return done


def access_lines(
    emitter: AzureEmitter,
    functions: Sequence[FunctionHandle],
    executors: Sequence[ExecutorHandle],
) -> tuple[list[dict[str, Any]], list[str]]:
    """What the driver needs to invoke and submit: the job secrets (one host key per
    function app) and the notes for what Azure Resource Manager cannot grant (Synapse RBAC)."""
    secrets: list[dict[str, Any]] = []
    notes: list[str] = []
    for fn in functions:
        if fn.var is None:
            raise emitter.unsupported(
                f"Granting the driver invoke on function {fn.compute.name!r}",
                "a function this plugin emits",
            )
        resource = fn.compute.resource
        name = resource.function_name if isinstance(resource, Serverless) else fn.compute.name
        secrets.append(
            {
                "function": fn.compute.name,
                "app": fn.var,
                "secret": f"fnkey-{slug(fn.compute.name)}"[:253],
                "env": f"GLACIER_FUNCTION_KEY_{env_suffix(name)}",
            }
        )
    for ex in executors:
        cfg = ex.compute.config
        if isinstance(cfg, SynapseConfig):
            pool = cfg.existing_spark_pool or cfg.spark_pool_name
            notes.append(
                f"driver of {emitter.ir.pipeline!r}: Synapse workspace {cfg.workspace_name!r} "
                "authorizes Spark batches with Synapse RBAC, which Azure Resource Manager (and "
                "so this program) cannot assign; grant the driver's identity (principal id: "
                "the record's driver identity) once: az synapse role assignment create "
                f"--workspace-name {cfg.workspace_name} --role 'Synapse Compute Operator' "
                f"--scope workspaces/{cfg.workspace_name}/bigDataPools/{pool} "
                "--assignee-object-id <principal id> --assignee-principal-type ServicePrincipal"
            )
        else:
            kind = getattr(type(cfg), "engine", "") or "engine"
            notes.append(
                f"driver of {emitter.ir.pipeline!r}: executor {ex.compute.name} ({kind}) is "
                "submitted to with the engine's own credentials, no Azure role"
            )
    return secrets, notes


def emit_access(
    emitter: AzureEmitter,
    identity: IdentityHandle,
    functions: Sequence[FunctionHandle],
    executors: Sequence[ExecutorHandle],
    out: ProgramWriter,
) -> list[str]:
    """Function keys become job secrets (in :func:`emit_driver`); Synapse needs its own RBAC
    (a compile note). Creates no resource itself."""
    secrets, notes = access_lines(emitter, functions, executors)
    stash = out.handles.once(("azure-driver-secrets", identity.compute.name), list)
    stash += secrets
    out.notes += notes
    return []


def function_secrets(
    ir: Any, driver: IRDriver, out: ProgramWriter
) -> tuple[list[Call], list[tuple[str, str]]]:
    """The job's secrets (each function app's default host key, read by the program) and the
    environment variables naming them."""
    stash: list[dict[str, Any]] = out.handles.once(("azure-driver-secrets", driver.name), list)
    secrets: list[Call] = []
    env: list[tuple[str, str]] = []
    for item in stash:
        keys = out.value(
            f"{slug(item['function']).replace('-', '_')}_host_keys",
            Call(
                AZ + "web.list_web_app_host_keys_output",
                {
                    "name": Expr(f"{item['app']}.name"),
                    "resource_group_name": placement(ir, driver.provider, out)[
                        "resource_group_name"
                    ],
                    "opts": invoke_opts(driver, out),
                },
            ),
            comment=f"Keys of function {item['function']!r} (its app's default function key "
            "goes to the driver as a secret)",
        )
        value = Expr(f'{keys}.function_keys.apply(lambda keys: (keys or {{}}).get("default"))')
        secrets.append(
            Call(
                AZ + "app.SecretArgs",
                {"name": item["secret"], "value": Call("pulumi.Output.secret", args=(value,))},
            )
        )
        env.append((item["env"], item["secret"]))
    return secrets, env


# -- the job -------------------------------------------------------------------------------
def emit_driver(
    emitter: AzureEmitter,
    driver: IRDriver,
    identity: IdentityHandle,
    artifact: ArtifactHandle,
    out: ProgramWriter,
) -> DriverHandle:
    """Log Analytics workspace, Container Apps environment, registry and image (or the given
    image), the driver job and the deployment record blob the job reads."""
    ir = emitter.ir
    cfg = driver.config
    cpu, memory = container_size(driver)
    days = retention_days(driver)
    vnet = network(driver)
    provider = driver.provider
    where = placement(ir, provider, out)
    staging = out.handles.bucket(driver.staging_key)
    workspace = out.resource(
        AZ + "operationalinsights.Workspace",
        f"{driver.name}-logs",
        {
            **where,
            "workspace_name": short_name(f"glacier-{driver.pipeline}", "driver-logs", 63),
            "sku": Call(AZ + "operationalinsights.WorkspaceSkuArgs", {"name": "PerGB2018"}),
            "retention_in_days": days,
            "tags": driver.tags or None,
        },
        comment=f"Logs of the driver (Azure Monitor Logs, {days} days retention)",
        provider=provider,
        var_hint=f"{driver.name}_logs",
    )
    keys = out.value(
        f"{slug(driver.name).replace('-', '_')}_log_keys",
        Call(
            AZ + "operationalinsights.get_shared_keys_output",
            {
                "resource_group_name": where["resource_group_name"],
                "workspace_name": Expr(f"{workspace}.name"),
                "opts": invoke_opts(driver, out),
            },
        ),
        comment="The workspace key the Container Apps environment sends logs with",
    )
    environment = out.resource(
        AZ + "app.ManagedEnvironment",
        f"{driver.name}-env",
        {
            **where,
            "environment_name": short_name(f"glacier-{driver.pipeline}", "env"),
            "app_logs_configuration": Call(
                AZ + "app.AppLogsConfigurationArgs",
                {
                    "destination": "log-analytics",
                    "log_analytics_configuration": Call(
                        AZ + "app.LogAnalyticsConfigurationArgs",
                        {
                            "customer_id": Expr(f"{workspace}.customer_id"),
                            "shared_key": Call(
                                "pulumi.Output.secret",
                                args=(Expr(f"{keys}.primary_shared_key"),),
                            ),
                        },
                    ),
                },
            ),
            "vnet_configuration": vnet,
            "tags": driver.tags or None,
        },
        comment="The driver's own Container Apps environment (Consumption; logs to the workspace)",
        provider=provider,
        var_hint=f"{driver.name}_environment",
    )
    registries: list[Call] = []
    deps: list[str] = []
    if cfg.image is None:
        image, registry = emit_image(ir, driver, artifact, out)
        image_ref: Any = Expr(f"{image}.ref")
        pull = out.resource(
            AZ + "authorization.RoleAssignment",
            f"{driver.name}-acr-pull",
            {
                "principal_id": Expr(f"{identity.var}.principal_id"),
                "principal_type": "ServicePrincipal",
                "role_definition_id": role_id(provider, ACR_PULL_ROLE, out),
                "scope": Expr(f"{registry}.id"),
            },
            comment="AcrPull on the driver's registry only",
            provider=provider,
        )
        deps.append(pull)
        registries.append(
            Call(
                AZ + "app.RegistryCredentialsArgs",
                {
                    "server": Expr(f"{registry}.login_server"),
                    "identity": Expr(f"{identity.var}.id"),
                },
            )
        )
    else:
        image_ref = cfg.image
        host = cfg.image.split("/", 1)[0]
        if host.endswith(".azurecr.io"):
            registries.append(
                Call(
                    AZ + "app.RegistryCredentialsArgs",
                    {"server": host, "identity": Expr(f"{identity.var}.id")},
                )
            )
            out.notes.append(
                f"driver of {driver.pipeline!r}: pulls {cfg.image} with its identity; grant it "
                f"AcrPull on registry {host} (az role assignment create --role AcrPull "
                "--assignee-object-id <driver principal id> --scope <registry id>)"
            )
    record_key = out.value(
        "glacier_record_key",
        record_key_expr(driver),
        comment="Where this stack's deployment record goes (the driver reads it at start)",
    )
    env: list[Call] = [
        env_var(RECORD_ENV, abfss(staging, Expr(record_key))),
        env_var("AZURE_STORAGE_ACCOUNT", container(staging).account.name),
        env_var("AZURE_CLIENT_ID", Expr(f"{identity.var}.client_id")),
    ]
    if driver.runs is not None:
        runs = out.handles.buckets.get(f"{provider.key}/{driver.runs.bucket}")
        if runs is not None:
            env.append(env_var(RUNS_ENV, abfss(runs, driver.runs.prefix)))
    env += [env_var(k, v) for k, v in sorted(cfg.environment.items())]
    secrets, secret_env = function_secrets(ir, driver, out)
    env += [
        Call(AZ + "app.EnvironmentVarArgs", {"name": name, "secret_ref": ref})
        for name, ref in secret_env
    ]
    spec = JobSpec(
        where=where,
        environment=environment,
        identity=identity.var,
        image=image_ref,
        cpu=cpu,
        memory=memory,
        env=env,
        secrets=secrets,
        registries=registries,
        depends_on=deps,
    )
    name = job_name(driver)
    job = emit_job(
        driver,
        spec,
        f"{driver.name}",
        name,
        {"trigger_type": "Manual", "manual_trigger_config": trigger_once("Manual")},
        ["glacier"],
        ["run", Expr(f'{artifact.info}["entry"]')],
        [
            f"The driver of {driver.pipeline!r}: a Container Apps job (manual trigger, up to "
            f"{REPLICA_TIMEOUT_SECONDS // 3600} h) running `glacier run <module>:<pipeline>`,",
            f"{cpu:g} vCPU, {memory}; GLACIER_DEPLOYMENT names the record below.",
        ],
        out,
    )
    out.deployment.resource(
        driver.name,
        "driver",
        name=name,
        id=Expr(f"{job}.id"),
        region=str(where["location"]),
        properties={
            "resource_group": where["resource_group_name"],
            "environment": Expr(f"{environment}.id"),
            "log_workspace": Expr(f"{workspace}.customer_id"),
        },
    )
    record = out.resource(
        AZ + "storage.Blob",
        f"{driver.name}-record",
        {
            **container(staging).account.scoped(),
            "container_name": Expr(f"{staging.var}.name"),
            "blob_name": Expr(record_key),
            "type": "Block",
            "content_type": "application/json",
        },
        comment="The deployment record of this stack (the glacier_deployment output), read by "
        "the driver through GLACIER_DEPLOYMENT",
        provider=provider,
        var_hint=f"{driver.name}_record",
    )
    remember_spec(out, driver, spec)
    return DriverHandle(job, driver, identity, {"record": record, "artifact_info": artifact.info})


def finish_record(driver: DriverHandle, out: ProgramWriter) -> None:
    """The record blob's content: the whole record (emitted last, when complete), as a
    ``pulumi.StringAsset`` of its JSON (``Output.apply`` called unbound on the JSON)."""
    record = driver.extra["record"]
    text = Call("pulumi.Output.json_dumps", args=(out.deployment.value(),))
    source = Call("pulumi.Output.apply", args=(text, Expr("pulumi.StringAsset")))
    out.amend(record, {"source": source})


def function_record(app: str, route: str) -> Call:
    """``https://<app default host>/api/<route>``: what the Azure Functions adapter POSTs to."""
    return Call(
        "pulumi.Output.concat",
        args=("https://", Expr(f"{app}.default_host_name"), f"/api/{route}"),
    )


def function_route(config: Any, resource: Any) -> tuple[str, str]:
    """(app name, route) of an Azure function."""
    cfg = config if isinstance(config, AzureFunctionConfig) else AzureFunctionConfig()
    return cfg.app_name or resource.function_name, resource.function_name
