"""The deployment IR: what runs the pipeline in the cloud, independent of any cloud.

:mod:`glacier.compiler.ir` says what the pipeline's *resources* need (buckets, functions,
executors and their grants). This module adds what *runs* the pipeline once deployed:

- :class:`IRArtifact`: the one code wheel (:mod:`glacier.deploy.artifact`) the program uploads
  to a staging bucket, content-addressed (``_glacier/artifacts/<sha256>/<wheel>``);
- :class:`IRDriver`: one per pipeline, in the cloud of the pipeline's providers: a container
  job (no 15-minute cap) running ``glacier run <module>:<pipeline>``, with its own identity
  granted exactly what the DAG needs from it (:func:`driver_grants`): its local tasks' reads
  and writes, invoke of the pipeline's functions, submit/poll/cancel on its executors (and
  read/write of their staging prefixes, where it stages jobs), read of the artifact and of
  the deployment record, read/write of run records;
- :class:`IRSchedule`, :class:`IRTrigger`, :class:`IRAlarm`: the pipeline's ``schedule``,
  ``triggers`` and ``on_failure`` (see :mod:`glacier.schedule`), each started by or watching
  the driver.

The compiler builds it with :func:`build_deployment` and hands it to the emitter template's
deployment steps (``emit_artifact``, ``emit_driver``, ``emit_schedule``, ``emit_trigger``,
``emit_alarm``). Whether a driver is emitted is :class:`DriverConfig` / ``PulumiCompiler(
driver=...)``: see :func:`driver_wanted`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from glacier.compiler.errors import CompilerError
from glacier.compiler.ir import Grant, IRGraph, IRProvider
from glacier.deploy.artifact import ARTIFACT_DIR, ARTIFACT_PREFIX
from glacier.deploy.record import RECORD_ENV
from glacier.models import GlacierModel

if TYPE_CHECKING:
    from glacier.compiler.job_ir import IRJob
    from glacier.resources.bucket import Bucket

#: Where the generated driver image build files go in the Pulumi project.
DRIVER_DIR = "build/driver"
#: Prefix of the deployment record objects (``<prefix><pipeline>/<stack>.json``).
RECORD_PREFIX = "_glacier/deployments/"
#: Default prefix of run records in the driver's staging bucket.
RUNS_PREFIX = "_glacier/runs/"
#: Environment variable naming the run store (read by the runtime, glacier.runs.config).
RUNS_ENV = "GLACIER_RUNS_URI"
#: The container of the driver (names it in task overrides, logs and alarms).
DRIVER_CONTAINER = "glacier-driver"


class DriverConfig(GlacierModel):
    """How the pipeline's cloud driver runs: ``PulumiCompiler(driver=DriverConfig(...))``.

    The driver is a container job that runs the whole DAG (``glacier run``) in the cloud of
    the pipeline's providers: an ECS Fargate task on AWS, a Cloud Run job on Google Cloud, a
    Container Apps job on Azure. Its image either comes from the
    generated ``build/driver/Dockerfile`` (the base image plus the artifact, built and pushed
    by ``pulumi up`` on the deploying machine, which then needs Docker), or is ``image``: an
    image you built from that Dockerfile (e.g. in CI) and pushed yourself.
    """

    image: str | None = Field(
        default=None,
        description="A prebuilt driver image (the generated Dockerfile's, built elsewhere); "
        "None: built and pushed from build/driver/Dockerfile by `pulumi up`.",
    )
    base_image: str | None = Field(
        default=None,
        description="FROM of the generated Dockerfile; default python:<this Python's "
        "major.minor>-slim (the artifact's pins were resolved here).",
    )
    cpu: float = Field(default=1.0, gt=0, description="vCPUs of the driver.")
    memory_mb: int = Field(default=2048, ge=128, description="Memory of the driver (MiB).")
    log_retention_days: int = Field(default=30, ge=1, description="Days logs are kept.")
    staging_bucket: str | None = Field(
        default=None,
        description="Bucket holding the artifact, the deployment record and (unless the "
        "pipeline sets runs=) run records; default glacier-<pipeline>-driver.",
    )
    cloud: str | None = Field(
        default=None, description="The cloud to run on when the pipeline uses several."
    )
    provider: str | None = Field(
        default=None,
        description="The provider key (e.g. aws-eu-west-1) when the pipeline has several in "
        "the driver's cloud.",
    )
    subnets: tuple[str, ...] = Field(
        default=(), description="Subnets the driver runs in (default: the default VPC's)."
    )
    security_groups: tuple[str, ...] = Field(
        default=(), description="Security groups of the driver (default: the VPC default)."
    )
    public_ip: bool = Field(
        default=True,
        description="Give the task a public IP (needed to pull images and reach PyPI/APIs "
        "from a public subnet without NAT).",
    )
    environment: dict[str, str] = Field(
        default_factory=dict, description="Extra environment variables (never secrets)."
    )

    @field_validator("environment")
    @classmethod
    def _env(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise ValueError(f"environment variable name {name!r} is invalid")
            if name in (RECORD_ENV, RUNS_ENV):
                raise ValueError(f"{name} is set by Glacier for the driver")
        return value

    def resolved_base_image(self) -> str:
        return self.base_image or f"python:{sys.version_info[0]}.{sys.version_info[1]}-slim"


DriverSetting = DriverConfig | bool | None


@dataclass(frozen=True)
class IRArtifact:
    """The artifact upload: ``<ARTIFACT_DIR>/*.whl`` → ``<bucket>/<prefix><sha256>/<wheel>``."""

    provider: IRProvider
    bucket: str
    prefix: str = ARTIFACT_PREFIX
    directory: str = ARTIFACT_DIR

    @property
    def bucket_key(self) -> str:
        return f"{self.provider.key}/{self.bucket}"


@dataclass(frozen=True)
class RunsLocation:
    """Where the driver's run records go: a bucket prefix (read/write: records and the
    event-dedupe markers), or ``None`` when the pipeline turned records off."""

    bucket: str
    prefix: str
    #: The bucket is one of the pipeline's (``runs=provider.bucket(...)``), else staging.
    own: bool = False


@dataclass
class IRDriver:
    """The pipeline's driver: what it runs, where, and exactly what its identity may do.

    ``grants`` are bucket grants (``Grant.bucket`` is a cloud bucket key
    ``<provider key>/<bucket name>``, resolved through ``out.handles.buckets``);
    ``functions`` are invoked, ``executors`` are submitted to, polled and cancelled.
    """

    name: str
    pipeline: str
    provider: IRProvider
    config: DriverConfig
    staging_bucket: str
    tags: dict[str, str]
    grants: list[Grant] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    executors: list[str] = field(default_factory=list)
    #: The local tasks (run inside the driver), for comments.
    local_tasks: list[str] = field(default_factory=list)
    runs: RunsLocation | None = None
    #: Prefix (in the staging bucket) of the deployment record; the key adds ``<stack>.json``.
    record_prefix: str = RECORD_PREFIX

    kind: Literal["driver"] = "driver"

    @property
    def record_folder(self) -> str:
        """``<record_prefix><pipeline's folder>/``: where the program writes the record, one
        object per stack (the pipeline's folder name is the run store's)."""
        from glacier.runs.store import folder_of

        return f"{self.record_prefix}{folder_of(self.pipeline)}/"

    @property
    def staging_key(self) -> str:
        return f"{self.provider.key}/{self.staging_bucket}"


@dataclass(frozen=True)
class IRSchedule:
    """``@pipeline(schedule=...)``: start the driver at every tick; the logical date goes
    to ``param`` (converted by the driver, which knows the pipeline's schedule)."""

    name: str
    cron: str
    timezone: str
    param: str | None


@dataclass(frozen=True)
class IRTrigger:
    """``OnWrite``: start the driver once per object written under ``prefix`` of the cloud
    bucket ``bucket_name`` whose key ends with one of ``suffixes``."""

    name: str
    id: str
    provider: IRProvider
    bucket_name: str
    #: Cloud bucket key when the bucket is one of the program's, else None.
    bucket_key: str | None
    #: Key prefix relative to the cloud bucket (the Glacier bucket's path + the trigger's).
    prefix: str
    suffixes: tuple[str, ...]
    #: One object only (a single-object bucket): its exact key.
    exact_key: str | None
    param: str | None
    #: Whether the program manages the bucket (False: existing or not the pipeline's).
    managed: bool


@dataclass(frozen=True)
class IRAlarm:
    """``on_failure``: tell these targets when a driver run fails."""

    name: str
    emails: tuple[str, ...]
    webhook: str | None


@dataclass
class IRDeployment:
    """What the compiler emits after the pipeline's resources."""

    artifact: IRArtifact | None = None
    driver: IRDriver | None = None
    schedules: list[IRSchedule] = field(default_factory=list)
    triggers: list[IRTrigger] = field(default_factory=list)
    alarms: list[IRAlarm] = field(default_factory=list)
    #: The pipeline as one engine job instead of a driver (:mod:`glacier.compiler.job_ir`).
    job: IRJob | None = None
    #: Summary lines: why no driver, what is referenced instead of created, ...
    notes: list[str] = field(default_factory=list)


# -- building ------------------------------------------------------------------------------
def default_staging_name(pipeline: str) -> str:
    """``glacier-<pipeline>-driver``: a bucket name valid on every cloud (3-63 a-z0-9-)."""
    raw = re.sub(r"[^a-z0-9-]+", "-", f"glacier-{pipeline}-driver".lower())
    return re.sub(r"-+", "-", raw).strip("-")[:63].rstrip("-")


def needs_driver(pipeline: Any) -> list[str]:
    """The operating settings of ``pipeline`` that only a driver can serve."""
    found = []
    if getattr(pipeline, "schedule", None) is not None:
        found.append("schedule")
    if getattr(pipeline, "triggers", ()):
        found.append("triggers")
    if getattr(pipeline, "on_failure", ()):
        found.append("on_failure")
    return found


def _driver_cloud(
    ir: IRGraph, config: DriverConfig, explicit: bool, why: str
) -> tuple[IRProvider | None, str | None]:
    """The provider the driver runs in, or (None, reason) when it cannot be chosen."""
    providers = list(ir.providers)
    if config.provider is not None:
        found = [p for p in providers if p.key == config.provider]
        if not found:
            known = ", ".join(p.key for p in providers) or "none"
            raise CompilerError(
                f"DriverConfig(provider={config.provider!r}) names no provider of pipeline "
                f"{ir.pipeline!r}; its providers: {known}."
            )
        return found[0], None
    if config.cloud is not None:
        providers = [p for p in providers if p.cloud == config.cloud]
        if not providers:
            known = ", ".join(sorted({p.cloud for p in ir.providers})) or "none"
            raise CompilerError(
                f"DriverConfig(cloud={config.cloud!r}): pipeline {ir.pipeline!r} has no "
                f"provider on that cloud (its clouds: {known})."
            )
    clouds = sorted({p.cloud for p in providers})
    if not providers:
        return None, "the pipeline has no cloud provider"
    if len(clouds) > 1:
        reason = (
            f"pipeline {ir.pipeline!r} uses several clouds ({', '.join(clouds)}): choose the "
            "driver's with PulumiCompiler(driver=DriverConfig(cloud='aws'))"
        )
        if explicit:
            raise CompilerError(f"A cloud driver is needed ({why}), but {reason}.")
        return None, reason
    if len(providers) > 1:
        keys = ", ".join(p.key for p in providers)
        reason = (
            f"pipeline {ir.pipeline!r} has several {clouds[0]} providers ({keys}): choose the "
            f"driver's with PulumiCompiler(driver=DriverConfig(provider='{providers[0].key}'))"
        )
        if explicit:
            raise CompilerError(f"A cloud driver is needed ({why}), but {reason}.")
        return None, reason
    return providers[0], None


def driver_wanted(
    setting: DriverSetting | Literal["auto"], pipeline: Any, cloud_supports: Callable[[str], bool]
) -> tuple[DriverConfig | None, bool, str]:
    """``(config, explicit, why)``: whether to emit a driver.

    - ``False``: never (a schedule, trigger or alert is then an error);
    - ``True`` / a :class:`DriverConfig`: always (a cloud without the driver step fails);
    - ``None`` (the Python API's default): when the pipeline's schedule, triggers or
      on_failure need one;
    - ``"auto"`` (``glacier compile``/``deploy``): also when the cloud supports a driver.
    """
    needed = needs_driver(pipeline)
    why = f"the pipeline sets {', '.join(needed)}" if needed else "requested"
    if setting is False:
        if needed:
            raise CompilerError(
                f"Pipeline {pipeline.name!r} sets {', '.join(needed)}, which start or watch its "
                "cloud driver, but the compiler was told driver=False. Drop driver=False (or "
                "--no-driver), or remove those settings."
            )
        return None, False, ""
    if isinstance(setting, DriverConfig):
        return setting, True, why
    if setting is True:
        return DriverConfig(), True, why
    if needed:
        return DriverConfig(), True, why
    if setting == "auto":
        return DriverConfig(), False, "glacier compile"
    return None, False, ""


def driver_grants(
    ir: IRGraph, provider: IRProvider, staging: str, runs: RunsLocation | None
) -> tuple[list[Grant], list[str]]:
    """The driver's bucket grants, and its local tasks.

    - reads/writes of the tasks that run in the driver (no executor) on their exact prefixes;
    - read of the artifact prefix and of the deployment record prefix in its staging bucket;
    - read/write of the run records prefix (records and event-dedupe markers).
    """
    grants: set[Grant] = set()
    local: list[str] = []
    executor_names = {e.name for e in ir.executors}
    for task in ir.tasks:
        if task.runs_on is not None and task.runs_on in executor_names:
            continue
        local.append(task.node_id)
        for mode, names in (("read", task.reads), ("write", task.writes)):
            for name in names:
                key = ir.bucket_of[name]
                bucket = ir.bucket(key)
                part = next(p for p in bucket.parts if p.name == name)
                grants.add(Grant(key, part.path, mode))  # type: ignore[arg-type]
    own = f"{provider.key}/{staging}"
    grants.add(Grant(own, ARTIFACT_PREFIX, "read"))
    grants.add(Grant(own, RECORD_PREFIX, "read"))
    if runs is not None:
        runs_key = f"{provider.key}/{runs.bucket}"
        grants |= {Grant(runs_key, runs.prefix, "read"), Grant(runs_key, runs.prefix, "write")}
    return sorted(grants, key=lambda g: (g.bucket, g.prefix, g.mode)), local


def runs_location(
    pipeline: Any, provider: IRProvider, staging: str, bucket_key: Callable[[Any], str | None]
) -> tuple[RunsLocation | None, str | None]:
    """Where the driver writes run records (and a note when that is not its staging bucket).

    ``runs=False`` turns them off (and event dedupe with them: a note says so); a bucket of
    the pipeline's is used as is; a URI string names a bucket prefix."""
    setting = getattr(pipeline, "runs", None)
    if setting is None or setting is True:
        return RunsLocation(staging, RUNS_PREFIX), None
    if setting is False:
        return None, (
            f"pipeline {pipeline.name!r} has runs=False: the driver writes no run records, so "
            "repeated deliveries of one bucket event are not deduplicated"
        )
    from glacier.resources.bucket import Bucket

    if isinstance(setting, Bucket):
        if bucket_key(setting) is None:
            raise CompilerError(
                f"Pipeline {pipeline.name!r}: runs= names bucket {setting.bucket_name!r} of "
                "another provider than the driver's; its identity cannot be granted access. "
                "Use a bucket of the driver's provider, or leave runs= unset (the driver's "
                "staging bucket)."
            )
        return RunsLocation(setting.bucket_name, setting.path, own=True), None
    if isinstance(setting, str):
        match = re.match(r"^([a-z0-9]+)://([^/@]+)(?:@[^/]*)?/?(.*)$", setting)
        if match is None:
            raise CompilerError(
                f"Pipeline {pipeline.name!r}: runs={setting!r} is not a bucket URI the driver "
                "can be granted (s3://bucket/prefix/, gs://..., az://...); a local path only "
                "works on one machine. Leave runs= unset in the cloud."
            )
        prefix = match.group(3)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        return RunsLocation(match.group(2), prefix), None
    raise CompilerError(
        f"Pipeline {pipeline.name!r}: runs={type(setting).__name__} (a custom RunStore) "
        "cannot be granted to the cloud driver; leave runs= unset to use its staging bucket."
    )


def trigger_prefix(bucket: Bucket, prefix: str) -> tuple[str, str | None]:
    """``(key prefix, exact key)`` of a trigger on ``bucket``: a dataset watches its path plus
    ``prefix``; a single-object bucket watches that one key."""
    if bucket.is_dataset:
        return bucket.path + prefix, None
    return bucket.path, bucket.path


def build_deployment(
    ir: IRGraph,
    pipeline: Any,
    setting: DriverSetting | Literal["auto"],
    *,
    provider_of: Callable[[Any], IRProvider],
    cloud_supports: Callable[[str], bool],
) -> IRDeployment:
    """The deployment IR of ``pipeline`` (see :func:`driver_wanted` for ``setting``).

    ``provider_of(config)`` is the IR provider of a provider config (the IR builder's, so
    buckets only a trigger names get the same keys); ``cloud_supports(cloud)`` tells whether
    that cloud's emitter implements the driver (for ``"auto"``)."""
    out = IRDeployment()
    config, explicit, why = driver_wanted(setting, pipeline, cloud_supports)
    if config is None:
        return out
    provider, reason = _driver_cloud(ir, config, explicit, why)
    if provider is None:
        out.notes.append(f"no cloud driver: {reason}")
        return out
    if not explicit and not cloud_supports(provider.cloud):
        out.notes.append(
            f"no cloud driver: the {provider.cloud} plugin does not emit one yet (the pipeline "
            "runs from wherever `glacier run` is started, against the deployment record)"
        )
        return out
    staging = config.staging_bucket or default_staging_name(ir.pipeline)

    def bucket_key(bucket: Any) -> str | None:
        owner = provider_of(bucket.provider.config)
        return f"{owner.key}/{bucket.bucket_name}" if owner.key == provider.key else None

    runs, note = runs_location(pipeline, provider, staging, bucket_key)
    if note:
        out.notes.append(note)
    grants, local = driver_grants(ir, provider, staging, runs)
    tags: dict[str, str] = {}
    for bucket in ir.buckets:
        if bucket.provider.key == provider.key:
            tags = dict(bucket.tags)
            break
    out.driver = IRDriver(
        name=f"{ir.pipeline}-driver",
        pipeline=ir.pipeline,
        provider=provider,
        config=config,
        staging_bucket=staging,
        tags=tags,
        grants=grants,
        functions=[f.name for f in ir.functions if f.provider.cloud == provider.cloud],
        executors=[e.name for e in ir.executors if e.provider.cloud == provider.cloud],
        local_tasks=local,
        runs=runs,
    )
    out.artifact = IRArtifact(provider, staging)
    out.schedules += pipeline_schedules(ir, pipeline)
    out.triggers += pipeline_triggers(ir, pipeline, provider_of)
    out.alarms += pipeline_alarms(ir, pipeline)
    return out


def pipeline_triggers(
    ir: IRGraph, pipeline: Any, provider_of: Callable[[Any], IRProvider]
) -> list[IRTrigger]:
    """The pipeline's ``OnWrite`` triggers (``provider_of``: a Glacier provider config ->
    its IR provider)."""
    from glacier.schedule.trigger import trigger_param

    out: list[IRTrigger] = []
    triggers: Sequence[Any] = getattr(pipeline, "triggers", ()) or ()
    for n, trigger in enumerate(triggers, start=1):
        owner = provider_of(trigger.bucket.provider.config)
        key = f"{owner.key}/{trigger.bucket.bucket_name}"
        ir_bucket = next((b for b in ir.buckets if b.key == key), None)
        prefix, exact = trigger_prefix(trigger.bucket, trigger.prefix)
        out.append(
            IRTrigger(
                name=f"{ir.pipeline}-on-write" + ("" if n == 1 else f"-{n}"),
                id=trigger.id,
                provider=owner,
                bucket_name=trigger.bucket.bucket_name,
                bucket_key=key if ir_bucket is not None else None,
                prefix=prefix,
                suffixes=trigger.suffixes,
                exact_key=exact,
                param=trigger_param(trigger, pipeline.fn, ir.pipeline),
                managed=ir_bucket is not None and not ir_bucket.existing,
            )
        )
    return out


def pipeline_schedules(ir: IRGraph, pipeline: Any) -> list[IRSchedule]:
    """The pipeline's ``schedule`` (none or one)."""
    schedule = getattr(pipeline, "schedule", None)
    if schedule is None:
        return []
    from glacier.schedule.cron import schedule_param

    return [
        IRSchedule(
            name=f"{ir.pipeline}-schedule",
            cron=schedule.cron,
            timezone=schedule.timezone,
            param=schedule_param(schedule, pipeline.fn, ir.pipeline),
        )
    ]


def pipeline_alarms(ir: IRGraph, pipeline: Any) -> list[IRAlarm]:
    """The pipeline's ``on_failure`` alerts."""
    return [
        IRAlarm(
            name=f"{ir.pipeline}-on-failure" + ("" if n == 1 else f"-{n}"),
            emails=tuple(alert.emails),
            webhook=alert.webhook,
        )
        for n, alert in enumerate(getattr(pipeline, "on_failure", ()) or (), start=1)
    ]
