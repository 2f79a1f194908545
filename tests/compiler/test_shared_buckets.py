"""Several Glacier buckets on one cloud bucket, and existing buckets (AWS side; the Azure and
GCP sides follow the same core rule in their own test files).

The design's Example 5: two Glacier buckets on S3 bucket ``analytics-data`` with their own
S3Config each compile to one S3 bucket whose lifecycle rules are scoped by each path's
prefix and whose bucket-level settings merge to the stronger value, stated in the notes.
"""

from __future__ import annotations

import polars as pl
import pytest

from glacier import Provider, pipeline, task
from glacier.compiler import PulumiCompiler
from glacier.compiler.errors import ConflictingConfigError

S3 = "aws:s3/"


def example5(**overrides: object):  # type: ignore[no-untyped-def]
    """Design Example 5, with a task reading one path and writing the other."""
    from glacier.config import AwsConfig, S3Config

    provider = Provider(config=AwsConfig(region="us-east-1"))
    high_perf = provider.bucket(
        bucket_name="analytics-data",
        path="hot-data/",
        config=S3Config(
            versioning=False,
            encryption="aws:kms",
            lifecycle_rules=[
                {"id": "archive-old-data", "transition": {"days": 30, "storage_class": "GLACIER"}}
            ],
            **overrides,  # type: ignore[arg-type]
        ),
    )
    cold = provider.bucket(
        bucket_name="analytics-data",
        path="archive/",
        config=S3Config(
            lifecycle_rules=[
                {
                    "id": "immediate-archive",
                    "transition": {"days": 0, "storage_class": "DEEP_ARCHIVE"},
                }
            ]
        ),
    )

    @task
    def archive() -> None:
        cold.write(high_perf.read())

    @pipeline(name="example5")
    def example() -> None:
        archive()

    return example


def test_example5_compiles_to_one_bucket_with_prefix_scoped_rules(export_and_run) -> None:
    infra = example5().compile(PulumiCompiler())
    assert any("encryption is bucket-level: merged to 'aws:kms'" in n for n in infra.notes)
    assert any("lifecycle_rules apply per path" in n for n in infra.notes)
    _, graph = export_and_run(infra)
    (bucket,) = graph.of_type(S3 + "bucket:Bucket")
    assert bucket.inputs["bucket"] == "analytics-data"
    lifecycle = graph.one(S3 + "bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    rules = {r["id"]: r for r in lifecycle.inputs["rules"]}
    assert rules["archive-old-data"]["filter"] == {"prefix": "hot-data/"}
    assert rules["archive-old-data"]["transitions"] == [{"days": 30, "storageClass": "GLACIER"}]
    assert rules["immediate-archive"]["filter"] == {"prefix": "archive/"}
    assert rules["immediate-archive"]["transitions"] == [
        {"days": 0, "storageClass": "DEEP_ARCHIVE"}
    ]
    sse = graph.one(
        S3 + "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    default = sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default["sseAlgorithm"] == "aws:kms"  # the stronger of aws:kms and AES256
    assert not graph.of_type(S3 + "bucketVersioning:BucketVersioning")


def test_recompile_keeps_logical_names() -> None:
    """Compiling twice gives the same program: nothing a deploy created is renamed."""
    first = example5().compile(PulumiCompiler()).program
    assert example5().compile(PulumiCompiler()).program == first


def test_pinned_contradiction_still_errors() -> None:
    from glacier.config import AwsConfig, S3Config

    provider = Provider(config=AwsConfig(region="us-east-1"))
    a = provider.bucket("lake", path="a/", config=S3Config(encryption="aws:kms", kms_key_id="k1"))
    b = provider.bucket("lake", path="b/", config=S3Config(encryption="aws:kms", kms_key_id="k2"))

    @task
    def copy() -> None:
        b.write(a.read())

    @pipeline(name="clash")
    def clash() -> None:
        copy()

    with pytest.raises(ConflictingConfigError, match=r"kms_key_id.*'k1'.*'k2'"):
        clash.compile(PulumiCompiler())


def existing_pipeline(**bucket_kwargs: object):  # type: ignore[no-untyped-def]
    from glacier.config import AwsConfig, GlueConfig

    provider = Provider(config=AwsConfig(region="eu-west-1"))
    raw = provider.bucket("corp-lake", path="raw/events/", existing=True, **bucket_kwargs)  # type: ignore[arg-type]
    out = provider.bucket("glacier-out", path="daily/")
    glue = provider.executor("etl", config=GlueConfig(staging_bucket="glacier-out"))

    @task(executor=glue)
    def load() -> None:
        out.write(raw.read().filter(pl.col("x") > 0))

    @pipeline(name="existing")
    def existing() -> None:
        load()

    return existing


def test_existing_bucket_is_referenced_not_created(export_and_run) -> None:
    infra = existing_pipeline().compile(PulumiCompiler())
    assert 'aws.s3.Bucket.get(\n    "corp-lake",\n    "corp-lake",' in infra.program or (
        'aws.s3.Bucket.get("corp-lake", "corp-lake"' in infra.program
    )
    _, graph = export_and_run(infra)
    buckets = {r.name: r for r in graph.of_type(S3 + "bucket:Bucket")}
    assert buckets["corp-lake"].read_id == "corp-lake"  # read, not registered
    assert buckets["glacier-out"].read_id == ""  # created
    managed = {r.name for r in graph.resources if r.read_id == ""}
    assert not {n for n in managed if n.startswith("corp-lake")}  # no settings resources
    policy = graph.one("aws:iam/rolePolicy:RolePolicy", "etl-access")
    text = str(policy.inputs["policy"])
    assert "/raw/events/*" in text  # the grant is still scoped to the path the DAG reads


def test_existing_bucket_with_settings_is_refused() -> None:
    from glacier.config import S3Config

    with pytest.raises(ConflictingConfigError, match="existing=True"):
        existing_pipeline(config=S3Config(versioning=True)).compile(PulumiCompiler())
