"""Suite-wide fixtures. Cloud-specific fixtures (local servers) live in their folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from glacier.testing.plugins import plugin_host  # noqa: F401  (fixture)


@pytest.fixture
def local_provider(tmp_path: Path):  # type: ignore[no-untyped-def]
    from glacier import Provider
    from glacier.config import LocalConfig

    return Provider(config=LocalConfig(base_path=tmp_path / "data"))


@pytest.fixture(autouse=True, scope="session")
def _run_records_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every Pipeline.run() writes a run record (docs/operating.md): keep the suite's in a
    temporary folder instead of ./data/_glacier/runs."""
    import os

    old = os.environ.get("GLACIER_RUNS_URI")
    os.environ["GLACIER_RUNS_URI"] = str(tmp_path_factory.mktemp("glacier-runs"))
    yield
    if old is None:
        os.environ.pop("GLACIER_RUNS_URI", None)
    else:
        os.environ["GLACIER_RUNS_URI"] = old


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No cloud-selecting variables, so Provider.from_env() is deterministic."""
    for var in (
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AZURE_RESOURCE_GROUP",
        "AZURE_STORAGE_ACCOUNT",
        "AZURE_STORAGE_CONNECTION_STRING",
        "GCP_PROJECT",
        "GOOGLE_CLOUD_PROJECT",
        "GLACIER_LOCAL_BASE_PATH",
        "GLACIER_DISABLE_PLUGINS",
    ):
        monkeypatch.delenv(var, raising=False)
    yield monkeypatch


# -- process exit --------------------------------------------------------------------------
# After every test has passed and the summary is printed, the interpreter's own shutdown has
# occasionally died with SIGABRT and no message (seen once in three full CI runs). A native
# library's background thread (grpc via google-cloud-dataproc, fsspec's event-loop threads,
# ...) is torn down mid-flight during finalization. Nothing is left to run at that point,
# so leave with pytest's real exit status and skip the finalization: servers and clusters
# were stopped by their fixtures. Set GLACIER_TEST_NORMAL_EXIT=1 to keep the normal exit
# when investigating.
_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    import os
    import sys

    if _exit_status and not os.environ.get("GLACIER_TEST_NORMAL_EXIT"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[-1])
