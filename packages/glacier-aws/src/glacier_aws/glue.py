"""GlueAdapter: a job = one ``start_job_run`` of a Glue Spark job whose script is Glacier's
entry script; the staged spec's URI is passed as ``--glacier-spec`` and the code artifact as
``--additional-python-modules`` (Glue pip-installs the wheel and its pinned requirements).

Which Glue job runs, in order: the deployment record's job for this executor; an existing job
named by ``GlueConfig.job_name``; with ``GlueConfig.role_arn`` (the development loop) a job
``glacier-<executor name>`` the adapter creates or updates; else ``glacier-<executor name>``,
the job the compiled program deploys from the same config.
"""

from __future__ import annotations

import threading
from typing import Any

from glacier.plugin import (
    ENTRY_NAME,
    ConfigError,
    ExecutorAdapter,
    JobStatus,
    deployed,
    deployed_value,
    entrypoint_source,
    prefix_uri,
    stage_job,
    staging_prefix,
    write_spec_text,
)
from glacier_aws.config import AwsConfig, GlueConfig
from glacier_aws.credentials import aws_client

SPEC_ARG = "--glacier-spec"
MODULES_ARG = "--additional-python-modules"

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
        """The deployed job (record), the configured existing job, else the compiled name."""
        return (
            deployed_value(self.resource, "name")
            or self.settings.job_name
            or f"glacier-{self.resource.name}"
        )

    @property
    def creates_job(self) -> bool:
        """Whether this adapter creates/updates its own job: only without a deployment
        record entry and ``job_name``, and with ``role_arn`` (the development loop)."""
        s = self.settings
        return deployed(self.resource) is None and not s.job_name and bool(s.role_arn)

    def _entry_uri(self) -> str:
        """One entry script per executor, uploaded on first use (Glue jobs name one script)."""
        if self.settings.entrypoint_uri:
            return self.settings.entrypoint_uri
        if self._entry is None:
            staging = staging_prefix(self, "_entrypoint")
            write_spec_text(staging.child(ENTRY_NAME), entrypoint_source(), self.provider)
            self._entry = prefix_uri(staging, self.provider) + ENTRY_NAME
        return self._entry

    def ensure_job(self) -> str:
        """The Glue job to run: the configured one, or glacier-<name> created/updated once."""
        with self._lock:
            if self._job_ready:
                return self._job_ready
            s = self.settings
            if not self.creates_job:
                self._job_ready = self.job_name
                return self._job_ready
            assert s.role_arn is not None
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
                definition["DefaultArguments"][MODULES_ARG] = ",".join(s.additional_python_modules)
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
        # A deployed job runs its own script: only the spec is staged.
        entry = self._entry_uri() if self.creates_job else (self.settings.entrypoint_uri or name)
        staged = stage_job(job, provider=self.provider, entry_uri=entry)
        arguments = {SPEC_ARG: staged.spec_uri}
        if staged.spec.artifact is not None:
            modules = [staged.spec.artifact.uri, *self.settings.additional_python_modules]
            arguments[MODULES_ARG] = ",".join(modules)
        try:
            response = self.client.start_job_run(JobName=name, Arguments=arguments)
        except self.client.exceptions.EntityNotFoundException:
            raise ConfigError(
                f"Executor {self.resource.name!r}: Glue job {name!r} does not exist. Deploy the "
                "pipeline (glacier deploy FILE --stack NAME, then set GLACIER_STACK=NAME), name "
                "an existing job with GlueConfig(job_name=...), or set GlueConfig(role_arn=...) "
                "to let Glacier create one while developing."
            ) from None
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
