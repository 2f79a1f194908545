"""Pulumi emitter of the Databricks plugin (``glacier_databricks.pulumi:DatabricksEmitter``).

Databricks runs on any cloud: the cloud's emitter creates the executor's identity and its
least-privilege grants; this engine emitter says who assumes that identity and is the
extension point for the Databricks jobs/clusters (compute issue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from glacier.compiler.emitter import EngineEmitter

if TYPE_CHECKING:
    from glacier.compiler.ir import IRCompute
    from glacier.compiler.program import ProgramWriter


class DatabricksEmitter(EngineEmitter):
    """Databricks executors: on AWS clusters assume the role through an EC2 instance profile."""

    trusted_services: ClassVar[dict[str, str]] = {"aws": "ec2.amazonaws.com"}

    def emit_executor_compute(self, executor: IRCompute, identity: str, out: ProgramWriter) -> None:
        """EXTENSION POINT (compute issue): emit the Databricks job cluster and instance
        profile (AWS) / managed identity binding (Azure) / service account (GCP) using
        ``identity``. Nothing is emitted yet."""
