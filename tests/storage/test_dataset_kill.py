"""A dataset writer killed with SIGKILL in the middle of its write leaves the previous
version committed and readable on every object store; what it uploaded is in no manifest,
so readers never see it, and ``gc`` removes it (issue 10, items 3 and 5)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from glacier import Provider
from tests.storage.storage_servers import AZURITE_ACCOUNT, CONTRACT_BUCKET, Server, cloudless_env
from tests.storage.test_transactional_datasets import one_writer, raw_keys, writer_frame

CHILD = Path(__file__).with_name("kill_writer.py")
ROWS = 5_000_000
SERVERS = {"s3": "moto_server", "azure": "azurite_server", "gcs": "gcs_server"}
PROVIDERS = {"s3": "s3_provider", "azure": "blob_provider", "gcs": "gcs_provider"}


@pytest.mark.parametrize("cloud", list(SERVERS))
def test_sigkill_mid_dataset_write_keeps_committed_version(
    cloud: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    server: Server = request.getfixturevalue(SERVERS[cloud])
    request.getfixturevalue(PROVIDERS[cloud])  # creates the contract bucket on the server
    env = {**cloudless_env(), **server.env}
    if cloud == "azure":
        env["AZURE_STORAGE_ACCOUNT"] = AZURITE_ACCOUNT
    prefix = f"kill-{uuid.uuid4().hex[:8]}/"
    bucket = Provider.from_env(environ=env).bucket(CONTRACT_BUCKET, path=prefix)
    bucket.write(writer_frame(1, 1))
    committed = bucket.list()

    proc = subprocess.Popen(
        [sys.executable, str(CHILD), CONTRACT_BUCKET, prefix, str(ROWS)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    batches: list[str] = []

    def count() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            batches.append(line.strip())

    threading.Thread(target=count, daemon=True).start()
    deadline = time.monotonic() + 120
    while sum(b == "batch" for b in batches) < 20:  # well into the streaming upload
        assert proc.poll() is None, f"writer ended early: {batches[-3:]}"
        assert time.monotonic() < deadline, "the writer produced no batches in 120 s"
        time.sleep(0.05)
    assert "done" not in batches
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    assert one_writer(bucket.read()) == (1, 1)
    assert bucket.list() == committed
    bucket._get_adapter().gc(older_than=timedelta(0))  # type: ignore[attr-defined]
    data = {k.rsplit("/", 1)[-1] for k in raw_keys(bucket, prefix) if k.endswith(".parquet")}
    assert data == {u.rsplit("/", 1)[-1] for u in committed}  # nothing of the killed write
