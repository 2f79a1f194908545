"""GCP configs: provider (GcpConfig), bucket (GcsConfig), function (CloudFunctionConfig),
executor (DataprocConfig)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import ClassVar, Literal, Self

from pydantic import Field, field_validator

from glacier.plugin import (
    BucketConfig,
    ExecutorConfig,
    GlacierModel,
    ProviderConfig,
    ServerlessConfig,
    check_include,
    check_requirement,
)


class GcpConfig(ProviderConfig):
    """A Google Cloud project and region. Credentials: ``credentials_path`` (a service account
    JSON), else Application Default Credentials.

    ``from_env()`` reads GCP_PROJECT (or GOOGLE_CLOUD_PROJECT), GCP_REGION (or
    GOOGLE_CLOUD_REGION), GOOGLE_APPLICATION_CREDENTIALS and STORAGE_EMULATOR_HOST.
    """

    cloud: ClassVar[str] = "gcp"
    #: Never in job specs: a key file path is valid only where it was set; workers use their
    #: own GOOGLE_APPLICATION_CREDENTIALS or service account (docs/clouds/gcp.md).
    credential_fields: ClassVar[frozenset[str]] = frozenset({"credentials_path"})

    project: str = Field(description="Project id, e.g. my-project-123.")
    region: str = Field(default="us-central1", description="Region, e.g. europe-west1.")
    credentials_path: str | None = Field(default=None, description="Service account key file.")
    endpoint_url: str | None = Field(
        default=None,
        description="Storage endpoint override (an emulator, e.g. http://127.0.0.1:9023).",
    )

    @field_validator("project")
    @classmethod
    def _project(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9-]{4,28}[a-z0-9]", value):
            raise ValueError(
                f"{value!r} is not a GCP project id: 6-30 lowercase letters, digits or hyphens, "
                "starting with a letter"
            )
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]+(-[a-z]+)*\d+", value):
            raise ValueError(f"{value!r} is not a GCP region; use the form 'us-central1'")
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        return cls(
            project=env.get("GCP_PROJECT") or env.get("GOOGLE_CLOUD_PROJECT") or "",
            region=env.get("GCP_REGION") or env.get("GOOGLE_CLOUD_REGION") or "us-central1",
            credentials_path=env.get("GOOGLE_APPLICATION_CREDENTIALS"),
            endpoint_url=env.get("STORAGE_EMULATOR_HOST"),
        )


GcsStorageClass = Literal["STANDARD", "NEARLINE", "COLDLINE", "ARCHIVE"]


class GcsLifecycleRule(GlacierModel):
    """``{"action": "SetStorageClass", "storage_class": "NEARLINE", "age_days": 30}`` or
    ``{"action": "Delete", "age_days": 365}``."""

    action: Literal["SetStorageClass", "Delete"]
    age_days: int = Field(ge=0)
    storage_class: GcsStorageClass | None = None
    matches_prefix: list[str] = []


class GcsConfig(BucketConfig):
    """GCS bucket settings. Secure by default: uniform access, public access prevention."""

    storage_class: GcsStorageClass = "STANDARD"
    location: str | None = Field(default=None, description="Defaults to the provider's region.")
    versioning: bool = False
    lifecycle_rules: list[GcsLifecycleRule] | None = None
    uniform_bucket_level_access: bool = True
    public_access_prevention: bool = True
    soft_delete_retention_days: int | None = Field(default=None, ge=7, le=90)
    force_destroy: bool = False


class CloudFunctionConfig(ServerlessConfig):
    """Cloud Functions (2nd gen) settings."""

    memory: Literal["256Mi", "512Mi", "1Gi", "2Gi", "4Gi", "8Gi", "16Gi", "32Gi"] = "512Mi"
    timeout_seconds: int = Field(default=60, ge=1, le=3600)
    min_instances: int = Field(default=0, ge=0)
    max_instances: int | None = Field(default=None, ge=1)
    environment: dict[str, str] = {}
    ingress: Literal["ALLOW_ALL", "ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"] = (
        "ALLOW_INTERNAL_ONLY"
    )
    vpc_connector: str | None = None
    requirements: list[str] = []
    include: list[str] = Field(
        default=[],
        description="Globs of data files to pack with the handler's Python sources, relative "
        "to the folder holding its top-level module (e.g. 'mypkg/models/*.onnx'). Dotfiles "
        "and key/credential files are never packed.",
    )
    url: str | None = Field(
        default=None,
        description="HTTPS trigger URL; default GLACIER_FUNCTION_URL_<NAME>, else "
        "https://<region>-<project>.cloudfunctions.net/<function_name>.",
    )
    audience: str | None = Field(
        default=None, description="ID token audience (default: the URL without path)."
    )

    @field_validator("requirements")
    @classmethod
    def _requirements(cls, value: list[str]) -> list[str]:
        return [check_requirement(v, "requirements entry") for v in value]

    @field_validator("include")
    @classmethod
    def _include(cls, value: list[str]) -> list[str]:
        return [check_include(v, "include pattern") for v in value]


class DataprocConfig(ExecutorConfig):
    """Dataproc settings: a cluster (default) or Dataproc Serverless batches."""

    engine: ClassVar[str] = "dataproc"
    existing_fields: ClassVar[tuple[str, ...]] = ("cluster_name",)

    machine_type: str = "n2-standard-4"
    num_workers: int = Field(default=2, ge=0)
    image_version: str = "2.2-debian12"
    serverless: bool = Field(default=False, description="Use Dataproc Serverless batches.")
    cluster_name: str | None = Field(default=None, description="Existing cluster to use.")
    idle_delete_minutes: int | None = Field(default=30, ge=10)
    endpoint_url: str | None = Field(
        default=None,
        description="Dataproc API endpoint override (a test server); default "
        "https://<region>-dataproc.googleapis.com.",
    )
    entrypoint_uri: str | None = Field(
        default=None, description="gs:// URI of Glacier's entry script (default: uploaded)."
    )
