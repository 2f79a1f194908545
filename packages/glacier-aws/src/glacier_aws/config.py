"""AWS configs: provider (AwsConfig), bucket (S3Config), function (LambdaConfig),
executor (GlueConfig)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import ClassVar, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from glacier.plugin import (
    BucketConfig,
    ExecutorConfig,
    GlacierModel,
    ProviderConfig,
    ServerlessConfig,
    check_include,
    check_requirement,
)

#: A whole region name, used with ``fullmatch`` (``$`` would accept a trailing newline).
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")


class AwsConfig(ProviderConfig):
    """An AWS account and region. Credentials fall back to the standard AWS chain
    (environment, ``~/.aws``, instance role) when not given.

    ``from_env()`` reads AWS_REGION (or AWS_DEFAULT_REGION), AWS_PROFILE, AWS_ACCOUNT_ID,
    AWS_ROLE_ARN, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
    AWS_ENDPOINT_URL.
    """

    cloud: ClassVar[str] = "aws"
    #: Never in job specs: workers use their own AWS_PROFILE / keys / role
    #: (docs/clouds/aws.md, "Credentials"). A key id means nothing without its secret.
    credential_fields: ClassVar[frozenset[str]] = frozenset({"profile", "access_key_id"})

    region: str = Field(description="AWS region, e.g. us-east-1.")
    profile: str | None = Field(default=None, description="Named profile from ~/.aws/config.")
    account_id: str | None = Field(default=None, description="12-digit account id.")
    role_arn: str | None = Field(default=None, description="Role to assume for all calls.")
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None
    session_token: SecretStr | None = None
    endpoint_url: str | None = Field(
        default=None,
        description="S3-compatible endpoint (MinIO, moto, LocalStack), e.g. http://127.0.0.1:9000.",
    )

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.fullmatch(value):
            raise ValueError(
                f"{value!r} is not an AWS region name; use the form 'us-east-1' or 'eu-west-2'"
            )
        return value

    @field_validator("account_id")
    @classmethod
    def _account(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{12}", value):
            raise ValueError("account_id must be the 12-digit AWS account number")
        return value

    @field_validator("role_arn")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("arn:aws"):
            raise ValueError("role_arn must be an IAM role ARN (arn:aws:iam::123456789012:role/x)")
        return value

    @model_validator(mode="after")
    def _keys_pair(self) -> Self:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("access_key_id and secret_access_key must be given together")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        env = os.environ if environ is None else environ
        secret = env.get("AWS_SECRET_ACCESS_KEY")
        token = env.get("AWS_SESSION_TOKEN")
        key_id = env.get("AWS_ACCESS_KEY_ID")
        return cls(
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            profile=env.get("AWS_PROFILE"),
            account_id=env.get("AWS_ACCOUNT_ID"),
            role_arn=env.get("AWS_ROLE_ARN"),
            access_key_id=key_id if key_id and secret else None,
            secret_access_key=SecretStr(secret) if key_id and secret else None,
            session_token=SecretStr(token) if token else None,
            endpoint_url=env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL"),
        )


StorageClass = Literal[
    "STANDARD",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
]


class S3Transition(GlacierModel):
    days: int = Field(ge=0)
    storage_class: StorageClass


class S3LifecycleRule(GlacierModel):
    """One lifecycle rule. The design's dict form ``{"id": ..., "transition": {...}}`` works."""

    id: str
    prefix: str = ""
    enabled: bool = True
    transition: S3Transition | None = None
    transitions: list[S3Transition] = []
    expiration_days: int | None = Field(default=None, ge=1)
    noncurrent_expiration_days: int | None = Field(default=None, ge=1)
    abort_incomplete_multipart_days: int | None = Field(default=7, ge=1)

    def all_transitions(self) -> list[S3Transition]:
        return ([self.transition] if self.transition else []) + list(self.transitions)


class S3CorsRule(GlacierModel):
    allowed_methods: list[Literal["GET", "PUT", "POST", "DELETE", "HEAD"]]
    allowed_origins: list[str]
    allowed_headers: list[str] = []
    expose_headers: list[str] = []
    max_age_seconds: int | None = Field(default=None, ge=0)


