"""GlueAdapter (boto3) against a local stand-in of the Glue API that really runs the job
script. Staging: glacier_aws.storage (the S3 bucket adapter) is not in the tree yet, so the
executor's staging is redirected to a local folder; S3 staging is NOT exercised here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_glue import FakeGlue, fake_glue

from glacier import Provider
from glacier.config import LocalConfig
from glacier.jobs.spec import BucketSpec
from glacier.testing.executor_contract import ExecutorContract


@pytest.fixture
def glue(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGlue]:
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_GLUE"):
        monkeypatch.delenv(var, raising=False)
    with fake_glue() as fake:
        yield fake


@pytest.fixture
def local_staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from glacier_aws.glue import GlueAdapter

    root = tmp_path / "staging"
    local = Provider(config=LocalConfig(base_path=root))

    def staging(self: GlueAdapter, job_id: str) -> BucketSpec:
        return BucketSpec.of(local.bucket("glue", path=f"_glacier/jobs/{job_id}/"))

    monkeypatch.setattr(GlueAdapter, "staging_location", staging)
    return root


def glue_executor(glue: FakeGlue, **extra: object):  # type: ignore[no-untyped-def]
    from glacier.config import AwsConfig, GlueConfig

    aws = Provider(
        config=AwsConfig(region="us-east-1", access_key_id="testing", secret_access_key="testing")
    )
    config = GlueConfig(
        endpoint_url=glue.url,
        staging_bucket="glacier-staging",
        role_arn="arn:aws:iam::123456789012:role/glue",
        **extra,  # type: ignore[arg-type]
    )
    return aws.executor("etl", config=config)


class TestGlueContract(ExecutorContract):
    timeout = 60.0

    @pytest.fixture
    def executor(self, glue: FakeGlue, local_staging: Path):  # type: ignore[no-untyped-def]
        return glue_executor(glue)


def test_job_is_created_once_with_entry_script(glue: FakeGlue, local_staging: Path) -> None:
    from glacier.testing.executor_contract import contract_value, submit, wait

    executor = glue_executor(glue, additional_python_modules=["glacier-aws"])
    for _ in range(2):
        job_id, _spec = submit(executor, contract_value, 1, 2)
        assert job_id.startswith("glacier-etl:jr_")
        wait(executor, job_id, 60)
    job = glue.jobs["glacier-etl"]
    assert job["Command"]["ScriptLocation"].endswith("glacier_entrypoint.py")
    assert job["DefaultArguments"]["--additional-python-modules"] == "glacier-aws"
    assert job["WorkerType"] == "G.1X"
    assert "gluestudio" in (executor._get_adapter().get_run_url(job_id) or "")
