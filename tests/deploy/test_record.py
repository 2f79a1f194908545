"""The deployment record: its JSON shape, where the runtime finds it, stack outputs."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from glacier import Provider
from glacier.config import LocalConfig
from glacier.deploy.record import (
    RECORD_ENV,
    STACK_ENV,
    STACK_OUTPUT,
    DeploymentRecord,
    current_deployment,
    deployed,
    deployed_value,
    load_record,
    record_from_stack_outputs,
    record_path,
    save_record,
)
from glacier.errors import DeploymentRecordError

SHA = "ab" * 32


def sample(stack: str = "prod") -> DeploymentRecord:
    return DeploymentRecord.model_validate(
        {
            "pipeline": "sales",
            "stack": stack,
            "providers": {"aws-us-east-1": {"cloud": "aws", "region": "us-east-1"}},
            "artifact": {"uri": "s3://stg/_glacier/artifacts/x.whl", "sha256": SHA},
            "resources": {
                "etl": {
                    "kind": "executor",
                    "name": "glacier-etl-4f2a",
                    "identity": "arn:aws:iam::123456789012:role/etl",
                    "staging_bucket": "stg",
                },
                "score": {"kind": "function", "name": "score-9a1", "url": "https://x"},
            },
        }
    )


def test_saved_record_round_trips_through_path_uri_and_inline_json(tmp_path: Path) -> None:
    record = sample()
    path = save_record(record, tmp_path)
    assert path == tmp_path / ".glacier" / "deployments" / "prod.json"
    assert json.loads(path.read_text())["resources"]["etl"]["name"] == "glacier-etl-4f2a"
    assert load_record(str(path)) == record
    assert load_record(path.as_uri()) == record
    assert load_record(record.to_json()) == record
    assert record.to_json() == save_record(record, tmp_path).read_text()  # stable text


def test_environment_inline_json_and_saved_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert current_deployment() is None
    monkeypatch.setenv(RECORD_ENV, sample("inline").to_json())
    assert current_deployment().stack == "inline"  # type: ignore[union-attr]
    monkeypatch.delenv(RECORD_ENV)
    save_record(sample("prod"), tmp_path)
    nested = tmp_path / "jobs" / "daily"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)  # the nearest parent holding the record is found
    monkeypatch.setenv(STACK_ENV, "prod")
    assert current_deployment() == sample("prod")
    monkeypatch.setenv(STACK_ENV, "staging")
    with pytest.raises(DeploymentRecordError, match=r"GLACIER_STACK=staging.*glacier deploy"):
        current_deployment()


def test_saved_file_is_reread_when_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    path = save_record(sample(), tmp_path)
    monkeypatch.setenv(RECORD_ENV, str(path))
    assert current_deployment().resources["etl"].name == "glacier-etl-4f2a"  # type: ignore[union-attr]
    changed = sample().model_copy(update={"pipeline": "sales-v2"})
    path.write_text(changed.to_json())
    os.utime(path, ns=(1, 1))
    assert current_deployment().pipeline == "sales-v2"  # type: ignore[union-attr]


def test_missing_or_invalid_records_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DeploymentRecordError, match="No deployment record at .*glacier deploy"):
        load_record(str(tmp_path / "nope.json"))
    with pytest.raises(DeploymentRecordError, match=r"resources\.etl\.kind"):
        load_record(
            json.dumps({"pipeline": "p", "stack": "s", "resources": {"etl": {"kind": "x"}}})
        )
    with pytest.raises(DeploymentRecordError, match="version 2; this Glacier reads version 1"):
        load_record(json.dumps({"version": 2, "pipeline": "p", "stack": "s"}))
    with pytest.raises(DeploymentRecordError, match="sha256"):
        load_record(
            json.dumps({"pipeline": "p", "stack": "s", "artifact": {"uri": "x", "sha256": "no"}})
        )
    with pytest.raises(DeploymentRecordError, match="Stack name"):
        record_path("bad name", tmp_path)


def test_record_from_stack_outputs() -> None:
    data = sample().model_dump(mode="json")
    del data["stack"]
    # Automation API: OutputValue objects with .value; the program may export a dict or JSON.
    outputs = {STACK_OUTPUT: SimpleNamespace(value=data, secret=False), "other": 1}
    assert record_from_stack_outputs(outputs, stack="prod") == sample()
    assert record_from_stack_outputs({STACK_OUTPUT: json.dumps(data)}, stack="prod") == sample()
    with pytest.raises(DeploymentRecordError, match=r"no 'glacier_deployment' output.*other"):
        record_from_stack_outputs({"other": 1}, stack="prod")
    with pytest.raises(DeploymentRecordError, match="must be the record's dict"):
        record_from_stack_outputs({STACK_OUTPUT: [1]}, stack="prod")


def test_adapters_find_their_entry_by_name_and_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = Provider(config=LocalConfig(base_path=tmp_path))
    etl = provider.executor("etl")
    score = provider.serverless("score", "compute_tasks:handler_double")
    other = provider.executor("other")
    assert deployed(etl) is None  # no record in force
    monkeypatch.setenv(RECORD_ENV, sample().to_json())
    assert deployed_value(etl, "name") == "glacier-etl-4f2a"
    assert deployed_value(etl, "staging_bucket") == "stg"
    assert deployed_value(etl, "url") is None
    assert deployed_value(score, "url") == "https://x"
    assert deployed(other) is None
    clash = provider.serverless("etl-fn", "compute_tasks:handler_double", name="etl")
    with pytest.raises(DeploymentRecordError, match="lists 'etl' as an executor.*as a function"):
        deployed(clash)


def test_saved_stack_in_the_pipelines_folder_on_sys_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`glacier run pipelines/x.py` from the project root: the record saved next to the
    pipeline is found through the pipeline's folder on sys.path."""
    import sys

    # Other tests' pipeline folders stay on sys.path (the loader puts them there).
    base = str(tmp_path.parents[1])
    monkeypatch.setattr(sys, "path", [p for p in sys.path if not p.startswith(base)])
    pipelines = tmp_path / "pipelines"
    save_record(sample("prod"), pipelines)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(STACK_ENV, "prod")
    with pytest.raises(DeploymentRecordError, match="pipeline's folder"):
        current_deployment()
    monkeypatch.syspath_prepend(str(pipelines))
    assert current_deployment() == sample("prod")
