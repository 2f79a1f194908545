"""Partitioned uploads stage hive folders on local disk; a full disk there (EFBIG/ENOSPC)
is a StorageError naming the URI (issue 10, item 11), not a raw Polars "File too large".

The child process limits the size of files it may write (RLIMIT_FSIZE), which makes the
kernel fail the staging writes with EFBIG exactly like a full disk or quota would.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from tests.storage.storage_servers import CONTRACT_BUCKET, REPO, Server, cloudless_env

CHILD = """
import resource, signal, sys
import polars as pl
from glacier import Provider
from glacier.errors import StorageError

bucket = Provider.from_env().bucket(sys.argv[1], path=sys.argv[2])
frame = pl.DataFrame({"region": ["eu", "us"] * 200_000, "x": pl.int_range(0, 400_000, eager=True)})
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
try:
    bucket.write(frame, partition_by=["region"])
except StorageError as exc:
    print("STORAGE-ERROR", exc.uri, "|", exc)
except BaseException as exc:
    print("OTHER", type(exc).__name__, exc)
else:
    print("WROTE")
"""


def test_disk_full_while_staging_partitions_is_a_storage_error(
    moto_server: Server, s3_provider: object, tmp_path: Path
) -> None:
    path = f"diskfull-{uuid.uuid4().hex[:8]}/"
    env = {**cloudless_env(), **moto_server.env, "TMPDIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, CONTRACT_BUCKET, path],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-2000:]
    assert line.startswith("STORAGE-ERROR"), line
    uri = f"s3://{CONTRACT_BUCKET}/{path}"
    assert line.split()[1] == uri
    assert "disk is full or the file is too large" in line
    assert "File too large" in line or "os error 27" in line
    assert not list(tmp_path.glob("glacier-partitions-*"))  # the staging folder is gone
