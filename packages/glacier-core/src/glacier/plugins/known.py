"""Hints for names that official plugins provide, used only to word error messages.

This is not dispatch: nothing here selects an adapter. It lets ``from glacier.config import
AwsConfig`` without glacier-aws say ``pip install glacier-aws`` instead of "unknown name".
"""

from __future__ import annotations

#: Config class name → distribution that provides it.
KNOWN_CONFIGS: dict[str, str] = {
    "AwsConfig": "glacier-aws",
    "S3Config": "glacier-aws",
    "LambdaConfig": "glacier-aws",
    "GlueConfig": "glacier-aws",
    "AzureConfig": "glacier-azure",
    "BlobConfig": "glacier-azure",
    "AzureFunctionConfig": "glacier-azure",
    "SynapseConfig": "glacier-azure",
    "GcpConfig": "glacier-gcp",
    "GcsConfig": "glacier-gcp",
    "CloudFunctionConfig": "glacier-gcp",
    "DataprocConfig": "glacier-gcp",
    "DatabricksConfig": "glacier-databricks",
    "EmrConfig": "glacier-emr",
}

#: Environment variable → distribution whose detector reads it (design order).
KNOWN_ENV_VARS: list[tuple[str, str]] = [
    ("AWS_REGION", "glacier-aws"),
    ("AZURE_RESOURCE_GROUP", "glacier-azure"),
    ("AZURE_STORAGE_ACCOUNT", "glacier-azure"),
    ("AZURE_STORAGE_CONNECTION_STRING", "glacier-azure"),
    ("GCP_PROJECT", "glacier-gcp"),
    ("GOOGLE_CLOUD_PROJECT", "glacier-gcp"),
]


def install_hint(distribution: str) -> str:
    """The one-line fix for a missing distribution."""
    return f"pip install {distribution}"
