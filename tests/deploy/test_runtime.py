"""The artifact at run time: jobs are rewritten to run the artifact's modules, refused when
their code is not in it (or changed since it was built); engines check they installed it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from glacier.cli.loader import load_pipeline
from glacier.deploy.artifact import package_pipeline
from glacier.deploy.record import RECORD_ENV, ArtifactRecord, DeploymentRecord
from glacier.deploy.runtime import attach_artifact, check_installed, fetch
from glacier.errors import ArtifactError
from glacier.jobs.refs import ref_of
from glacier.jobs.spec import BucketSpec, JobSpec


def spec_for(task_ref: str, tmp_path: Path) -> JobSpec:
    from glacier import Provider
    from glacier.config import LocalConfig

    staging = Provider(config=LocalConfig(base_path=tmp_path)).bucket("stg", path="job/")
    return JobSpec(
        job_id="j1",
        task_name="clean",
        task=task_ref,
        result=BucketSpec.of(staging),
        python_path=[str(tmp_path)],
    )


@pytest.fixture
def deployed(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    built = package_pipeline(str(project), tmp_path / "dist")
    record = DeploymentRecord(pipeline="daily-orders", stack="prod", artifact=built.record())
    monkeypatch.setenv(RECORD_ENV, record.to_json())
    return built


def test_task_from_a_file_run_by_path_becomes_the_artifacts_module(
    project: Path, deployed, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    pipe = load_pipeline(str(project))  # runpy: the module is not left in sys.modules
    clean = next(n.task.fn for n in pipe.build().nodes.values() if n.task.name == "clean")
    ref = ref_of(clean)
    assert ref == f"{project.resolve()}:clean"  # importable by path, not 'glacier_user_pipeline'
    spec = attach_artifact(spec_for(ref, tmp_path))
    assert spec.task == "daily:clean"
    assert spec.python_path == []  # nothing from this machine
    assert spec.artifact == deployed.record()


def test_module_refs_are_checked_against_the_artifact(
    project: Path, deployed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(project.parents[1]))
    import helpers.clean  # noqa: F401 - the local module, as the pipeline imports it

    assert attach_artifact(spec_for("helpers.clean:positive", tmp_path)).task == (
        "helpers.clean:positive"
    )
    # Vendored Glacier modules are in the artifact too.
    assert attach_artifact(spec_for("glacier.testing.executor_contract:contract_value", tmp_path))
    with pytest.raises(ArtifactError, match=r"module 'unused' is not in the deployed artifact"):
        attach_artifact(spec_for("unused:main", tmp_path))


def test_code_changed_since_the_build_is_refused(project: Path, deployed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project.write_text(project.read_text() + "\n# edited after deploying\n")
    with pytest.raises(ArtifactError, match="not in the deployed artifact .* or changed since"):
        attach_artifact(spec_for(f"{project}:clean", tmp_path))


def test_no_record_leaves_the_job_alone(tmp_path: Path) -> None:
    spec = spec_for("compute_tasks:add_total", tmp_path)
    assert attach_artifact(spec) is spec


def test_an_engine_that_did_not_install_the_artifact_refuses_to_run(
    deployed, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    spec = spec_for("daily:clean", tmp_path).model_copy(update={"artifact": deployed.record()})
    with pytest.raises(ArtifactError, match="is not installed on this engine"):
        check_installed(spec)


def test_fetch_verifies_the_sha256(deployed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = deployed.record()
    assert fetch(good) == deployed.path
    forged = ArtifactRecord(uri=good.uri, sha256=hashlib.sha256(b"x").hexdigest())
    with pytest.raises(ArtifactError, match="replaced after the deployment"):
        fetch(forged)
