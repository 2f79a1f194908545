"""GlueAdapter: a job = one ``start_job_run`` of a Glue Spark job whose script is Glacier's
entry script; the staged spec's URI is passed as ``--glacier-spec``.

With ``GlueConfig.job_name`` the named (deployed) job is run; otherwise the adapter creates or
updates ``glacier-<executor name>`` (needs ``GlueConfig.role_arn``).
"""

from __future__ import annotations

import threading
from typing import Any

from glacier.adapters.base import ExecutorAdapter, JobStatus
from glacier.errors import ConfigError
from glacier.spark.package import (
    ENTRY_NAME,
    entrypoint_source,
    prefix_uri,
    stage_job,
    write_ref_text,
)
from glacier_aws.config import AwsConfig, GlueConfig
from glacier_aws.credentials import aws_client

SPEC_ARG = "--glacier-spec"

_STATES = {
    "STARTING": JobStatus.PENDING,
    "WAITING": JobStatus.PENDING,
    "RUNNING": JobStatus.RUNNING,
    "STOPPING": JobStatus.RUNNING,
    "STOPPED": JobStatus.CANCELLED,
    "SUCCEEDED": JobStatus.SUCCEEDED,
}


def status_of(state: str) -> JobStatus:
    """Map a Glue JobRunState (FAILED, TIMEOUT, ERROR, EXPIRED → FAILED)."""
    return _STATES.get(state, JobStatus.FAILED)


class GlueAdapter(ExecutorAdapter):
    """Runs job packages as AWS Glue job runs (boto3)."""

    def __init__(self, resource: Any, provider: Any) -> None:
        super().__init__(resource, provider)
        self._client: Any | None = None
        self._job_ready: str | None = None
        self._entry: str | None = None
        self._lock = threading.Lock()

    @property
    def settings(self) -> GlueConfig:
        config = self.resource.config
        assert isinstance(config, GlueConfig)
        return config

    @property
    def client(self) -> Any:
        if self._client is None:
            config = self.provider.config
            assert isinstance(config, AwsConfig)
            self._client = aws_client(config, "glue", self.settings.endpoint_url)
        return self._client

    @property
    def job_name(self) -> str:
        return self.settings.job_name or f"glacier-{self.resource.name}"

    def _entry_uri(self) -> str:
        """One entry script per executor, uploaded on first use (Glue jobs name one script)."""
        if self.settings.entrypoint_uri:
            return self.settings.entrypoint_uri
        if self._entry is None:
            staging = self.staging("_entrypoint")
            write_ref_text(staging.child(ENTRY_NAME), entrypoint_source(), self.provider)
            self._entry = prefix_uri(staging, self.provider) + ENTRY_NAME
        return self._entry

    def ensure_job(self) -> str:
        """The Glue job to run: the configured one, or glacier-<name> created/updated once."""
        with self._lock:
            if self._job_ready:
                return self._job_ready
            s = self.settings
            if s.job_name:
                self._job_ready = s.job_name
                return s.job_name
            if not s.role_arn:
                raise ConfigError(
                    f"Executor {self.resource.name!r}: GlueConfig needs job_name (a deployed "
                    "Glue job running Glacier's entry script) or role_arn (to create one)."
                )
            definition: dict[str, Any] = {
                "Role": s.role_arn,
                "Command": {
                    "Name": "glueetl",
                    "ScriptLocation": self._entry_uri(),
                    "PythonVersion": "3",
                },
                "GlueVersion": s.glue_version,
                "WorkerType": s.worker_type,
                "NumberOfWorkers": s.num_workers,
                "Timeout": s.timeout_minutes,
                "MaxRetries": s.max_retries,
                "DefaultArguments": {"--job-language": "python"},
            }
            if s.additional_python_modules:
                definition["DefaultArguments"]["--additional-python-modules"] = ",".join(
                    s.additional_python_modules
                )
            try:
                self.client.create_job(Name=self.job_name, **definition)
            except self.client.exceptions.AlreadyExistsException:
                self.client.update_job(JobName=self.job_name, JobUpdate=definition)
            self._job_ready = self.job_name
            return self.job_name

    @staticmethod
    def _split(job_id: str) -> tuple[str, str]:
        name, _, run_id = job_id.rpartition(":")
        return name, run_id

    def submit_job(self, job: dict[str, Any]) -> str:
        name = self.ensure_job()
        staged = stage_job(job, provider=self.provider, entry_uri=self._entry_uri())
        response = self.client.start_job_run(JobName=name, Arguments={SPEC_ARG: staged.spec_uri})
        return f"{name}:{response['JobRunId']}"

    def _run(self, job_id: str) -> dict[str, Any]:
        name, run_id = self._split(job_id)
        return dict(self.client.get_job_run(JobName=name, RunId=run_id)["JobRun"])

    def get_job_status(self, job_id: str) -> JobStatus:
        return status_of(self._run(job_id).get("JobRunState", "STARTING"))

    def cancel_job(self, job_id: str) -> None:
        if self.get_job_status(job_id).finished:
            return
        name, run_id = self._split(job_id)
        self.client.batch_stop_job_run(JobName=name, JobRunIds=[run_id])

    def get_job_error(self, job_id: str) -> str | None:
        return self._run(job_id).get("ErrorMessage")

    def get_run_url(self, job_id: str) -> str | None:
        name, run_id = self._split(job_id)
        region = self.client.meta.region_name
        return (
            f"https://{region}.console.aws.amazon.com/gluestudio/home?region={region}"
            f"#/job/{name}/run/{run_id}"
        )
