"""Several Glacier buckets on one GCS bucket, and existing GCS buckets (the GCP side of
tests/compiler/test_shared_buckets.py: the same core rule on every cloud).

The design's Example 5 on GCP: two Glacier buckets on GCS bucket ``analytics-data`` with their
own GcsConfig each compile to one bucket whose lifecycle rules carry each path's prefix
(``matches_prefixes``) and whose bucket-level settings merge to the stronger value, stated in
the compile notes; only a real contradiction the user pinned is an error.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from glacier import Provider, pipeline, task
from glacier.compiler import PulumiCompiler
from glacier.compiler.errors import ConflictingConfigError
from glacier.config import DataprocConfig, GcpConfig, GcsConfig
from glacier.escape_hatch import AdvancedStorageConfig

BUCKET = "gcp:storage/bucket:Bucket"
MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"
DAY = 86_400


def provider() -> Provider:
    return Provider(config=GcpConfig(project="glacier-prod-1", region="us-central1"))


def example5(hot: dict[str, Any] | None = None, cold: dict[str, Any] | None = None) -> Any:
    """Design Example 5 with GCS settings, a Dataproc task reading one path and writing the
    other. ``hot`` / ``cold`` override fields of either GcsConfig."""
    gcp = provider()
    high_perf = gcp.bucket(
        bucket_name="analytics-data",
        path="hot-data/",
        config=GcsConfig(
            **{
                "versioning": False,
                "soft_delete_retention_days": 7,
                "lifecycle_rules": [
                    {"action": "SetStorageClass", "storage_class": "COLDLINE", "age_days": 30},
                    {"action": "Delete", "age_days": 7, "matches_prefix": ["tmp/"]},
                ],
                **(hot or {}),
            }
        ),
    )
    cold_storage = gcp.bucket(
        bucket_name="analytics-data",
        path="archive/",
        config=GcsConfig(
            **{
                "versioning": True,
                "soft_delete_retention_days": 30,
                "lifecycle_rules": [
                    {"action": "SetStorageClass", "storage_class": "ARCHIVE", "age_days": 0}
                ],
                **(cold or {}),
            }
        ),
    )
    spark = gcp.executor("etl", config=DataprocConfig(serverless=True))

    @task(executor=spark)
    def archive() -> None:
        cold_storage.write(high_perf.read())

    @pipeline(name="example5")
    def example() -> None:
        archive()

    return example


def test_example5_compiles_to_one_bucket_with_prefix_scoped_rules(export_and_run) -> None:
    infra = example5().compile(PulumiCompiler())
    notes = "\n".join(infra.notes)
    assert "analytics-data: versioning is bucket-level: merged to True" in notes
    assert "soft_delete_retention_days is bucket-level: merged to 30" in notes
    assert "lifecycle_rules apply per path" in notes
    _, graph = export_and_run(infra)
    (bucket,) = graph.of_type(BUCKET)
    inputs = bucket.inputs
    assert inputs["name"] == "analytics-data" and inputs["location"] == "US-CENTRAL1"
    assert inputs["versioning"] == {"enabled": True}  # any part asks for it
    assert inputs["softDeletePolicy"] == {"retentionDurationSeconds": 30 * DAY}  # the longer
    assert inputs["publicAccessPrevention"] == "enforced"
    rules = [
        (
            r["action"]["type"],
            r["action"].get("storageClass"),
            r["condition"]["age"],
            r["condition"]["matchesPrefixes"],
        )
        for r in inputs["lifecycleRules"]
    ]
    assert rules == [
        ("SetStorageClass", "COLDLINE", 30, ["hot-data/"]),
        ("Delete", None, 7, ["hot-data/tmp/"]),  # the rule's own prefix, under the path
        ("SetStorageClass", "ARCHIVE", 0, ["archive/"]),
    ]
    # grants on the shared bucket stay per path
    members = {r.name: r.inputs for r in graph.of_type(MEMBER)}
    read = members["etl-read-analytics-data"]["condition"]["expression"]
    write = members["etl-write-analytics-data"]["condition"]["expression"]
    assert 'startsWith("projects/_/buckets/analytics-data/objects/hot-data/")' in read
    assert 'startsWith("projects/_/buckets/analytics-data/objects/archive/")' in write


def test_recompile_keeps_logical_names() -> None:
    first = example5().compile(PulumiCompiler()).program
    assert example5().compile(PulumiCompiler()).program == first


def test_location_pinned_on_one_path_applies_to_the_bucket(export_and_run) -> None:
    infra = example5(cold={"location": "EU"}).compile(PulumiCompiler())
    assert any("location is bucket-level: merged to 'EU'" in n for n in infra.notes)
    _, graph = export_and_run(infra)
    assert graph.one(BUCKET).inputs["location"] == "EU"


@pytest.mark.parametrize(
    "hot, cold, message",
    [
        ({"location": "US"}, {"location": "EU"}, r"location to 'US' and 'EU'"),
        ({"storage_class": "NEARLINE"}, {}, r"set storage_class differently \('NEARLINE'"),
    ],
)
def test_pinned_contradiction_still_errors(
    hot: dict[str, Any], cold: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConflictingConfigError, match=message):
        example5(hot, cold).compile(PulumiCompiler())


def test_design_example2_objects_of_one_bucket(export_and_run) -> None:
    """Design Example 2 on GCP: two single-object Glacier buckets in ``data-lake``, no
    configs: one bucket, and grants limited to each object (and its atomic-write siblings)."""
    gcp = Provider(config=GcpConfig(project="my-project", region="us-central1"))
    data = gcp.bucket("data-lake", path="input.parquet")
    output = gcp.bucket("data-lake", path="output.parquet")
    spark = gcp.executor("etl", config=DataprocConfig(serverless=True))

    @task(executor=spark)
    def transform() -> None:
        output.write(data.read())

    @pipeline(name="example2")
    def example() -> None:
        transform()

    infra = example.compile(PulumiCompiler())
    assert not infra.notes  # nothing to merge
    _, graph = export_and_run(infra)
    assert graph.one(BUCKET).inputs["name"] == "data-lake"
    members = {r.name: r.inputs for r in graph.of_type(MEMBER)}
    objects = "projects/_/buckets/data-lake/objects/"
    assert (
        f'startsWith("{objects}input.parquet")'
        in (members["etl-read-data-lake"]["condition"]["expression"])
    )
    assert members["etl-write-data-lake"]["condition"]["expression"] == (
        f'resource.name.startsWith("{objects}output.parquet")'
    )


def test_longest_rule_takes_the_largest_value_set() -> None:
    """``longest`` (soft delete): the largest value any part sets; unset parts take it."""
    from glacier.plugin import Part, longest

    merged = longest("days", [Part("a", "a/", 7), Part("b", "b/", None), Part("c", "c/", 30)])
    assert merged.value == 30
    assert merged.notes == ("days is bucket-level: merged to 30 (the stronger) for 'a', 'b'",)
    assert longest("days", [Part("a", "a/", None), Part("b", "b/", None)]).value is None


def test_lifecycle_tiers_of_each_path_carry_its_prefix(export_and_run) -> None:
    gcp = provider()
    a = gcp.bucket(
        "tiered-data",
        path="logs/",
        advanced_config=AdvancedStorageConfig(lifecycle_tiers=[("cool", 30)]),
    )
    b = gcp.bucket(
        "tiered-data",
        path="backups/",
        advanced_config=AdvancedStorageConfig(lifecycle_tiers=[("archive", 90)]),
    )

    @task
    def copy() -> None:
        b.write(a.read())

    @pipeline(name="tiers")
    def tiers() -> None:
        copy()

    _, graph = export_and_run(tiers.compile(PulumiCompiler()))
    rules = graph.one(BUCKET).inputs["lifecycleRules"]
    assert [
        (r["action"]["storageClass"], r["condition"]["age"], r["condition"]["matchesPrefixes"])
        for r in rules
    ] == [("NEARLINE", 30, ["logs/"]), ("ARCHIVE", 90, ["backups/"])]


def existing_pipeline(**bucket_kwargs: Any) -> Any:
    gcp = provider()
    raw = gcp.bucket("corp-lake", path="raw/events/", existing=True, **bucket_kwargs)
    out = gcp.bucket("glacier-out", path="daily/")
    spark = gcp.executor("etl", config=DataprocConfig(staging_bucket="glacier-out"))

    @task(executor=spark)
    def load() -> None:
        out.write(raw.read().filter(pl.col("x") > 0))

    @pipeline(name="existing")
    def existing() -> None:
        load()

    return existing


def test_existing_bucket_is_referenced_not_created(export_and_run) -> None:
    infra = existing_pipeline().compile(PulumiCompiler())
    assert 'gcp.storage.Bucket.get(\n    "corp-lake",\n    "corp-lake",' in infra.program
    _, graph = export_and_run(infra)
    buckets = {r.name: r for r in graph.of_type(BUCKET)}
    assert buckets["corp-lake"].read_id == "corp-lake"  # read, not registered
    assert buckets["corp-lake"].provider_name == "gcp-glacier-prod-1-us-central1"
    assert buckets["glacier-out"].read_id == ""  # created
    managed = {r.name for r in graph.resources if r.read_id == ""}
    assert not {n for n in managed if n.startswith("corp-lake")}  # no settings resources
    read = {r.name: r.inputs for r in graph.of_type(MEMBER)}["etl-read-corp-lake"]
    assert read["bucket"] == "corp-lake"  # the grant names the referenced bucket
    # the grant is still scoped to the path the DAG reads
    assert (
        'startsWith("projects/_/buckets/corp-lake/objects/raw/events/")'
        in (read["condition"]["expression"])
    )


def test_existing_bucket_with_settings_is_refused() -> None:
    with pytest.raises(ConflictingConfigError, match="existing=True"):
        existing_pipeline(config=GcsConfig(versioning=True)).compile(PulumiCompiler())
