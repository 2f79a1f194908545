"""``format="delta"`` (issue 10, item 3): Delta Lake tables through delta-rs on local disk,
S3 (moto) and Azure Blob (Azurite), with the provider's credentials; concurrent writers
leave exactly one writer's data. On the GCS emulator a clear error says why it cannot work.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier import Provider
from glacier.config import LocalConfig
from glacier.errors import NotSupportedError, ObjectNotFoundError
from glacier.resources.bucket import Bucket
from glacier.testing.contracts import failing_lazyframe
from tests.storage.storage_servers import (
    AZURITE_ACCOUNT,
    CONTRACT_BUCKET,
    REPO,
    Server,
    cloudless_env,
)
from tests.storage.test_transactional_datasets import one_writer, raw_keys, writer_frame

BACKENDS = ["local", "s3", "azure"]
PROVIDERS = {"s3": "s3_provider", "azure": "blob_provider", "gcs": "gcs_provider"}
SERVERS = {"s3": "moto_server", "azure": "azurite_server"}
WRITERS = 8
WRITER_SCRIPT = Path(__file__).with_name("dataset_writer.py")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def provider(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Provider:
    if backend == "local":
        return Provider(LocalConfig(base_path=str(tmp_path / "data")))
    return request.getfixturevalue(PROVIDERS[backend])  # type: ignore[no-any-return]


@pytest.fixture
def table(provider: Provider) -> Bucket:
    return provider.bucket(CONTRACT_BUCKET, path=f"delta-{uuid.uuid4().hex[:8]}/", format="delta")


def test_roundtrip_partitions_pushdown_exists_list_delete(table: Bucket) -> None:
    assert not table.exists()
    assert table.list() == []
    with pytest.raises(ObjectNotFoundError, match="No Delta table"):
        table.scan()
    first = writer_frame(1, 1)
    result = table.write(first)
    assert result.rows == first.height and result.uri == table.get_uri()
    assert one_writer(table.read()) == (1, 1)

    second = writer_frame(2, 1)
    table.write(second.lazy(), partition_by=["region"])  # schema/partitioning may change
    assert one_writer(table.read()) == (2, 1)
    assert table.exists()
    assert len(table.list()) == 3
    assert all("region=" in uri for uri in table.list())
    eu = table.scan().filter(pl.col("region") == "eu").select("i").collect()
    assert_frame_equal(
        eu.sort("i"), second.filter(pl.col("region") == "eu").select("i"), check_dtypes=False
    )

    table.delete()
    assert not table.exists()
    assert table.list() == []
    table.delete()  # deleting what is gone is not an error


def test_failed_write_keeps_previous_version(table: Bucket) -> None:
    table.write(writer_frame(1, 1))
    with pytest.raises(Exception, match="failing on purpose"):
        table.write(failing_lazyframe())
    assert one_writer(table.read()) == (1, 1)


def test_delete_keeps_other_formats(provider: Provider, backend: str) -> None:
    prefix = f"delta-mixed-{uuid.uuid4().hex[:8]}/"
    table = provider.bucket(CONTRACT_BUCKET, path=prefix, format="delta")
    csv = provider.bucket(CONTRACT_BUCKET, path=f"{prefix}meta.csv")
    csv.write(pl.DataFrame({"a": [1]}))
    table.write(writer_frame(1, 1), partition_by=["region"])
    table.delete()
    assert csv.exists()
    if backend != "local":
        assert raw_keys(csv, prefix) == [f"{prefix}meta.csv"]


def test_concurrent_writer_threads_leave_one_writers_data(table: Bucket) -> None:
    """8 writers at once, twice: the table equals one writer's rows, readers never see a
    mix, and no writer fails (a lost commit race is written again on the new version)."""
    table.write(writer_frame(0, 0))
    provider = table.provider
    for round_ in (1, 2):
        barrier = threading.Barrier(WRITERS)
        errors: list[BaseException] = []
        reads: list[tuple[int, int]] = []

        def write(
            writer: int,
            round_: int = round_,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            mine = provider.bucket(table.bucket_name, path=table.path, format="delta")
            barrier.wait()
            try:
                mine.write(writer_frame(writer, round_), partition_by=["region"])
            except BaseException as exc:
                errors.append(exc)

        def read(
            reads: list[tuple[int, int]] = reads, errors: list[BaseException] = errors
        ) -> None:
            mine = provider.bucket(table.bucket_name, path=table.path, format="delta")
            for _ in range(5):
                try:
                    reads.append(one_writer(mine.read()))
                except BaseException as exc:
                    errors.append(exc)

        threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
        threads.append(threading.Thread(target=read))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, repr(errors[0])
        writer, seen_round = one_writer(table.read())
        assert seen_round == round_ and 0 <= writer < WRITERS
        assert len(reads) == 5


@pytest.mark.parametrize("cloud", ["s3", "azure"])
def test_concurrent_writer_processes(
    cloud: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server: Server = request.getfixturevalue(SERVERS[cloud])
    provider: Provider = request.getfixturevalue(PROVIDERS[cloud])
    env = {**cloudless_env(), **server.env}
    if cloud == "azure":
        env["AZURE_STORAGE_ACCOUNT"] = AZURITE_ACCOUNT
    path = f"delta-proc-{uuid.uuid4().hex[:8]}/"
    procs = [
        subprocess.Popen(
            [sys.executable, str(WRITER_SCRIPT), CONTRACT_BUCKET, path, str(w), "1", "delta"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
    table = provider.bucket(CONTRACT_BUCKET, path=path, format="delta")
    assert one_writer(table.read())[1] == 1


def test_s3_profile_credentials_reach_delta_rs(
    moto_server: Server, s3_provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """delta-rs reads no AWS profiles: Glacier resolves the profile and passes its keys."""
    from glacier.config import AwsConfig
    from tests.storage.storage_servers import AWS_KEY_ID, AWS_SECRET

    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[glacier]\naws_access_key_id = {AWS_KEY_ID}\naws_secret_access_key = {AWS_SECRET}\n"
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    provider = Provider(
        AwsConfig(region="us-east-1", endpoint_url=moto_server.endpoint, profile="glacier")
    )
    table = provider.bucket(
        CONTRACT_BUCKET, path=f"delta-prof-{uuid.uuid4().hex[:8]}/", format="delta"
    )
    table.write(writer_frame(4, 1))
    assert one_writer(table.read()) == (4, 1)


def test_gcs_emulator_refuses_delta_clearly(gcs_provider: Provider) -> None:
    table = gcs_provider.bucket(CONTRACT_BUCKET, path="delta-gcs/", format="delta")
    with pytest.raises(NotSupportedError, match="XML API") as info:
        table.write(writer_frame(1, 1))
    assert "format='parquet'" in str(info.value)


def test_missing_deltalake_says_how_to_install(tmp_path: Path) -> None:
    """Without deltalake installed (hidden from the child interpreter), a Delta bucket fails
    with the pip command, not an ImportError deep in a stack."""
    code = (
        "import sys; sys.modules['deltalake'] = None\n"
        "import polars as pl\n"
        "from glacier import Provider\n"
        "from glacier.config import LocalConfig\n"
        "from glacier.errors import MissingDependencyError\n"
        f"b = Provider(LocalConfig(base_path={str(tmp_path)!r})).bucket('l', path='t/', "
        "format='delta')\n"
        "try:\n"
        "    b.write(pl.DataFrame({'a': [1]}))\n"
        "except MissingDependencyError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert "pip install 'glacier-core[delta]'" in out.stdout, out.stderr[-2000:]
