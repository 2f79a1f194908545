"""Pulumi emitter of the Databricks plugin (``glacier_databricks.pulumi:DatabricksEmitter``).

Databricks runs on any cloud: the cloud's emitter creates the executor's identity and its
least-privilege grants (and the staging access); this engine emitter binds that identity to
Databricks compute (pulumi-databricks 1.x) and creates the cluster:

* AWS: ``aws.iam.InstanceProfile`` of the role, registered as ``databricks.InstanceProfile``,
  used by the cluster (``aws_attributes.instance_profile_arn``);
* Azure: an ``azure_native.databricks.AccessConnector`` with the user-assigned identity and a
  Unity Catalog ``databricks.StorageCredential`` for it;
* GCP: the cluster runs as the service account (``gcp_attributes.google_service_account``).

The cluster's node type, workers/autoscale, Spark version, Spark conf, policy and libraries
come from :class:`DatabricksConfig`; with ``existing_cluster_id`` no cluster is created. The
workspace token is never written to the program: the ``databricks.Provider`` takes ``host``
and ``profile`` only, and authenticates from DATABRICKS_TOKEN / ``pulumi config``.

With ``DatabricksConfig(orchestrate="job")`` on every executor of a pipeline, the pipeline
compiles to ONE ``databricks.Job`` instead of a cloud driver (:meth:`job_resource`): a
``python_wheel_task`` per Glacier task on its executor's *job cluster* (created for each run
and terminated after it, with the same compute settings; no all-purpose cluster is created)
or its ``existing_cluster_id``, the code artifact as its ``whl`` library, native
``depends_ons`` following the DAG, the schedule as Quartz cron and ``on_failure`` as
e-mail/webhook notifications (see docs/deploy.md).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, ClassVar

from glacier.plugin import Call, CompilerError, EngineEmitter, Expr, UnsupportedFeatureError
from glacier_databricks.config import DatabricksConfig
from glacier_databricks.quartz import quartz_cron

if TYPE_CHECKING:
    from glacier.plugin import (
        ArtifactHandle,
        BucketHandle,
        IdentityHandle,
        IRCompute,
        IRJob,
        IRJobTask,
        ProgramWriter,
    )

IMPORT = "import pulumi_databricks as databricks"
REQUIREMENT = "pulumi-databricks>=1.100,<2"
#: Minutes of inactivity after which the cluster terminates (it restarts on the next job).
AUTOTERMINATION_MINUTES = 30
#: The run key of every task of one job run: the Databricks job run id (dynamic value
#: reference, substituted by Databricks; the same for every task and kept by repair runs).
RUN_KEY = "{{job.run_id}}"
#: When the run was triggered (the schedule's tick for scheduled runs): the logical date.
TRIGGER_TIME = "{{job.trigger.time.iso_datetime}}"


class DatabricksEmitter(EngineEmitter):
    """Databricks executors: on AWS clusters assume the role through an EC2 instance profile."""

    trusted_services: ClassVar[dict[str, str]] = {"aws": "ec2.amazonaws.com"}

    def executor_resource(
        self,
        executor: IRCompute,
        handle: IdentityHandle,
        staging: BucketHandle | None,
        out: ProgramWriter,
    ) -> str | None:
        """Provider, identity binding for the executor's cloud, and the cluster (its variable
        is returned; None with ``existing_cluster_id``)."""
        identity = handle.var
        cfg = executor.config
        assert isinstance(cfg, DatabricksConfig)
        out.add_import(IMPORT)
        if REQUIREMENT not in self.ir.program_requirements:
            self.ir.program_requirements.append(REQUIREMENT)
        provider = self.workspace_provider(cfg, out)
        if executor.provider.cloud == "azure":
            self._azure_access_connector(executor, identity, provider, out)
        attributes, deps = self._node_attributes(executor, identity, provider, "Cluster", out)
        if cfg.existing_cluster_id or cfg.orchestrate == "job":
            return None  # job mode: the Job starts a job cluster per run (job_resource)
        return self._cluster(executor, cfg, attributes, provider, deps, out)

    def _node_attributes(
        self, executor: IRCompute, identity: str, provider: str, kind: str, out: ProgramWriter
    ) -> tuple[dict[str, Any], list[str]]:
        """How the executor's nodes take its identity, as arguments of a ``kind``
        (``Cluster`` or ``JobJobClusterNewCluster``), and the resources they need first."""
        cloud = executor.provider.cloud
        if cloud == "aws":
            profile = self._aws_instance_profile(executor, identity, provider, out)
            attributes = Call(
                f"databricks.{kind}AwsAttributesArgs",
                {"instance_profile_arn": Expr(f"{profile}.instance_profile_arn")},
            )
            return {"aws_attributes": attributes}, [profile]
        if cloud == "gcp":
            attributes = Call(
                f"databricks.{kind}GcpAttributesArgs",
                {"google_service_account": Expr(f"{identity}.email")},
            )
            return {"gcp_attributes": attributes}, []
        return {}, []  # Azure: the access connector / storage credential

    # -- the pipeline as one Databricks Job ---------------------------------------------
    def orchestrates(self, executor: IRCompute) -> bool:
        """``DatabricksConfig(orchestrate="job")``: the pipeline compiles to one Job."""
        cfg = executor.config
        return isinstance(cfg, DatabricksConfig) and cfg.orchestrate == "job"

    def job_resource(self, job: IRJob, artifact: ArtifactHandle, out: ProgramWriter) -> str:
        """One ``databricks.Job``: a ``python_wheel_task`` per Glacier task on its executor's
        job cluster (or existing cluster) with the artifact as a ``whl`` library, running
        ``glacier run <entry> --task <key> --run-key {{job.run_id}}``; ``depends_ons`` = the
        DAG; the schedule as Quartz cron; on_failure e-mails and webhooks (a notification
        destination each)."""
        configs = self._job_configs(job, out)
        first = configs[job.tasks[0].executor]
        provider = self.workspace_provider(first, out)
        extra: list[str] = []
        if job.schedule is not None and job.schedule.param:
            extra = ["--scheduled-at", TRIGGER_TIME]
        tasks = [self._job_task(t, configs[t.executor], artifact, extra, out) for t in job.tasks]
        clusters, deps = self._job_clusters(configs, provider, out)
        args: dict[str, Any] = {
            "name": f"glacier-{job.pipeline}",
            "description": f"Glacier pipeline {job.pipeline!r}: one task per task of its DAG",
            "job_clusters": clusters or None,
            "tasks": tasks,
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
        hooks = [self._webhook(a.name, a.webhook, provider, out) for a in job.alarms if a.webhook]
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

    def _job_configs(self, job: IRJob, out: ProgramWriter) -> dict[str, DatabricksConfig]:
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
        self,
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
                "min_retry_interval_millis": round(task.retry_delay * 1000)
                if task.retries
                else None,
                "timeout_seconds": timeout or None,
            },
        )

    def _webhook(self, name: str, url: str | None, provider: str, out: ProgramWriter) -> Expr:
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

    # -- pieces --------------------------------------------------------------------------
    def workspace_provider(self, cfg: DatabricksConfig, out: ProgramWriter) -> str:
        """One explicit ``databricks.Provider`` per (host, profile); never a token."""

        def emit() -> str:
            return out.resource(
                "databricks.Provider",
                "databricks",
                {"host": cfg.host, "profile": cfg.profile},
                comment=(
                    "Databricks workspace (token from DATABRICKS_TOKEN or `pulumi config set "
                    "--secret databricks:token`, never from the program)"
                ),
                var_hint="databricks_workspace",
            )

        return out.handles.once(("databricks-provider", cfg.host, cfg.profile), emit)

    def _aws_instance_profile(
        self, executor: IRCompute, role: str, provider: str, out: ProgramWriter
    ) -> str:
        return out.handles.once(
            ("databricks-instance-profile", executor.name),
            lambda: self._emit_instance_profile(executor, role, provider, out),
        )

    def _emit_instance_profile(
        self, executor: IRCompute, role: str, provider: str, out: ProgramWriter
    ) -> str:
        profile = out.resource(
            "aws.iam.InstanceProfile",
            f"{executor.name}-profile",
            {"role": Expr(f"{role}.name"), "tags": executor.tags or None},
            comment=f"Instance profile of {executor.name!r}'s role (Databricks cluster nodes)",
            provider=executor.provider,
            var_hint=f"{executor.name}_instance_profile",
        )
        return out.resource(
            "databricks.InstanceProfile",
            f"{executor.name}-profile",
            {
                "instance_profile_arn": Expr(f"{profile}.arn"),
                "iam_role_arn": Expr(f"{role}.arn"),
            },
            comment="Registered in the workspace so clusters can use it",
            extra_opts={"provider": Expr(provider)},
            var_hint=f"{executor.name}_databricks_profile",
        )

    def _azure_access_connector(
        self, executor: IRCompute, identity: str, provider: str, out: ProgramWriter
    ) -> str:
        connector = out.resource(
            "azure_native.databricks.AccessConnector",
            f"{executor.name}-connector",
            {
                **self.host.placement(executor.provider, out),
                "identity": Call(
                    "azure_native.databricks.ManagedServiceIdentityArgs",
                    {
                        "type": "UserAssigned",
                        "user_assigned_identities": [Expr(f"{identity}.id")],
                    },
                ),
                "tags": executor.tags or None,
            },
            comment=f"Access connector: Databricks uses {executor.name!r}'s identity",
            provider=executor.provider,
            var_hint=f"{executor.name}_connector",
        )
        return out.resource(
            "databricks.StorageCredential",
            f"{executor.name}-credential",
            {
                "name": f"glacier-{executor.name}",
                "azure_managed_identity": Call(
                    "databricks.StorageCredentialAzureManagedIdentityArgs",
                    {
                        "access_connector_id": Expr(f"{connector}.id"),
                        "managed_identity_id": Expr(f"{identity}.id"),
                    },
                ),
                "comment": f"Glacier executor {executor.name}: its own identity",
            },
            comment="Unity Catalog storage credential of the identity",
            extra_opts={"provider": Expr(provider)},
            var_hint=f"{executor.name}_credential",
        )

    def _cluster(
        self,
        executor: IRCompute,
        cfg: DatabricksConfig,
        attributes: dict[str, Any],
        provider: str,
        deps: list[str],
        out: ProgramWriter,
    ) -> str:
        spec = self._nodes(executor, cfg, attributes, "Cluster")
        node_type, autoscale = spec["node_type_id"], spec["autoscale"]
        libraries = [
            Call(
                "databricks.ClusterLibraryArgs",
                {"pypi": Call("databricks.ClusterLibraryPypiArgs", {"package": lib})},
            )
            for lib in cfg.libraries
        ]
        workers = (
            f"{cfg.autoscale_min_workers}-{cfg.autoscale_max_workers}"
            if autoscale
            else str(cfg.num_workers)
        )
        var = out.resource(
            "databricks.Cluster",
            executor.name,
            {
                "cluster_name": f"glacier-{executor.name}",
                "spark_version": spec["spark_version"],
                "node_type_id": node_type,
                "num_workers": spec["num_workers"],
                "autoscale": autoscale,
                "autotermination_minutes": AUTOTERMINATION_MINUTES,
                "policy_id": spec["policy_id"],
                "spark_conf": spec["spark_conf"],
                "libraries": libraries or None,
                "custom_tags": spec["custom_tags"],
                **attributes,
            },
            comment=[
                f"Glacier executor {executor.name!r}: Databricks cluster, {workers} x {node_type}",
                f"Spark {cfg.spark_version}, terminates after {AUTOTERMINATION_MINUTES} idle "
                "minutes; set DatabricksConfig(existing_cluster_id=...) to the exported id",
            ],
            depends_on=deps,
            extra_opts={"provider": Expr(provider)},
            var_hint=f"{executor.name}_cluster",
        )
        out.export(f"executor {executor.name} databricks cluster", Expr(f"{var}.cluster_id"))
        return var

    def _nodes(
        self, executor: IRCompute, cfg: DatabricksConfig, attributes: dict[str, Any], kind: str
    ) -> dict[str, Any]:
        """The compute of an all-purpose cluster or a job cluster (``kind``): Spark version,
        node type, workers or autoscale, policy, Spark conf, tags, identity attributes."""
        autoscale = None
        if cfg.autoscale_min_workers is not None and cfg.autoscale_max_workers is not None:
            autoscale = Call(
                f"databricks.{kind}AutoscaleArgs",
                {
                    "min_workers": cfg.autoscale_min_workers,
                    "max_workers": cfg.autoscale_max_workers,
                },
            )
        return {
            "spark_version": cfg.spark_version,
            "node_type_id": cfg.node_type_for(executor.provider.config),
            "num_workers": None if autoscale else cfg.num_workers,
            "autoscale": autoscale,
            "policy_id": cfg.policy_id,
            "spark_conf": dict(cfg.spark_conf) or None,
            "custom_tags": executor.tags or None,
            **attributes,
        }

    def _job_clusters(
        self, configs: dict[str, DatabricksConfig], provider: str, out: ProgramWriter
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
            attributes, needs = self._node_attributes(
                handle.compute, handle.identity.var, provider, "JobJobClusterNewCluster", out
            )
            deps += needs
            spec = self._nodes(handle.compute, cfg, attributes, "JobJobClusterNewCluster")
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
