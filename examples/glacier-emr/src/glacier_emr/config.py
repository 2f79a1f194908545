"""EmrConfig: run tasks as steps of an EMR cluster."""

from __future__ import annotations

import re
from typing import ClassVar

from pydantic import Field

from glacier.plugin import ConfigError, ExecutorConfig, ProviderConfig

_AWS_INSTANCE = re.compile(r"^[a-z][a-z0-9-]*\.[0-9]*[a-z0-9]+$")


class EmrConfig(ExecutorConfig):
    """An Amazon EMR cluster running Spark.

    Give ``cluster_id`` to use an existing cluster; otherwise the compiled Pulumi program
    creates one from ``release_label``/``instance_type``/``instance_count`` and the job's
    cluster id comes from its output (pass it back as ``cluster_id``).
    """

    engine: ClassVar[str] = "emr"
    existing_fields: ClassVar[tuple[str, ...]] = ("cluster_id",)

    cluster_id: str | None = Field(default=None, description="Existing cluster (j-XXXX).")
    release_label: str = Field(default="emr-7.5.0", description="EMR release for new clusters.")
    instance_type: str = Field(default="m5.xlarge", description="EC2 type of every node.")
    instance_count: int = Field(default=3, ge=1, description="Nodes (1 primary + core nodes).")
    service_role: str = "EMR_DefaultRole"
    spark_submit_args: list[str] = Field(
        default_factory=list, description="Extra spark-submit arguments (--conf k=v, ...)."
    )
    entrypoint_uri: str | None = Field(
        default=None, description="s3:// URI of Glacier's entry script (default: uploaded)."
    )
    endpoint_url: str | None = Field(default=None, description="EMR API endpoint override.")

    def validate_instance_type(self, provider_config: ProviderConfig) -> None:
        """EMR runs on AWS: ``instance_type`` must be an EC2 type (``m5.xlarge``)."""
        if not _AWS_INSTANCE.match(self.instance_type):
            raise ConfigError(
                f"EmrConfig: instance_type={self.instance_type!r} is not an EC2 instance type; "
                "EMR runs on AWS, use a type such as 'm5.xlarge'."
            )
