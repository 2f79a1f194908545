"""DatabricksAdapter: one job = one ``jobs/runs/submit`` run of a ``spark_python_task`` that
starts Glacier's entry script with the staged spec's URI.

Runs on any provider: the staging bucket belongs to the executor's provider and must be
readable by the workspace (``s3://``, ``abfss://``, ``gs://``, ``dbfs:/``). The code artifact is
a ``whl`` library of the task (the cluster pip-installs it with its pinned requirements). The
cluster: the deployment record's cluster (``id``) for this executor, else
``DatabricksConfig.existing_cluster_id``, else a new job cluster per run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glacier.plugin import ExecutorAdapter, JobStatus, deployed_value, stage_job
from glacier_databricks.config import DatabricksConfig

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service.jobs import Run, SubmitTask

    from glacier.plugin import Executor, Provider

TASK_KEY = "glacier"

_PENDING = {"PENDING", "QUEUED", "BLOCKED", "WAITING_FOR_RETRY"}
_RUNNING = {"RUNNING", "TERMINATING"}
_CANCELLED = {"CANCELED", "UPSTREAM_CANCELED", "DISABLED", "EXCLUDED"}


def status_of(life_cycle: str | None, result: str | None) -> JobStatus:
    """Map a Databricks run state (life cycle + result) to a :class:`JobStatus`."""
    if life_cycle in _PENDING or life_cycle is None:
        return JobStatus.PENDING
    if life_cycle in _RUNNING:
        return JobStatus.RUNNING
    if life_cycle == "SKIPPED":
        return JobStatus.CANCELLED
    if life_cycle == "TERMINATED":
        if result in ("SUCCESS", "SUCCESS_WITH_FAILURES"):
            return JobStatus.SUCCEEDED
        if result in _CANCELLED:
            return JobStatus.CANCELLED
    return JobStatus.FAILED  # INTERNAL_ERROR, FAILED, TIMEDOUT, ...


class DatabricksAdapter(ExecutorAdapter):
    """Submits job packages to a Databricks workspace (Jobs API 2.2 through databricks-sdk)."""

    def __init__(self, resource: Executor, provider: Provider) -> None:
        super().__init__(resource, provider)
        self.settings.validate_instance_type(provider.config)
        self._client: WorkspaceClient | None = None

    @property
    def settings(self) -> DatabricksConfig:
        config = self.resource.config
        assert isinstance(config, DatabricksConfig)
        return config

    @property
    def client(self) -> WorkspaceClient:
        """The workspace client: the record's workspace URL or explicit host, token/profile,
        else the SDK's own defaults
        (DATABRICKS_HOST / DATABRICKS_TOKEN, ~/.databrickscfg, cloud auth)."""
        if self._client is None:
            from databricks.sdk import WorkspaceClient

            s = self.settings
            kwargs: dict[str, Any] = {}
            host = deployed_value(self.resource, "url") or s.host
            if host:
                kwargs["host"] = host
            if s.token is not None:
                kwargs["token"] = s.token.get_secret_value()
                kwargs["auth_type"] = "pat"
            if s.profile:
                kwargs["profile"] = s.profile
            self._client = WorkspaceClient(**kwargs)
        return self._client

    # -- submit --------------------------------------------------------------------------
    @property
    def cluster_id(self) -> str | None:
        """The deployed cluster (record ``id``), else the configured existing cluster."""
        return deployed_value(self.resource, "id") or self.settings.existing_cluster_id

    def build_task(
        self, entry_uri: str, spec_uri: str, artifact_uri: str | None = None
    ) -> SubmitTask:
        """The one-task run: ``spark_python_task`` on a new job cluster or an existing one,
        with the code artifact as a ``whl`` library."""
        from databricks.sdk.service import compute, jobs

        s = self.settings
        libraries = [compute.Library(whl=artifact_uri)] if artifact_uri else []
        libraries += [
            compute.Library(pypi=compute.PythonPyPiLibrary(package=p)) for p in s.libraries
        ]
        task = jobs.SubmitTask(
            task_key=TASK_KEY,
            spark_python_task=jobs.SparkPythonTask(python_file=entry_uri, parameters=[spec_uri]),
            libraries=libraries or None,
        )
        if self.cluster_id:
            task.existing_cluster_id = self.cluster_id
            return task
        autoscale = None
        if s.autoscale_min_workers is not None and s.autoscale_max_workers is not None:
            autoscale = compute.AutoScale(
                min_workers=s.autoscale_min_workers, max_workers=s.autoscale_max_workers
            )
        task.new_cluster = compute.ClusterSpec(
            spark_version=s.spark_version,
            node_type_id=s.node_type_for(self.provider.config),
            num_workers=None if autoscale else s.num_workers,
            autoscale=autoscale,
            policy_id=s.policy_id,
            spark_conf=s.spark_conf or None,
        )
        return task

    def submit_job(self, job: dict[str, Any]) -> str:
        staged = stage_job(job, provider=self.provider, entry_uri=self.settings.entrypoint_uri)
        waiter = self.client.jobs.submit(
            run_name=staged.name,
            tasks=[
                self.build_task(
                    staged.entry_uri,
                    staged.spec_uri,
                    staged.spec.artifact.uri if staged.spec.artifact else None,
                )
            ],
            timeout_seconds=self.settings.timeout_seconds or None,
            idempotency_token=staged.spec.job_id[:64],
        )
        return str(waiter.run_id)

    # -- observe -------------------------------------------------------------------------
    def _run(self, job_id: str) -> Run:
        return self.client.jobs.get_run(int(job_id))

    def get_job_status(self, job_id: str) -> JobStatus:
        state = self._run(job_id).state
        if state is None:
            return JobStatus.PENDING
        life = state.life_cycle_state.value if state.life_cycle_state else None
        result = state.result_state.value if state.result_state else None
        return status_of(life, result)

    def cancel_job(self, job_id: str) -> None:
        if self.get_job_status(job_id).finished:
            return
        self.client.jobs.cancel_run(int(job_id))

    def get_job_error(self, job_id: str) -> str | None:
        """The run's ``state_message`` and the task's error (``runs/get-output``)."""
        run = self._run(job_id)
        parts: list[str] = []
        if run.state is not None and run.state.state_message:
            parts.append(run.state.state_message)
        for task in run.tasks or []:
            if task.run_id is None:
                continue
            output = self.client.jobs.get_run_output(task.run_id)
            if output.error:
                parts.append(output.error)
            if output.error_trace:
                parts.append(output.error_trace[-4000:])
        return "\n".join(parts) or None

    def get_run_url(self, job_id: str) -> str | None:
        return self._run(job_id).run_page_url
