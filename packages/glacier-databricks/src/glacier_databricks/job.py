"""The pipeline as ONE Databricks Job (``DatabricksConfig(orchestrate="job")``), emitted by
:meth:`glacier_databricks.pulumi.DatabricksEmitter.job_resource`.

A ``python_wheel_task`` per Glacier task, on its executor's job cluster (created for each
run, with the executor's compute and identity) or its ``existing_cluster_id``; the code
artifact as its ``whl`` library, running ``glacier run <entry> --task <key> --run-key
{{job.run_id}}``; ``depends_ons`` = the DAG; the schedule as Quartz cron; an ``OnWrite``
trigger as the Job's file-arrival trigger; ``on_failure`` as e-mail and webhook
notifications (see docs/deploy.md).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from glacier.plugin import Call, CompilerError, Expr, UnsupportedFeatureError
from glacier_databricks.config import DatabricksConfig
from glacier_databricks.quartz import quartz_cron

if TYPE_CHECKING:
    from glacier.plugin import ArtifactHandle, IRJob, IRJobTask, ProgramWriter
    from glacier_databricks.pulumi import DatabricksEmitter

#: The run key of every task of one job run: the Databricks job run id (dynamic value
#: reference, substituted by Databricks; the same for every task and kept by repair runs).
RUN_KEY = "{{job.run_id}}"
#: When the run was triggered (the schedule's tick for scheduled runs): the logical date.
TRIGGER_TIME = "{{job.trigger.time.iso_datetime}}"


def emit_job(
    emitter: DatabricksEmitter, job: IRJob, artifact: ArtifactHandle, out: ProgramWriter
) -> str:
    """One ``databricks.Job``: a ``python_wheel_task`` per Glacier task on its executor's
    job cluster (or existing cluster) with the artifact as a ``whl`` library, running
    ``glacier run <entry> --task <key> --run-key {{job.run_id}}``; ``depends_ons`` = the
    DAG; the schedule as Quartz cron; on_failure e-mails and webhooks (a notification
    destination each)."""
    configs = _job_configs(job, out)
    trigger = _file_arrival(emitter, job, out)  # checked before anything is emitted
    first = configs[job.tasks[0].executor]
    provider = emitter.workspace_provider(first, out)
    extra: list[str] = []
    if job.schedule is not None and job.schedule.param:
        extra = ["--scheduled-at", TRIGGER_TIME]
    tasks = [_job_task(t, configs[t.executor], artifact, extra, out) for t in job.tasks]
    clusters, deps = _job_clusters(emitter, configs, provider, out)
    args: dict[str, Any] = {
        "name": f"glacier-{job.pipeline}",
        "description": f"Glacier pipeline {job.pipeline!r}: one task per task of its DAG",
        "job_clusters": clusters or None,
        "tasks": tasks,
        "trigger": trigger,
        "tags": job.tags or None,
    }
    if job.schedule is not None:
        try:
            quartz = quartz_cron(job.schedule.cron)
        except ValueError as exc:
            raise UnsupportedFeatureError(
                f"Schedule {job.schedule.cron!r} of pipeline {job.pipeline!r}",
                "Databricks Jobs (Quartz cron)",
                "a cron expression with '*' in day-of-month or day-of-week",
                str(exc),
            ) from None
        args["schedule"] = Call(
            "databricks.JobScheduleArgs",
            {
                "quartz_cron_expression": quartz,
                "timezone_id": job.schedule.timezone,
                "pause_status": "UNPAUSED",
            },
        )
    emails = sorted({e for alarm in job.alarms for e in alarm.emails})
    if emails:
        args["email_notifications"] = Call(
            "databricks.JobEmailNotificationsArgs", {"on_failures": emails}
        )
    hooks = [_webhook(a.name, a.webhook, provider, out) for a in job.alarms if a.webhook]
    if hooks:
        args["webhook_notifications"] = Call(
            "databricks.JobWebhookNotificationsArgs",
            {
                "on_failures": [
                    Call("databricks.JobWebhookNotificationsOnFailureArgs", {"id": h})
                    for h in hooks
                ]
            },
        )
    var = out.resource(
        "databricks.Job",
        job.name,
        args,
        comment=[
            f"Pipeline {job.pipeline!r} as ONE Databricks Job: {len(job.tasks)} tasks "
            "following its DAG (depends_ons), each `glacier run <entry> --task <key> "
            "--run-key {{job.run_id}}`",
            "from the code artifact; task outputs pass through "
            "<staging>/_glacier/jobs/dag-runs/<run id>/",
        ],
        depends_on=deps,
        extra_opts={"provider": Expr(provider)},
        var_hint=f"{job.pipeline}_job",
    )
    out.deployment.resource(
        job.name,
        "driver",
        name=f"glacier-{job.pipeline}",
        id=Expr(f"{var}.id"),
        url=Expr(f"{var}.url"),
        staging_bucket=job.artifact.bucket,
        properties={"engine": "databricks", "orchestrates": "job"},
    )
    out.export(f"databricks job {job.name}", Expr(f"{var}.id"))
    return var


def _file_arrival(emitter: DatabricksEmitter, job: IRJob, out: ProgramWriter) -> Call | None:
    """The pipeline's ``OnWrite`` trigger as the Job's file-arrival trigger: Databricks
    starts a run when new files appear under the bucket prefix (it checks about once a
    minute; several files can start one run). The location must be readable through a
    Unity Catalog external location (Databricks' requirement). What a Job cannot do is
    refused here, before anything is emitted."""
    if not job.triggers:
        return None

    def refuse(what: str, fix: str) -> UnsupportedFeatureError:
        return UnsupportedFeatureError(what, "Databricks Jobs (file-arrival trigger)", fix)

    if len(job.triggers) > 1:
        raise refuse(
            f"{len(job.triggers)} OnWrite triggers on pipeline {job.pipeline!r}",
            "one OnWrite per pipeline (a Job has one trigger)",
        )
    (trigger,) = job.triggers
    if job.schedule is not None:
        raise refuse(
            f"OnWrite and a schedule on pipeline {job.pipeline!r}",
            "either the schedule or the trigger (a Job has one of them)",
        )
    if trigger.param is not None:
        raise refuse(
            f"OnWrite handing the written object to parameter {trigger.param!r} of pipeline "
            f"{job.pipeline!r}",
            "a pipeline without that parameter (a file-arrival run is not told which files "
            "arrived), or orchestrate='driver' (the driver runs once per object)",
        )
    if trigger.suffixes or trigger.exact_key:
        raise refuse(
            f"OnWrite on {trigger.bucket_name!r} filtered by suffix or single object",
            "OnWrite on a dataset prefix without suffix= (any new file starts the Job)",
        )
    if trigger.bucket_key is None or trigger.provider.key != job.provider.key:
        raise refuse(
            f"OnWrite on bucket {trigger.bucket_name!r}, which no task of the Job's provider uses",
            "a bucket of the pipeline's provider that its tasks read or write",
        )
    url = emitter.host.object_uri(out.handles.bucket(trigger.bucket_key), trigger.prefix)
    return Call(
        "databricks.JobTriggerArgs",
        {
            "file_arrival": Call("databricks.JobTriggerFileArrivalArgs", {"url": url}),
            "pause_status": "UNPAUSED",
        },
    )


def _job_configs(job: IRJob, out: ProgramWriter) -> dict[str, DatabricksConfig]:
    """The executors' configs; all in one workspace (one Job lives in one)."""
    configs: dict[str, DatabricksConfig] = {}
    for name in job.executors():
        cfg = out.handles.executors[name].compute.config
        assert isinstance(cfg, DatabricksConfig)
        configs[name] = cfg
    workspaces = {(c.host, c.profile) for c in configs.values()}
    if len(workspaces) > 1:
        names = ", ".join(f"{n!r} (host={c.host!r})" for n, c in configs.items())
        raise CompilerError(
            f"Pipeline {job.pipeline!r} runs as one Databricks Job, but its executors name "
            f"several workspaces ({names}); a Job lives in one workspace: give them the same "
            "host/profile."
        )
    return configs


def _job_task(
    task: IRJobTask,
    cfg: DatabricksConfig,
    artifact: ArtifactHandle,
    extra: list[str],
    out: ProgramWriter,
) -> Call:
    """One task of the Job: its executor's job cluster (or existing cluster), the
    artifact, ``glacier run``."""
    existing = cfg.existing_cluster_id
    libraries = [Call("databricks.JobTaskLibraryArgs", {"whl": artifact.uri})]
    libraries += [
        Call(
            "databricks.JobTaskLibraryArgs",
            {"pypi": Call("databricks.JobTaskLibraryPypiArgs", {"package": lib})},
        )
        for lib in cfg.libraries
    ]
    timeout = math.ceil(task.timeout) if task.timeout else cfg.timeout_seconds
    info = artifact.info
    return Call(
        "databricks.JobTaskArgs",
        {
            "task_key": task.key,
            "description": f"Glacier task {task.node_id!r} (executor {task.executor!r})",
            "depends_ons": [
                Call("databricks.JobTaskDependsOnArgs", {"task_key": key})
                for key in task.depends_on
            ]
            or None,
            "existing_cluster_id": existing,
            "job_cluster_key": None if existing else job_cluster_key(task.executor),
            "libraries": libraries,
            "python_wheel_task": Call(
                "databricks.JobTaskPythonWheelTaskArgs",
                {
                    # the artifact's distribution (glacier_app_<pipeline>) vendors
                    # glacier-core and its `glacier` console script
                    "package_name": Expr(f'{info}["filename"].split("-")[0]'),
                    "entry_point": "glacier",
                    "parameters": [
                        "run",
                        Expr(f'{info}["entry"]'),
                        "--task",
                        task.key,
                        "--run-key",
                        RUN_KEY,
                        *extra,
                    ],
                },
            ),
            "max_retries": task.retries or None,
            "min_retry_interval_millis": round(task.retry_delay * 1000) if task.retries else None,
            "timeout_seconds": timeout or None,
        },
    )


def _webhook(name: str, url: str | None, provider: str, out: ProgramWriter) -> Expr:
    """A generic-webhook notification destination; returns its id."""
    var = out.resource(
        "databricks.NotificationDestination",
        name,
        {
            "display_name": f"glacier-{name}",
            "config": Call(
                "databricks.NotificationDestinationConfigArgs",
                {
                    "generic_webhook": Call(
                        "databricks.NotificationDestinationConfigGenericWebhookArgs",
                        {"url": url},
                    )
                },
            ),
        },
        comment=f"Webhook called when a run of the job fails ({name})",
        extra_opts={"provider": Expr(provider)},
        var_hint=f"{name}_destination",
    )
    return Expr(f"{var}.id")


def _job_clusters(
    emitter: DatabricksEmitter,
    configs: dict[str, DatabricksConfig],
    provider: str,
    out: ProgramWriter,
) -> tuple[list[Call], list[str]]:
    """One job cluster per executor without ``existing_cluster_id``: created for each
    run of the Job and terminated after it (Jobs Compute, billed at the jobs rate; no
    idle all-purpose cluster). Returns the Job's ``job_clusters`` and what they need."""
    clusters: list[Call] = []
    deps: list[str] = []
    for name, cfg in sorted(configs.items()):
        if cfg.existing_cluster_id:
            continue
        handle = out.handles.executors[name]
        attributes, needs = emitter.node_attributes(
            handle.compute, handle.identity.var, provider, "JobJobClusterNewCluster", out
        )
        deps += needs
        spec = emitter.nodes(handle.compute, cfg, attributes, "JobJobClusterNewCluster")
        clusters.append(
            Call(
                "databricks.JobJobClusterArgs",
                {
                    "job_cluster_key": job_cluster_key(name),
                    "new_cluster": Call("databricks.JobJobClusterNewClusterArgs", spec),
                },
            )
        )
    return clusters, deps


def job_cluster_key(executor: str) -> str:
    """The Job's key of an executor's job cluster (letters, digits, ``-`` and ``_``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", executor)[:100]
