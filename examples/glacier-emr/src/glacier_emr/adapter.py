"""EmrAdapter: a job = one EMR step, ``spark-submit [--py-files <artifact>] <entry script>
<spec URI>`` through ``command-runner.jar``; status from ``describe_step``, cancel with
``cancel_steps``. The cluster: the deployment record's cluster (``id``) for this executor, else
``EmrConfig.cluster_id``."""

from __future__ import annotations

from typing import Any

from glacier.plugin import ConfigError, ExecutorAdapter, JobStatus, deployed_value, stage_job
from glacier_aws.config import AwsConfig
from glacier_aws.credentials import aws_client
from glacier_emr.config import EmrConfig

_STATES = {
    "PENDING": JobStatus.PENDING,
    "CANCEL_PENDING": JobStatus.RUNNING,
    "RUNNING": JobStatus.RUNNING,
    "COMPLETED": JobStatus.SUCCEEDED,
    "CANCELLED": JobStatus.CANCELLED,
}


def status_of(state: str) -> JobStatus:
    """Map an EMR step state (FAILED, INTERRUPTED → FAILED)."""
    return _STATES.get(state, JobStatus.FAILED)


class EmrAdapter(ExecutorAdapter):
    """Runs job packages as EMR steps (boto3 ``emr``)."""

    def __init__(self, resource: Any, provider: Any) -> None:
        super().__init__(resource, provider)
        self.settings.validate_instance_type(provider.config)
        self._client: Any | None = None

    @property
    def settings(self) -> EmrConfig:
        config = self.resource.config
        assert isinstance(config, EmrConfig)
        return config

    @property
    def client(self) -> Any:
        if self._client is None:
            config = self.provider.config
            assert isinstance(config, AwsConfig)
            self._client = aws_client(config, "emr", self.settings.endpoint_url)
        return self._client

    def step(
        self, name: str, entry_uri: str, spec_uri: str, artifact_uri: str | None = None
    ) -> dict[str, Any]:
        """The EMR step definition for one staged job."""
        args = ["spark-submit", "--deploy-mode", "client", *self.settings.spark_submit_args]
        if artifact_uri:
            args += ["--py-files", artifact_uri]
        return {
            "Name": name,
            "ActionOnFailure": "CONTINUE",
            "HadoopJarStep": {"Jar": "command-runner.jar", "Args": [*args, entry_uri, spec_uri]},
        }

    def submit_job(self, job: dict[str, Any]) -> str:
        cluster = deployed_value(self.resource, "id") or self.settings.cluster_id
        if not cluster:
            raise ConfigError(
                f"Executor {self.resource.name!r}: no EMR cluster to submit steps to. Deploy "
                "the pipeline (glacier deploy FILE --stack NAME, then set GLACIER_STACK=NAME) "
                "or name an existing cluster with EmrConfig(cluster_id=...)."
            )
        staged = stage_job(job, provider=self.provider, entry_uri=self.settings.entrypoint_uri)
        artifact = staged.spec.artifact.uri if staged.spec.artifact else None
        step = self.step(staged.name, staged.entry_uri, staged.spec_uri, artifact)
        response = self.client.add_job_flow_steps(JobFlowId=cluster, Steps=[step])
        return f"{cluster}:{response['StepIds'][0]}"

    @staticmethod
    def _split(job_id: str) -> tuple[str, str]:
        cluster, _, step = job_id.partition(":")
        return cluster, step

    def _step(self, job_id: str) -> dict[str, Any]:
        cluster, step = self._split(job_id)
        return dict(self.client.describe_step(ClusterId=cluster, StepId=step)["Step"])

    def get_job_status(self, job_id: str) -> JobStatus:
        return status_of(self._step(job_id)["Status"]["State"])

    def cancel_job(self, job_id: str) -> None:
        if self.get_job_status(job_id).finished:
            return
        cluster, step = self._split(job_id)
        self.client.cancel_steps(
            ClusterId=cluster, StepIds=[step], StepCancellationOption="TERMINATE_PROCESS"
        )

    def get_job_error(self, job_id: str) -> str | None:
        details = self._step(job_id)["Status"].get("FailureDetails") or {}
        parts = [details.get(k) for k in ("Reason", "Message", "LogFile")]
        return "\n".join(p for p in parts if p) or None

    def get_run_url(self, job_id: str) -> str | None:
        cluster, _step = self._split(job_id)
        region = self.client.meta.region_name
        return f"https://{region}.console.aws.amazon.com/emr/home?region={region}#/clusterDetails/{cluster}"
