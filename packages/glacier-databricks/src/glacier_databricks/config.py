"""DatabricksConfig: an executor that runs on AWS, Azure or GCP workspaces."""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator

from glacier.models import ExecutorConfig


class DatabricksConfig(ExecutorConfig):
    """Databricks job cluster settings. ``host``/``token`` default to DATABRICKS_HOST /
    DATABRICKS_TOKEN (or a Databricks config profile) when the job is submitted.

    ``instance_type`` is the cloud's node type (``m5.xlarge`` on AWS, ``Standard_D4s_v3`` on
    Azure, ``n2-standard-4`` on GCP); it is checked against the provider's cloud.
    """

    engine: ClassVar[str] = "databricks"

    host: str | None = Field(default=None, description="Workspace URL.")
    token: SecretStr | None = None
    profile: str | None = Field(default=None, description="Profile in ~/.databrickscfg.")
    instance_type: str = "m5.xlarge"
    num_workers: int = Field(default=2, ge=0)
    autoscale_min_workers: int | None = Field(default=None, ge=0)
    autoscale_max_workers: int | None = Field(default=None, ge=1)
    spark_version: str = "15.4.x-scala2.12"
    existing_cluster_id: str | None = None
    policy_id: str | None = None
    timeout_seconds: int = Field(default=3600, ge=0)

    @model_validator(mode="after")
    def _autoscale(self) -> Self:
        lo, hi = self.autoscale_min_workers, self.autoscale_max_workers
        if (lo is None) != (hi is None):
            raise ValueError("autoscale_min_workers and autoscale_max_workers go together")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError("autoscale_min_workers must be <= autoscale_max_workers")
        return self
