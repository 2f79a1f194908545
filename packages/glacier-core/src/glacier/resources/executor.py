"""Executor: where a task runs (local processes, Databricks, Glue, Dataproc, Synapse, Spark)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from glacier.resources.base import Resource

if TYPE_CHECKING:
    from glacier.adapters.base import ExecutorAdapter, JobStatus
    from glacier.models import ExecutorConfig
    from glacier.provider import Provider


class Executor(Resource):
    """Generic executor. The engine is chosen by ``config``'s type, not by the provider's,
    so Databricks runs on any cloud. No config means local worker processes.

    Create with :meth:`glacier.Provider.executor`.
    """

    kind = "executor"

    def __init__(
        self,
        name: str,
        provider: Provider | None = None,
        config: ExecutorConfig | None = None,
        runtime: str | None = None,
    ) -> None:
        self.runtime = runtime
        super().__init__(provider, config, name)

    def _get_adapter(self) -> ExecutorAdapter:
        return super()._get_adapter()

    def submit_job(self, job: dict[str, Any]) -> str:
        """Submit a job description (see :mod:`glacier.jobs`); returns the job id."""
        return self._get_adapter().submit_job(job)

    def get_job_status(self, job_id: str) -> JobStatus:
        """PENDING, RUNNING, SUCCEEDED, FAILED or CANCELLED."""
        return self._get_adapter().get_job_status(job_id)

    def cancel_job(self, job_id: str) -> None:
        """Cancel a job."""
        self._get_adapter().cancel_job(job_id)

    @property
    def engine(self) -> str:
        return getattr(type(self.config), "engine", "") or "local"

    def _generate_name(self) -> str:
        return f"{self.engine}_executor"
