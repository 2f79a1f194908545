"""MinioBucketAdapter: the bucket contract against a real S3-compatible server, keys from the
environment, clear errors, and what crosses into a job process (never the keys)."""

from __future__ import annotations

import uuid

import polars as pl
import pytest
from minio_helpers import ACCESS_KEY, BUCKET, SECRET_KEY, s3_client
from polars.testing import assert_frame_equal
from pydantic import SecretStr

from glacier import Provider, pipeline, task
from glacier.errors import (
    AccessDeniedError,
    BucketNotFoundError,
    InvalidBucketNameError,
    PipelineFailedError,
)
from glacier.plugin import BucketSpec
from glacier.testing import BucketContract


class TestMinioBucketContract(BucketContract):
    """Everything every bucket backend must do (atomic writes, datasets, pushdown, ...)."""

    scheme = "s3"

    @pytest.fixture
    def provider(self, endpoint: str) -> Provider:
        return minio(endpoint, keys=True)

    @pytest.fixture
    def bucket_name(self) -> str:
        return BUCKET


def minio(endpoint: str, *, keys: bool = False) -> Provider:
    """A MinioConfig provider, with the keys in its config or (as in a job process) none."""
    from glacier.config import MinioConfig

    if not keys:
        return Provider(MinioConfig(endpoint=endpoint))
    return Provider(
        MinioConfig(
            endpoint=endpoint, access_key=SecretStr(ACCESS_KEY), secret_key=SecretStr(SECRET_KEY)
        )
    )


@pytest.fixture
def provider(endpoint: str) -> Provider:
    return minio(endpoint, keys=True)


def test_keys_come_from_the_environment_when_the_config_has_none(
    endpoint: str, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("MINIO_ACCESS_KEY", ACCESS_KEY)
    clean_env.setenv("MINIO_SECRET_KEY", SECRET_KEY)
    bucket = minio(endpoint).bucket(BUCKET, path=f"env-{uuid.uuid4().hex[:8]}/data.parquet")
    frame = pl.DataFrame({"id": [1, 2, 3]})
    bucket.write(frame)
    assert_frame_equal(bucket.read(), frame)


def test_no_keys_anywhere_is_a_clear_error_before_any_request() -> None:
    # Nothing listens on port 9: any request would fail with a connection error instead.
    bucket = minio("http://127.0.0.1:9").bucket(BUCKET, path="x.parquet")
    with pytest.raises(AccessDeniedError, match="no MinIO keys") as info:
        bucket.scan().collect()
    message = str(info.value)
    assert "MINIO_ACCESS_KEY" in message and "MinioConfig(access_key=" in message
    assert info.value.uri == "s3://glacier-minio/x.parquet"


def test_missing_bucket_is_named(provider: Provider) -> None:
    bucket = provider.bucket("no-such-bucket", path="x.parquet")
    with pytest.raises(BucketNotFoundError, match="'no-such-bucket' does not exist"):
        bucket.write(pl.DataFrame({"id": [1]}))


def test_bucket_names_follow_the_s3_rules(provider: Provider) -> None:
    with pytest.raises(InvalidBucketNameError, match="lowercase letters"):
        provider.bucket("Lake_Bucket", path="x.parquet")


def test_delta_tables_commit_with_conditional_puts(provider: Provider) -> None:
    bucket = provider.bucket(BUCKET, path=f"delta-{uuid.uuid4().hex[:8]}/", format="delta")
    bucket.write(pl.DataFrame({"id": [1, 2]}))
    bucket.write(pl.DataFrame({"id": [3]}))  # a second version replaces the first
    assert bucket.read()["id"].to_list() == [3]


def test_bucket_refs_carry_no_keys(provider: Provider) -> None:
    """What a job spec holds for a MinIO bucket: public fields only."""
    ref = BucketSpec.of(provider.bucket(BUCKET, path="in.parquet"))
    text = ref.model_dump_json()
    assert ACCESS_KEY not in text and SECRET_KEY not in text
    assert ref.provider_type == "MinioConfig"
    assert set(ref.provider) == {"endpoint", "region", "allow_http"}


# -- a task in a job process (the local executor: a worker process per task) ----------------
def total_amount(source):  # type: ignore[no-untyped-def]
    """Runs in the worker: opens the MinIO bucket from its ref, with the worker's keys."""
    return int(source.read()["amount"].sum())


def run_in_worker(provider: Provider, path: str):  # type: ignore[no-untyped-def]
    from glacier.config import LocalExecutorConfig

    source = provider.bucket(BUCKET, path=path)
    worker = provider.executor("worker", config=LocalExecutorConfig())
    total = task(executor=worker)(total_amount)

    @pipeline(name="minio-worker")
    def sums() -> None:
        total(source)

    return sums.run()


def test_a_job_process_reads_with_keys_from_its_own_environment(
    provider: Provider, clean_env: pytest.MonkeyPatch
) -> None:
    path = f"jobs-{uuid.uuid4().hex[:8]}/in.parquet"
    provider.bucket(BUCKET, path=path).write(pl.DataFrame({"amount": [10, 20, 12]}))
    clean_env.setenv("MINIO_ACCESS_KEY", ACCESS_KEY)  # the engine's environment
    clean_env.setenv("MINIO_SECRET_KEY", SECRET_KEY)
    result = run_in_worker(provider, path)
    assert result.ok, result.failed
    assert result.output("total_amount") == 42


def test_a_job_process_without_keys_fails_clearly(provider: Provider) -> None:
    """The driver's config holds the keys; the worker still has none: they never cross."""
    path = f"jobs-{uuid.uuid4().hex[:8]}/in.parquet"
    provider.bucket(BUCKET, path=path).write(pl.DataFrame({"amount": [1]}))
    with pytest.raises(PipelineFailedError) as info:
        run_in_worker(provider, path)
    error = str(info.value)
    assert "AccessDeniedError: Cannot reach s3://glacier-minio/jobs-" in error
    assert "no MinIO keys" in error and "MINIO_ACCESS_KEY" in error
    assert SECRET_KEY not in error


def test_run_records_can_live_on_minio(endpoint: str, provider: Provider) -> None:
    """Run records use the bucket's blobs(), which the object-store base provides."""
    prefix = f"runs-{uuid.uuid4().hex[:8]}/"
    records = provider.bucket(BUCKET, path=prefix)

    @task
    def one() -> int:
        return 1

    @pipeline(name="minio-records", runs=records)
    def recorded() -> None:
        one()

    assert recorded.run().ok
    keys = [
        o["Key"]
        for o in s3_client(endpoint).list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]
    ]
    assert any(k.startswith(f"{prefix}minio-records/") and k.endswith(".json") for k in keys), keys
