"""A writer killed with SIGKILL in the middle of an upload leaves the previous object intact
and readable, on every backend (the object store commits a key in one step)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier import Provider
from glacier.errors import PollTimeoutError
from tests.polling import wait_until
from tests.storage.storage_servers import (
    AWS_KEY_ID,
    AWS_SECRET,
    AZURITE_ACCOUNT,
    Server,
    azurite_connection_string,
    cloudless_env,
    create_container,
    create_gcs_bucket,
    create_s3_bucket,
)

CHILD = Path(__file__).with_name("kill_writer.py")
BUCKET = "glacier-kill"
PATH = "atomic/object.parquet"
#: ~17 bytes a row: 5M rows is ~85 MB, more than one S3 multipart part (s3fs: 50 MB).
ROWS = 5_000_000
BEFORE = pl.DataFrame({"id": [1, 2, 3], "x": [10, 20, 30], "y": [7, 8, 9]}).cast(
    {"x": pl.UInt64, "y": pl.UInt64}
)


def s3_upload_in_flight(server: Server) -> Callable[[], bool]:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=AWS_KEY_ID,
        aws_secret_access_key=AWS_SECRET,
    )

    def check() -> bool:
        uploads = client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
        for upload in uploads:
            parts = client.list_parts(Bucket=BUCKET, Key=PATH, UploadId=upload["UploadId"])
            if parts.get("Parts"):
                return True
        return False

    return check


def azure_blocks_staged(server: Server) -> Callable[[], bool]:
    from azure.storage.blob import BlobClient

    blob = BlobClient.from_connection_string(
        azurite_connection_string(server.endpoint), BUCKET, PATH
    )

    def check() -> bool:
        _, uncommitted = blob.get_block_list("uncommitted")
        return len(uncommitted) >= 2

    return check


class Child:
    """The writer subprocess, with its output lines counted as they arrive."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), BUCKET, PATH, str(ROWS)],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.batches = 0
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())
            if line.startswith("batch"):
                self.batches += 1

    def kill_when(self, ready: Callable[[], bool], timeout: float = 60.0) -> None:
        def in_flight() -> bool:
            assert self.proc.poll() is None, (
                f"writer ended before it was killed: {self.lines[-3:]} "
                f"{self.proc.stderr.read() if self.proc.stderr else ''}"
            )
            assert "done" not in self.lines, "the write finished before the kill"
            return ready()

        try:
            wait_until(in_flight, "an upload in flight", timeout, every=0.05)
        except PollTimeoutError:
            self.proc.kill()
            raise
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout)
        assert self.proc.returncode == -signal.SIGKILL


@pytest.mark.parametrize("backend", ["local", "s3", "azure", "gcs"])
def test_sigkill_mid_write_keeps_previous_object(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    env = {**cloudless_env()}
    if backend == "local":
        env["GLACIER_LOCAL_BASE_PATH"] = str(tmp_path / "data")
        ready: Callable[[], bool] = lambda: child.batches >= 10  # noqa: E731
    elif backend == "s3":
        server: Server = request.getfixturevalue("moto_server")
        create_s3_bucket(server.endpoint, BUCKET)
        env.update(server.env)
        ready = s3_upload_in_flight(server)
    elif backend == "azure":
        server = request.getfixturevalue("azurite_server")
        create_container(server.endpoint, BUCKET)
        env.update(server.env, AZURE_STORAGE_ACCOUNT=AZURITE_ACCOUNT)
        ready = azure_blocks_staged(server)
    else:
        server = request.getfixturevalue("gcs_server")
        create_gcs_bucket(server.endpoint, BUCKET)
        env.update(server.env)
        # gcsfs sends a resumable-upload chunk every 5 MB; ~15 batches is ~25 MB produced.
        ready = lambda: child.batches >= 15  # noqa: E731
    bucket = Provider.from_env(environ=env).bucket(BUCKET, path=PATH)
    bucket.write(BEFORE)

    child = Child(env, tmp_path)
    child.kill_when(ready)

    assert_frame_equal(bucket.read(), BEFORE)
    assert bucket.list() == [bucket.get_uri()]
