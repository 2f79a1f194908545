"""Pulumi emitter of the Azure plugin (registered as ``glacier_azure.pulumi:AzureEmitter``).

Generates pulumi-azure-native 3 code as text; never imports Pulumi.
"""

from glacier_azure.pulumi.emitter import AzureEmitter

__all__ = ["AzureEmitter"]
