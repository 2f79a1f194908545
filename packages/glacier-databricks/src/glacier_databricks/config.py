"""DatabricksConfig: an executor that runs on AWS, Azure or GCP workspaces."""

from __future__ import annotations

from typing import ClassVar, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from glacier.plugin import ConfigError, ExecutorConfig, ProviderConfig, check_requirement


class DatabricksConfig(ExecutorConfig):
    """Databricks job cluster settings. ``host``/``token`` default to DATABRICKS_HOST /
    DATABRICKS_TOKEN (or a Databricks config profile) when the job is submitted.

    ``instance_type`` is the cloud's node type (``m5.xlarge`` on AWS, ``Standard_D4s_v3`` on
    Azure, ``n2-standard-4`` on GCP); it is checked against the provider's cloud.
    """

    engine: ClassVar[str] = "databricks"
    existing_fields: ClassVar[tuple[str, ...]] = ("existing_cluster_id",)

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
    libraries: list[str] = Field(
        default_factory=list,
        description="PyPI requirements installed on the job cluster (e.g. 'glacier-core', "
        "'glacier-aws' for S3 staging) unless the cluster image already has them.",
    )
    entrypoint_uri: str | None = Field(
        default=None,
        description="Where Glacier's entry script already is (dbfs:/..., s3://...); default: "
        "uploaded next to each job in the staging bucket.",
    )
    spark_conf: dict[str, str] = Field(default_factory=dict, description="Job cluster conf.")
    orchestrate: Literal["driver", "job"] = Field(
        default="driver",
        description="'job': compile the pipeline to ONE Databricks Job whose tasks follow the "
        "DAG (native depends_on, schedule, failure e-mails); every task must run on a "
        "Databricks executor with orchestrate='job' and a staging_bucket. 'driver' (default): "
        "the cloud driver runs the DAG and submits this executor's tasks as runs.",
    )

    @field_validator("libraries")
    @classmethod
    def _libraries(cls, value: list[str]) -> list[str]:
        return [check_requirement(v, "libraries entry") for v in value]

    @model_validator(mode="after")
    def _autoscale(self) -> Self:
        lo, hi = self.autoscale_min_workers, self.autoscale_max_workers
        if (lo is None) != (hi is None):
            raise ValueError("autoscale_min_workers and autoscale_max_workers go together")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError("autoscale_min_workers must be <= autoscale_max_workers")
        return self

    def node_type_for(self, provider_config: ProviderConfig) -> str:
        """The node type to request: ``instance_type`` when set explicitly, else the default
        of the provider's cloud (so the default works on AWS, Azure and GCP alike)."""
        from glacier_databricks.nodes import DEFAULTS

        if "instance_type" in self.model_fields_set:
            return self.instance_type
        return DEFAULTS.get(provider_config.cloud, self.instance_type)

    def validate_instance_type(self, provider_config: ProviderConfig) -> None:
        """Raise :class:`glacier.errors.ConfigError` when ``instance_type`` belongs to
        another cloud than the provider's (``m5.xlarge`` on Azure suggests
        ``Standard_D4s_v3``)."""
        from glacier_databricks.nodes import check_node_type

        if self.existing_cluster_id:
            return
        try:
            check_node_type(self.node_type_for(provider_config), provider_config.cloud)
        except ValueError as exc:
            raise ConfigError(f"DatabricksConfig: {exc}") from None