class S3Config(BucketConfig):
    """S3 bucket settings. Secure by default: SSE on, public access blocked, TLS-only policy."""

    versioning: bool = False
    lifecycle_rules: list[S3LifecycleRule] | None = None
    encryption: Literal["AES256", "aws:kms", "aws:kms:dsse"] = "AES256"
    kms_key_id: str | None = Field(default=None, description="KMS key ARN for aws:kms.")
    bucket_key_enabled: bool = True
    public_access_block: bool = True
    enforce_tls: bool = Field(default=True, description="Bucket policy denying non-TLS access.")
    cors: list[S3CorsRule] | None = None
    force_destroy: bool = Field(default=False, description="Allow deleting a non-empty bucket.")

    @model_validator(mode="after")
    def _kms(self) -> Self:
        if self.kms_key_id and not self.encryption.startswith("aws:kms"):
            raise ValueError("kms_key_id needs encryption='aws:kms' (or 'aws:kms:dsse')")
        return self


class VpcConfig(GlacierModel):
    subnet_ids: list[str] = Field(min_length=1)
    security_group_ids: list[str] = Field(min_length=1)


class LambdaConfig(ServerlessConfig):
    """AWS Lambda settings."""

    memory_mb: int = Field(default=512, ge=128, le=10240)
    timeout_seconds: int = Field(default=60, ge=1, le=900)
    architecture: Literal["x86_64", "arm64"] = "arm64"
    environment: dict[str, str] = {}
    layers: list[str] = Field(default=[], max_length=5, description="Layer version ARNs.")
    vpc: VpcConfig | None = None
    reserved_concurrency: int | None = Field(default=None, ge=0)
    ephemeral_storage_mb: int = Field(default=512, ge=512, le=10240)
    log_retention_days: int = Field(default=30, ge=1)
    requirements: list[str] = Field(
        default=[], description="Extra pip requirements bundled with the handler's code."
    )
    include: list[str] = Field(
        default=[],
        description="Globs of data files to pack with the handler's Python sources, relative "
        "to the folder holding its top-level module (e.g. 'mypkg/models/*.onnx'). Dotfiles "
        "and key/credential files are never packed.",
    )
    qualifier: str | None = Field(default=None, description="Version or alias to invoke.")
    endpoint_url: str | None = Field(
        default=None,
        description="Lambda API endpoint override (LocalStack, a test server); boto3 also "
        "reads AWS_ENDPOINT_URL_LAMBDA.",
    )

    @field_validator("requirements")
    @classmethod
    def _requirements(cls, value: list[str]) -> list[str]:
        return [check_requirement(v, "requirements entry") for v in value]

    @field_validator("include")
    @classmethod
    def _include(cls, value: list[str]) -> list[str]:
        return [check_include(v, "include pattern") for v in value]


#: An S3 URI of a wheel, which Glue's --additional-python-modules also accepts.
_S3_WHEEL = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[A-Za-z0-9_./+=-]+\.whl")


class GlueConfig(ExecutorConfig):
    """AWS Glue (Spark) job settings."""

    engine: ClassVar[str] = "glue"
    existing_fields: ClassVar[tuple[str, ...]] = ("job_name",)

    worker_type: Literal["G.025X", "G.1X", "G.2X", "G.4X", "G.8X", "Z.2X"] = "G.1X"
    num_workers: int = Field(default=2, ge=2)
    glue_version: Literal["3.0", "4.0", "5.0"] = "4.0"
    timeout_minutes: int = Field(default=60, ge=1, le=2880)
    max_retries: int = Field(default=0, ge=0, le=10)
    job_name: str | None = Field(default=None, description="Existing Glue job to run.")
    additional_python_modules: list[str] = []
    role_arn: str | None = Field(
        default=None, description="IAM role of the Glue job Glacier creates when job_name is unset."
    )
    entrypoint_uri: str | None = Field(
        default=None,
        description="s3:// URI of Glacier's entry script; default: uploaded next to each job.",
    )
    endpoint_url: str | None = Field(
        default=None, description="Glue API endpoint override (a test server)."
    )

    @field_validator("additional_python_modules")
    @classmethod
    def _modules(cls, value: list[str]) -> list[str]:
        out = []
        for item in value:
            text = item.strip() if isinstance(item, str) else item
            if isinstance(text, str) and _S3_WHEEL.fullmatch(text):
                out.append(text)
                continue
            text = check_requirement(item, "additional_python_modules entry")
            if "," in text:
                raise ValueError(
                    f"additional_python_modules entry {text!r} contains a comma; Glue splits "
                    "--additional-python-modules at commas, so give one specifier per entry "
                    "(e.g. 'pandas==2.2.2' or 'pandas>=2')"
                )
            out.append(text)
        return out
