"""The bucket path policy, checked in core when a Bucket is created (every backend), and the
bucket-root rule of write()/delete()."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from glacier import Provider
from glacier.config import LocalConfig
from glacier.errors import InvalidPathError, ResourceError

BAD_PATHS = [
    (None, "must be a str"),
    (3, "must be a str"),
    (b"raw/x.parquet", "must be a str"),
    ("a\x00b/x.parquet", "control character"),
    ("raw/x\n.parquet", "control character"),
    ("raw\x7f/", "control character"),
    ("raw/\ud800.parquet", "lone surrogate"),
    ("../x.parquet", "'..' segment"),
    ("../../", "'..' segment"),
    ("a/../../b/", "'..' segment"),
    ("./a.parquet", "'.' segment"),
    ("a/./b/", "'.' segment"),
    ("a//b.parquet", "empty segment"),
    ("//", "starts with '/'"),
    ("/etc/passwd", "starts with '/'"),
    ("a\\b.parquet", "backslash"),
    ("*", "wildcards"),
    ("logs/*", "wildcards"),
    ("logs/?.parquet", "wildcards"),
    ("logs/[ab].parquet", "wildcards"),
    ("logs/{a,b}/", "wildcards"),
    ("home/${aws:username}/", "wildcards"),
    ("x" * 1025, "1025 bytes"),
    ("é" * 513, "1026 bytes"),
]


@pytest.mark.parametrize(("path", "problem"), BAD_PATHS)
def test_bad_path_is_refused_before_any_side_effect(
    tmp_path: Path, path: object, problem: str
) -> None:
    base = tmp_path / "data"
    provider = Provider(config=LocalConfig(base_path=base))
    with pytest.raises(InvalidPathError, match="path") as info:
        provider.bucket("lake", path=path)  # type: ignore[arg-type]
    message = str(info.value)
    assert problem in message
    assert "'lake'" in message
    assert len(message) < 500  # the value is shown truncated
    assert isinstance(info.value, ResourceError)
    assert not base.exists()
    assert provider.get_resources() == []


def test_policy_is_the_same_on_every_backend() -> None:
    from glacier.config import AwsConfig, AzureConfig, GcpConfig

    configs = [
        AwsConfig(region="eu-west-1"),
        AzureConfig(resource_group="rg", storage_account="acct", location="westeurope"),
        GcpConfig(project="my-project", region="europe-west1"),
    ]
    for config in configs:
        provider = Provider(config=config)
        for path, problem in BAD_PATHS:
            with pytest.raises(InvalidPathError, match="path") as info:
                provider.bucket("lake", path=path)  # type: ignore[arg-type]
            assert problem in str(info.value)


@pytest.mark.parametrize(
    "path",
    [
        "raw/sales.parquet",
        "events/",
        "a/b/c/",
        "date=2024-01-01/part.parquet",
        "_glacier/jobs/j1/",
        ".hidden/x.csv",
        "spaces and ünïcödé/x.parquet",
        "x" * 1020 + ".csv",
    ],
)
def test_good_paths_are_kept_as_given(local_provider: Provider, path: str) -> None:
    bucket = local_provider.bucket("lake", path=path)
    assert bucket.path == path
    assert not bucket.explicit_root


def test_whole_bucket_can_be_read_but_not_written_or_deleted(
    local_provider: Provider, tmp_path: Path
) -> None:
    local_provider.bucket("lake", path="events/").write(pl.DataFrame({"id": [1]}))
    local_provider.bucket("lake", path="notes.csv").write(pl.DataFrame({"n": ["keep"]}))
    whole = local_provider.bucket("lake")
    assert whole.path == "" and whole.is_dataset and not whole.explicit_root
    assert whole.read()["id"].to_list() == [1]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    with pytest.raises(InvalidPathError) as info:
        whole.write(pl.DataFrame({"id": [2]}))
    assert str(info.value) == (
        "Bucket 'lake': write() with path='' would replace every parquet file in bucket "
        "'lake'. Use a dataset prefix such as path='events/', or declare the bucket-root "
        "dataset explicitly with path='/'."
    )
    with pytest.raises(InvalidPathError, match="delete every parquet file in bucket 'lake'"):
        whole.delete()
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert whole.read()["id"].to_list() == [1]


def test_explicit_root_dataset_is_writable(local_provider: Provider) -> None:
    notes = local_provider.bucket("lake", path="notes.csv")
    notes.write(pl.DataFrame({"n": ["keep"]}))
    root = local_provider.bucket("lake", path="/")
    assert root.path == "" and root.explicit_root and root.is_dataset
    assert "path='/'" in repr(root)
    root.write(pl.DataFrame({"id": [1, 2]}))
    assert sorted(root.read()["id"].to_list()) == [1, 2]
    assert root.get_uri() == local_provider.bucket("lake").get_uri()
    root.delete()
    assert not root.exists()
    assert notes.read()["n"].to_list() == ["keep"]  # another format: untouched


def test_whole_bucket_still_works_as_a_compile_time_reference(local_provider: Provider) -> None:
    staging = local_provider.bucket("stage")
    assert staging.get_uri().endswith("/stage/")
    assert staging.name == "stage"


def test_explicit_root_survives_a_job_ref(local_provider: Provider) -> None:
    from glacier.jobs.spec import BucketSpec

    ref = BucketSpec.of(local_provider.bucket("lake", path="/"))
    reopened = ref.open(local_provider)
    assert reopened.explicit_root and reopened.path == ""
    reopened.write(pl.DataFrame({"id": [1]}))
    assert ref.child("x.parquet").path == "x.parquet"
    assert not BucketSpec.of(local_provider.bucket("lake")).open(local_provider).explicit_root
