"""SynapseAdapter: a job = one Synapse Spark batch (Livy REST API of the workspace) whose file
is Glacier's entry script and whose argument is the staged spec's URI. Authenticated with an
Entra ID token from azure-identity (service principal from AzureConfig, else
DefaultAzureCredential). The code artifact goes in the batch's ``pyFiles`` (on the Python path
of the driver and executors). The Spark pool: the deployment record's pool (``name``) and
workspace endpoint (``url``) for this executor, else the config's."""

from __future__ import annotations

from typing import Any

from glacier.plugin import ExecutorAdapter, JobError, JobStatus, deployed_value, stage_job
from glacier_azure.config import AzureConfig, SynapseConfig
from glacier_azure.credentials import AzureSettings

API_VERSION = "2019-11-01-preview"
SCOPE = "https://dev.azuresynapse.net/.default"

_STATES = {
    "not_started": JobStatus.PENDING,
    "starting": JobStatus.PENDING,
    "running": JobStatus.RUNNING,
    "busy": JobStatus.RUNNING,
    "idle": JobStatus.RUNNING,
    "shutting_down": JobStatus.RUNNING,
    "success": JobStatus.SUCCEEDED,
    "killed": JobStatus.CANCELLED,
}
#: Node size → (cores, memory) of drivers and executors.
_SIZES = {
    "Small": (4, "28g"),
    "Medium": (8, "56g"),
    "Large": (16, "112g"),
    "XLarge": (32, "224g"),
    "XXLarge": (64, "400g"),
}


def status_of(state: str, result: str | None = None) -> JobStatus:
    """Map a Livy batch state (dead, error → FAILED; a Cancelled result → CANCELLED)."""
    if result == "Cancelled":
        return JobStatus.CANCELLED
    return _STATES.get(state, JobStatus.FAILED)


class SynapseAdapter(ExecutorAdapter):
    """Runs job packages as Spark batches on a Synapse Spark pool."""

    def __init__(self, resource: Any, provider: Any) -> None:
        super().__init__(resource, provider)
        self._credential: Any | None = None

    @property
    def settings(self) -> SynapseConfig:
        config = self.resource.config
        assert isinstance(config, SynapseConfig)
        return config

    @property
    def base_url(self) -> str:
        s = self.settings
        endpoint = (
            deployed_value(self.resource, "url")
            or s.endpoint
            or f"https://{s.workspace_name}.dev.azuresynapse.net"
        ).rstrip("/")
        pool = deployed_value(self.resource, "name") or s.existing_spark_pool or s.spark_pool_name
        return f"{endpoint}/livyApi/versions/{API_VERSION}/sparkPools/{pool}/batches"

    def token(self) -> str:
        """An Entra ID access token for the Synapse data plane."""
        if self._credential is None:
            import azure.identity

            config = self.provider.config
            assert isinstance(config, AzureConfig)
            principal = AzureSettings(config).service_principal  # config first, then env
            if principal is not None:
                self._credential = azure.identity.ClientSecretCredential(*principal)
            else:
                self._credential = azure.identity.DefaultAzureCredential()
        return str(self._credential.get_token(SCOPE).token)

    def _call(self, method: str, path: str = "", body: Any = None) -> dict[str, Any]:
        import requests

        response = requests.request(
            method,
            f"{self.base_url}{path}",
            params={"detailed": "true"},
            json=body,
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=60,
        )
        if not response.ok:
            raise JobError(
                f"Synapse {method} {path or '/'} failed: HTTP {response.status_code} "
                f"{response.text[:1000]}"
            )
        return dict(response.json()) if response.content else {}

    def submit_job(self, job: dict[str, Any]) -> str:
        s = self.settings
        staged = stage_job(job, provider=self.provider, entry_uri=s.entrypoint_uri)
        cores, memory = _SIZES[s.node_size]
        body: dict[str, Any] = {
            "name": staged.name,
            "file": staged.entry_uri,
            "args": [staged.spec_uri],
            "driverCores": cores,
            "driverMemory": memory,
            "executorCores": cores,
            "executorMemory": memory,
            "numExecutors": s.executor_count,
            "tags": {"glacier-job": staged.spec.job_id[:256]},
        }
        if staged.spec.artifact is not None:
            body["pyFiles"] = [staged.spec.artifact.uri]
        return str(self._call("POST", "", body)["id"])

    def get_job_status(self, job_id: str) -> JobStatus:
        batch = self._call("GET", f"/{job_id}")
        return status_of(str(batch.get("state", "not_started")), batch.get("result"))

    def cancel_job(self, job_id: str) -> None:
        if self.get_job_status(job_id).finished:
            return
        self._call("DELETE", f"/{job_id}")

    def get_job_error(self, job_id: str) -> str | None:
        batch = self._call("GET", f"/{job_id}")
        errors = [str(e.get("message", e)) for e in batch.get("errors") or []]
        return "\n".join(errors) or None

    def get_run_url(self, job_id: str) -> str | None:
        batch = self._call("GET", f"/{job_id}")
        app = batch.get("appInfo") or {}
        return app.get("sparkUiUrl") or f"{self.base_url}/{job_id}"
