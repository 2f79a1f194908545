"""DataprocAdapter: a job = one PySpark job (``JobControllerClient.submit_job``) on the
configured cluster, whose main file is Glacier's entry script and whose argument is the staged
spec's URI. Uses the REST transport (``DataprocConfig.endpoint_url`` can point elsewhere)."""

from __future__ import annotations

from typing import Any

from glacier.adapters.base import ExecutorAdapter, JobStatus
from glacier.errors import ConfigError, NotSupportedError
from glacier.spark.package import stage_job
from glacier_gcp.config import DataprocConfig, GcpConfig

_STATES = {
    "PENDING": JobStatus.PENDING,
    "SETUP_DONE": JobStatus.PENDING,
    "RUNNING": JobStatus.RUNNING,
    "CANCEL_PENDING": JobStatus.RUNNING,
    "CANCEL_STARTED": JobStatus.RUNNING,
    "CANCELLED": JobStatus.CANCELLED,
    "DONE": JobStatus.SUCCEEDED,
}


def status_of(state: str) -> JobStatus:
    """Map a Dataproc JobStatus.State name (ERROR, ATTEMPT_FAILURE → FAILED)."""
    return _STATES.get(
        state, JobStatus.PENDING if state == "STATE_UNSPECIFIED" else JobStatus.FAILED
    )


class DataprocAdapter(ExecutorAdapter):
    """Runs job packages as Dataproc PySpark jobs (google-cloud-dataproc)."""

    def __init__(self, resource: Any, provider: Any) -> None:
        super().__init__(resource, provider)
        settings = self.settings
        if settings.serverless:
            raise NotSupportedError(
                f"Executor {resource.name!r}: Dataproc Serverless batches are not supported yet; "
                "use a cluster (DataprocConfig(cluster_name=...))."
            )
        self._client: Any | None = None

    @property
    def settings(self) -> DataprocConfig:
        config = self.resource.config
        assert isinstance(config, DataprocConfig)
        return config

    @property
    def gcp(self) -> GcpConfig:
        config = self.provider.config
        assert isinstance(config, GcpConfig)
        return config

    @property
    def client(self) -> Any:
        if self._client is None:
            from google.cloud import dataproc_v1

            endpoint = self.settings.endpoint_url or f"{self.gcp.region}-dataproc.googleapis.com"
            kwargs: dict[str, Any] = {
                "transport": "rest",
                "client_options": {"api_endpoint": endpoint},
            }
            if self.gcp.credentials_path:
                from google.oauth2 import service_account

                kwargs["credentials"] = service_account.Credentials.from_service_account_file(
                    self.gcp.credentials_path,
                    scopes=["https://www.googleapis.com/auth/cloud-platform"],
                )
            self._client = dataproc_v1.JobControllerClient(**kwargs)
        return self._client

    def submit_job(self, job: dict[str, Any]) -> str:
        cluster = self.settings.cluster_name
        if not cluster:
            raise ConfigError(
                f"Executor {self.resource.name!r}: DataprocConfig.cluster_name is required to "
                "submit jobs (the compiled Pulumi program creates the cluster)."
            )
        staged = stage_job(job, provider=self.provider, entry_uri=self.settings.entrypoint_uri)
        body = {
            "reference": {"job_id": f"glacier-{staged.spec.job_id}"[:100]},
            "placement": {"cluster_name": cluster},
            "pyspark_job": {
                "main_python_file_uri": staged.entry_uri,
                "args": [staged.spec_uri],
            },
            "labels": {"glacier-task": staged.name.lower()[:63]},
        }
        result = self.client.submit_job(
            project_id=self.gcp.project, region=self.gcp.region, job=body
        )
        return str(result.reference.job_id)

    def _get(self, job_id: str) -> Any:
        return self.client.get_job(
            project_id=self.gcp.project, region=self.gcp.region, job_id=job_id
        )

    def get_job_status(self, job_id: str) -> JobStatus:
        return status_of(self._get(job_id).status.state.name)

    def cancel_job(self, job_id: str) -> None:
        if self.get_job_status(job_id).finished:
            return
        self.client.cancel_job(project_id=self.gcp.project, region=self.gcp.region, job_id=job_id)

    def get_job_error(self, job_id: str) -> str | None:
        job = self._get(job_id)
        details = job.status.details or None
        if job.driver_output_resource_uri:
            details = f"{details or ''}\nDriver output: {job.driver_output_resource_uri}".strip()
        return details

    def get_run_url(self, job_id: str) -> str | None:
        return (
            f"https://console.cloud.google.com/dataproc/jobs/{job_id}"
            f"?region={self.gcp.region}&project={self.gcp.project}"
        )
