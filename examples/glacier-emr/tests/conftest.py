"""Fixtures of the glacier-emr tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from glacier import Provider
from glacier.config import LocalConfig
from glacier.jobs.spec import BucketSpec


@pytest.fixture(scope="session")
def emr_record(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A deployment record naming an artifact that vendors every installed Glacier
    distribution (the contract's tasks are glacier.testing functions)."""
    from glacier.testing.artifacts import artifact_record

    here = Path(__file__).resolve().parent
    return artifact_record(here / "emr_helpers.py", tmp_path_factory.mktemp("emr-artifact"))


@pytest.fixture(autouse=True)
def deployment(emr_record, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Every step carries the artifact (the fake EMR runs nothing else)."""
    monkeypatch.setenv("GLACIER_DEPLOYMENT", emr_record.to_json())
    return emr_record


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_EMR"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def local_staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stage job packages in a local folder (glacier_aws.storage, the S3 bucket adapter, is
    not available yet in this checkout; with it, staging_bucket alone is enough)."""
    from glacier_emr.adapter import EmrAdapter

    local = Provider(config=LocalConfig(base_path=tmp_path / "staging"))

    def staging(self: EmrAdapter, job_id: str) -> BucketSpec:
        return BucketSpec.of(local.bucket("emr", path=f"_glacier/jobs/{job_id}/"))

    monkeypatch.setattr(EmrAdapter, "staging_location", staging)
