"""DataprocAdapter: one job = a PySpark job on a cluster (``JobControllerClient.submit_job``)
or, with ``DataprocConfig(serverless=True)``, a Dataproc Serverless batch
(``BatchControllerClient.create_batch``). The main file is Glacier's entry script, its argument
the staged spec's URI, and the code artifact goes in ``python_file_uris`` (Spark puts the
pure-Python wheel on the driver's and executors' ``PYTHONPATH``). Uses the REST transport
(``DataprocConfig.endpoint_url`` can point elsewhere).

The cluster: the deployment record's cluster for this executor, else
``DataprocConfig.cluster_name`` (an existing cluster). Serverless batches run as the record's
identity (the executor's service account) when there is one.
"""

from __future__ import annotations

import re
from typing import Any

from glacier.plugin import (
    ConfigError,
    ExecutorAdapter,
    JobStatus,
    StagedJob,
    deployed_value,
    stage_job,
)
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
_BATCH_STATES = {
    "STATE_UNSPECIFIED": JobStatus.PENDING,
    "PENDING": JobStatus.PENDING,
    "RUNNING": JobStatus.RUNNING,
    "CANCELLING": JobStatus.RUNNING,
    "CANCELLED": JobStatus.CANCELLED,
    "SUCCEEDED": JobStatus.SUCCEEDED,
}


def status_of(state: str) -> JobStatus:
    """Map a Dataproc JobStatus.State name (ERROR, ATTEMPT_FAILURE → FAILED)."""
    return _STATES.get(
        state, JobStatus.PENDING if state == "STATE_UNSPECIFIED" else JobStatus.FAILED
    )


def batch_status_of(state: str) -> JobStatus:
    """Map a Dataproc Serverless Batch.State name (FAILED → FAILED)."""
    return _BATCH_STATES.get(state, JobStatus.FAILED)


def batch_id_for(job_id: str) -> str:
    """A batch id Dataproc accepts (4-63 of a-z, 0-9, ``-``; starts and ends alphanumeric)."""
    raw = re.sub(r"[^a-z0-9-]+", "-", f"glacier-{job_id}".lower())
    return re.sub(r"-+", "-", raw)[:63].strip("-")


class DataprocAdapter(ExecutorAdapter):
    """Runs job packages as Dataproc PySpark jobs or Serverless batches
    (google-cloud-dataproc)."""

    def __init__(self, resource: Any, provider: Any) -> None:
        super().__init__(resource, provider)
        self._client: Any | None = None
        self._batch_client: Any | None = None

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

    def _client_kwargs(self) -> dict[str, Any]:
        endpoint = self.settings.endpoint_url or f"{self.gcp.region}-dataproc.googleapis.com"
        kwargs: dict[str, Any] = {"transport": "rest", "client_options": {"api_endpoint": endpoint}}
        if self.gcp.credentials_path:
            from google.oauth2 import service_account

            kwargs["credentials"] = service_account.Credentials.from_service_account_file(
                self.gcp.credentials_path,
                scopes=["https://www.googleapis.com/auth/cloud-platform"],
            )
        return kwargs

    @property
    def client(self) -> Any:
        """The jobs client (cluster mode)."""
        if self._client is None:
            from google.cloud import dataproc_v1

            self._client = dataproc_v1.JobControllerClient(**self._client_kwargs())
        return self._client

    @property
    def batch_client(self) -> Any:
        """The batches client (serverless mode)."""
        if self._batch_client is None:
            from google.cloud import dataproc_v1

            self._batch_client = dataproc_v1.BatchControllerClient(**self._client_kwargs())
        return self._batch_client

    @property
    def cluster_name(self) -> str | None:
        """The deployed cluster (record), else the configured existing cluster."""
        return deployed_value(self.resource, "name") or self.settings.cluster_name

    @property
    def parent(self) -> str:
        return f"projects/{self.gcp.project}/locations/{self.gcp.region}"

    # -- submit --------------------------------------------------------------------------
    def submit_job(self, job: dict[str, Any]) -> str:
        if not self.settings.serverless and not self.cluster_name:
            raise ConfigError(
                f"Executor {self.resource.name!r}: no Dataproc cluster to submit to. Deploy the "
                "pipeline (glacier deploy FILE --stack NAME, then set GLACIER_STACK=NAME), name "
                "an existing cluster with DataprocConfig(cluster_name=...), or use "
                "DataprocConfig(serverless=True)."
            )
        staged = stage_job(job, provider=self.provider, entry_uri=self.settings.entrypoint_uri)
        python_files = [staged.spec.artifact.uri] if staged.spec.artifact else []
        if self.settings.serverless:
            return self._submit_batch(staged, python_files)
        body = {
            "reference": {"job_id": f"glacier-{staged.spec.job_id}"[:100]},
            "placement": {"cluster_name": self.cluster_name},
            "pyspark_job": {
                "main_python_file_uri": staged.entry_uri,
                "args": [staged.spec_uri],
                "python_file_uris": python_files,
            },
            "labels": {"glacier-task": staged.name.lower()[:63]},
        }
        result = self.client.submit_job(
            project_id=self.gcp.project, region=self.gcp.region, job=body
        )
        return str(result.reference.job_id)

    def _submit_batch(self, staged: StagedJob, python_files: list[str]) -> str:
        batch_id = batch_id_for(staged.spec.job_id)
        batch: dict[str, Any] = {
            "pyspark_batch": {
                "main_python_file_uri": staged.entry_uri,
                "args": [staged.spec_uri],
                "python_file_uris": python_files,
            },
            "labels": {"glacier-task": staged.name.lower()[:63]},
        }
        identity = deployed_value(self.resource, "identity")
        if identity:
            batch["environment_config"] = {"execution_config": {"service_account": identity}}
        self.batch_client.create_batch(parent=self.parent, batch=batch, batch_id=batch_id)
        return batch_id

    # -- observe -------------------------------------------------------------------------
    def _get(self, job_id: str) -> Any:
        return self.client.get_job(
            project_id=self.gcp.project, region=self.gcp.region, job_id=job_id
        )

    def _batch(self, job_id: str) -> Any:
        return self.batch_client.get_batch(name=f"{self.parent}/batches/{job_id}")

    def get_job_status(self, job_id: str) -> JobStatus:
        if self.settings.serverless:
            return batch_status_of(self._batch(job_id).state.name)
        return status_of(self._get(job_id).status.state.name)

    def cancel_job(self, job_id: str) -> None:
        if self.get_job_status(job_id).finished:
            return
        if self.settings.serverless:
            operation = self._batch(job_id).operation
            self.batch_client.cancel_operation(request={"name": operation})
            return
        self.client.cancel_job(project_id=self.gcp.project, region=self.gcp.region, job_id=job_id)

    def get_job_error(self, job_id: str) -> str | None:
        if self.settings.serverless:
            return self._batch(job_id).state_message or None
        job = self._get(job_id)
        details = job.status.details or None
        if job.driver_output_resource_uri:
            details = f"{details or ''}\nDriver output: {job.driver_output_resource_uri}".strip()
        return details

    def get_run_url(self, job_id: str) -> str | None:
        if self.settings.serverless:
            return (
                f"https://console.cloud.google.com/dataproc/batches/{self.gcp.region}/{job_id}"
                f"?project={self.gcp.project}"
            )
        return (
            f"https://console.cloud.google.com/dataproc/jobs/{job_id}"
            f"?region={self.gcp.region}&project={self.gcp.project}"
        )
