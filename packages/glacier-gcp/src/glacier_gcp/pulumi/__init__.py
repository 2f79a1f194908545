"""Pulumi emitter of the GCP plugin (registered as ``glacier_gcp.pulumi:GcpEmitter``).

Generates pulumi-gcp 10 code as text; never imports Pulumi.
"""

from glacier_gcp.pulumi.emitter import GcpEmitter

__all__ = ["GcpEmitter"]
