"""MinioEmitter: pipelines compiled through the template, the programs run under Pulumi's
mocks (glacier.testing.pulumi_mocks), the inputs checked; unsupported features fail at
compile time with the template's error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from glacier import Provider, pipeline, task
from glacier.compiler import PulumiCompiler
from glacier.compiler.errors import UnsupportedFeatureError
from glacier.escape_hatch import AdvancedStorageConfig, EncryptionConfig
from glacier.testing.pulumi_mocks import Graph, run_program

ENDPOINT = "https://minio.example:9000"
KEYS = {"glacier-minio:accessKey": "deploy-user", "glacier-minio:secretKey": "deploy-secret"}
BUCKET = "aws:s3/bucket:Bucket"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"


def minio(**fields: Any) -> Provider:
    from glacier.config import MinioConfig

    return Provider(MinioConfig(endpoint=ENDPOINT, **fields))


def lake(
    raw: dict[str, Any] | None = None, curated: dict[str, Any] | None = None, **bucket: Any
) -> Any:
    """Two Glacier buckets on one MinIO bucket ``lake``, with their own configs; one task
    reads one and writes the other."""
    from glacier.config import MinioBucketConfig

    provider = minio(access_key=SecretStr("driver-user"), secret_key=SecretStr("driver-secret"))
    source = provider.bucket(
        "lake", path="raw/", config=MinioBucketConfig(**(raw or {})) if raw else None, **bucket
    )
    target = provider.bucket(
        "lake", path="curated/", config=MinioBucketConfig(**curated) if curated else None
    )

    @task
    def refine() -> None:
        target.write(source.read())

    @pipeline(name="minio-lake")
    def demo() -> None:
        refine()

    return demo


def decoded(value: Any) -> Any:
    """A provider input as the program gave it (Pulumi JSON-encodes non-string values)."""
    try:
        return json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return value


def export_and_run(pipe: Any, tmp_path: Path) -> tuple[str, Graph]:
    infra = pipe.compile(PulumiCompiler())
    infra.export_pulumi(tmp_path)
    return infra.program, run_program(tmp_path, config=KEYS)


def test_provider_points_pulumi_aws_at_the_endpoint(tmp_path: Path) -> None:
    program, graph = export_and_run(lake(), tmp_path)
    provider = graph.one("pulumi:providers:aws", "minio-minio.example")
    # provider inputs reach the engine JSON-encoded; the keys as Pulumi secrets
    inputs = {k: decoded(v) for k, v in provider.inputs.items()}
    assert inputs["endpoints"] == [{"s3": ENDPOINT}]
    assert inputs["region"] == "us-east-1"
    for flag in (
        "s3UsePathStyle",
        "skipCredentialsValidation",
        "skipMetadataApiCheck",
        "skipRegionValidation",
        "skipRequestingAccountId",
    ):
        assert inputs[flag] is True, flag
    assert inputs["accessKey"]["value"] == "deploy-user"  # a dict: wrapped as a secret
    assert inputs["secretKey"]["value"] == "deploy-secret"
    # The program reads the keys from the stack's secret config, never from the driver:
    assert 'minio_settings.require_secret("accessKey")' in program
    assert "driver-user" not in program and "driver-secret" not in program
    bucket = graph.one(BUCKET, "lake")
    assert bucket.inputs["bucket"] == "lake" and "forceDestroy" not in bucket.inputs
    assert bucket.provider_name == "minio-minio.example"


def test_keys_missing_from_the_stack_config_stop_the_program(tmp_path: Path) -> None:
    lake().compile(PulumiCompiler()).export_pulumi(tmp_path)
    with pytest.raises(Exception, match="glacier-minio:accessKey"):
        run_program(tmp_path)


def test_shared_bucket_merges_settings_and_scopes_expiry_to_each_path(tmp_path: Path) -> None:
    raw = {"versioning": True, "force_destroy": True, "expiration": [{"days": 30}]}
    curated = {"force_destroy": False, "expiration": [{"prefix": "tmp/", "days": 1}]}
    pipe = lake(raw, curated)
    infra = pipe.compile(PulumiCompiler())
    notes = "\n".join(infra.notes)
    assert "lake: versioning is bucket-level: merged to True" in notes
    assert "lake: force_destroy is bucket-level: merged to False" in notes
    assert "expiration apply per path" in notes
    _, graph = export_and_run(pipe, tmp_path)
    assert "forceDestroy" not in graph.one(BUCKET, "lake").inputs  # the safer value
    versioning = graph.one(VERSIONING, "lake-versioning")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    lifecycle = graph.one(LIFECYCLE, "lake-lifecycle")
    rules = [
        (r["id"], r["filter"]["prefix"], r["expiration"]["days"], r["status"])
        for r in lifecycle.inputs["rules"]
    ]
    assert rules == [
        ("expire-1", "raw/", 30, "Enabled"),
        ("expire-2", "curated/tmp/", 1, "Enabled"),
    ]
    assert graph.depends_on(lifecycle, versioning)


def test_recompiling_keeps_logical_names() -> None:
    raw = {"versioning": True, "expiration": [{"days": 30}]}
    first = lake(raw).compile(PulumiCompiler()).program
    assert lake(raw).compile(PulumiCompiler()).program == first


def test_existing_bucket_is_read_not_created(tmp_path: Path) -> None:
    _, graph = export_and_run(lake(existing=True), tmp_path)
    (bucket,) = graph.of_type(BUCKET)
    assert bucket.read_id == "lake" and bucket.inputs == {}


@pytest.mark.parametrize(
    ("advanced", "feature"),
    [
        (AdvancedStorageConfig(lifecycle_tiers=[("hot", 0), ("cold", 30)]), "Lifecycle tiers"),
        (
            AdvancedStorageConfig(custom_encryption=EncryptionConfig()),
            "Customer-managed encryption keys",
        ),
    ],
)
def test_features_minio_lacks_fail_at_compile_time(
    advanced: AdvancedStorageConfig, feature: str
) -> None:
    with pytest.raises(UnsupportedFeatureError, match=f"{feature}.*MinIO"):
        lake(advanced_config=advanced).compile(PulumiCompiler())


def test_identities_are_out_of_scope() -> None:
    """A task on a remote engine needs an identity with grants: the plugin says why not."""
    from glacier.config import SparkConfig

    provider = minio()
    source = provider.bucket("lake", path="raw/")
    spark = provider.executor("spark", config=SparkConfig(master="spark://127.0.0.1:7077"))

    @task(executor=spark)
    def count() -> int:
        return source.read().height

    @pipeline(name="minio-spark")
    def demo() -> None:
        count()

    with pytest.raises(UnsupportedFeatureError, match="identity for executor 'spark' on MinIO"):
        demo.compile(PulumiCompiler())
