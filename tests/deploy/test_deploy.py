"""``glacier deploy``: the plan in pipeline terms (the program under Pulumi's mocks), the clear
error without the Pulumi CLI, and the Automation API calls, recorded by a stand-in (no Pulumi
CLI can be installed here: up/preview/destroy never ran against a real one)."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from glacier.cli.main import main
from glacier.deploy.automation import deploy
from glacier.deploy.record import RECORD_ENV, STACK_ENV, STACK_OUTPUT, current_deployment
from glacier.errors import DeployError

pytest.importorskip("pulumi_aws")

PIPELINE = """
    import polars as pl

    from glacier import Provider, pipeline, task
    from glacier.config import AwsConfig, GlueConfig

    aws = Provider(config=AwsConfig(region="eu-west-1", account_id="123456789012"))
    raw = aws.bucket("shop-lake", path="raw/orders/", name="raw")
    clean_out = aws.bucket("shop-lake", path="clean/orders/", name="clean")
    glue = aws.executor("etl", config=GlueConfig(staging_bucket="shop-staging"))


    @task(executor=glue)
    def clean(source, destination):
        destination.write(source.scan().filter(pl.col("amount") > 0))


    @pipeline(name="shop")
    def shop():
        clean(raw, clean_out)
"""


@pytest.fixture
def pipeline_file(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\n')
    path = root / "shop_pipeline.py"
    path.write_text(textwrap.dedent(PIPELINE).lstrip())
    return path


@pytest.fixture
def no_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("PULUMI_HOME", str(tmp_path / "no-pulumi-home"))


@pytest.fixture
def fake_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `pulumi` executable on PATH (never run: the stand-in automation replaces it)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cli = bin_dir / "pulumi"
    cli.write_text("#!/bin/sh\nexit 99\n")
    cli.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return cli


def test_without_the_pulumi_cli_it_says_how_to_install_it(
    pipeline_file: Path, tmp_path: Path, no_cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "infra"
    code = main(["deploy", str(pipeline_file), "--stack", "prod", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert (
        "glacier deploy: error: glacier deploy drives the Pulumi CLI, which is not installed" in err
    )
    assert "curl -fsSL https://get.pulumi.com | sh" in err and "pulumi login" in err
    assert "--plan" in err  # what works without it
    assert not out.exists()  # failed before writing anything


def test_bad_stack_name_is_refused_first(pipeline_file: Path, tmp_path: Path, no_cli: None) -> None:
    with pytest.raises(Exception, match="Stack name 'my stack' is invalid"):
        deploy(str(pipeline_file), "my stack", out=tmp_path / "infra")


class StandIn:
    """Records every Automation API call ``glacier deploy`` makes; returns canned results."""

    def __init__(self, outputs: dict[str, Any] | None = None, fail: str | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.outputs = outputs or {}
        self.fail = fail

    # -- pulumi.automation module surface --------------------------------------------------
    def create_or_select_stack(self, **kwargs: Any) -> Any:
        self.calls.append(("create_or_select_stack", kwargs))
        return SimpleNamespace(
            workspace=SimpleNamespace(install=self._call("workspace.install")),
            preview=self._call("preview", SimpleNamespace(change_summary={"create": 12})),
            up=self._call(
                "up",
                SimpleNamespace(
                    summary=SimpleNamespace(resource_changes={"create": 12}),
                    outputs={
                        k: SimpleNamespace(value=v, secret=False) for k, v in self.outputs.items()
                    },
                ),
            ),
            destroy=self._call(
                "destroy", SimpleNamespace(summary=SimpleNamespace(resource_changes={"delete": 12}))
            ),
            outputs=self._call("outputs", {}),
        )

    def PulumiCommand(self, **kwargs: Any) -> Any:
        self.calls.append(("PulumiCommand", kwargs))
        return SimpleNamespace(**kwargs)

    def LocalWorkspaceOptions(self, **kwargs: Any) -> Any:
        self.calls.append(("LocalWorkspaceOptions", kwargs))
        return SimpleNamespace(**kwargs)

    def _call(self, name: str, result: Any = None) -> Any:
        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            if self.fail == name:
                raise RuntimeError("error: no stack named 'prod' found\n  (pulumi exited 255)")
            return result

        return call

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def record_output() -> dict[str, Any]:
    """What the compiled program exports (docs/deploy.md): the record without its stack."""
    return {
        "pipeline": "shop",
        "providers": {"aws-eu-west-1": {"cloud": "aws", "region": "eu-west-1"}},
        "resources": {
            "etl": {
                "kind": "executor",
                "name": "glacier-etl",
                "identity": "arn:aws:iam::123456789012:role/etl-role-1a2b",
                "staging_bucket": "shop-staging",
            }
        },
    }


def test_up_shows_the_plan_then_deploys_and_saves_the_record(
    pipeline_file: Path, tmp_path: Path, fake_cli: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in = StandIn(outputs={STACK_OUTPUT: record_output(), "other": "x"})
    printed: list[str] = []
    out = tmp_path / "infra"
    result = deploy(str(pipeline_file), "prod", out=out, automation=stand_in, echo=printed.append)
    # 1. compiled, packaged, planned in pipeline terms
    assert (out / "__main__.py").is_file()
    [wheel] = (out / "build" / "artifact").glob("*.whl")
    text = "\n".join(printed)
    assert f"artifact {wheel.name}" in text
    assert "executor [glue] etl (aws-eu-west-1)" in text
    assert "read  shop-lake/raw/orders/*" in text and "write shop-lake/clean/orders/*" in text
    assert "staging shop-staging/_glacier/jobs/*" in text
    plan = result.plan
    etl = next(i for i in plan.items if i.name == "etl")
    assert ("aws:glue/job:Job", "etl") in etl.resources
    assert ("aws:iam/role:Role", "etl-role") in etl.resources
    lake = next(i for i in plan.items if i.name == "shop-lake")
    assert ("aws:s3/bucket:Bucket", "shop-lake") in lake.resources
    # 2. the Automation API: a local program on the exported project, install, up
    assert stand_in.names() == ["create_or_select_stack", "workspace.install", "up"]
    assert stand_in.calls[0][1] == {"stack_name": "prod", "work_dir": str(out), "opts": None}
    assert stand_in.calls[2][1]["on_output"] == printed.append
    # 3. the record, saved next to the pipeline, found by the runtime with GLACIER_STACK
    saved = pipeline_file.parent / ".glacier" / "deployments" / "prod.json"
    assert result.record_file == saved
    monkeypatch.delenv(RECORD_ENV, raising=False)
    monkeypatch.setenv(STACK_ENV, "prod")
    monkeypatch.chdir(pipeline_file.parent)
    record = current_deployment()
    assert record is not None and record.stack == "prod"
    assert record.resources["etl"].name == "glacier-etl"


def test_preview_and_destroy(
    pipeline_file: Path, tmp_path: Path, fake_cli: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import glacier.deploy.plan as plan_module

    out = tmp_path / "infra"

    monkeypatch.setattr(plan_module, "run_under_mocks", lambda *a: {"resources": []})
    preview = StandIn()
    deploy(str(pipeline_file), "prod", mode="preview", out=out, automation=preview, echo=print)
    assert preview.names() == ["create_or_select_stack", "workspace.install", "preview"]
    saved = pipeline_file.parent / ".glacier" / "deployments" / "prod.json"
    saved.parent.mkdir(parents=True)
    saved.write_text(json.dumps({**record_output(), "stack": "prod"}))
    destroy = StandIn()
    deploy(str(pipeline_file), "prod", mode="destroy", out=out, automation=destroy, echo=print)
    assert destroy.names() == ["create_or_select_stack", "workspace.install", "destroy"]
    assert not saved.exists()  # the record goes with the stack
    with pytest.raises(DeployError, match="holds no Pulumi project"):
        deploy(str(pipeline_file), "prod", mode="destroy", out=tmp_path / "x", automation=StandIn())


def test_pulumi_errors_are_deploy_errors_with_the_cli_output(
    pipeline_file: Path, tmp_path: Path, fake_cli: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import glacier.deploy.plan as plan_module

    monkeypatch.setattr(plan_module, "run_under_mocks", lambda *a: {"resources": []})
    failing = StandIn(fail="up")
    with pytest.raises(DeployError, match=r"(?s)could not deploy 'prod'.*no stack named 'prod'"):
        deploy(str(pipeline_file), "prod", out=tmp_path / "infra", automation=failing, echo=print)
    assert not (pipeline_file.parent / ".glacier").exists()  # no record after a failure


def test_cli_installed_under_pulumi_home_only(
    pipeline_file: Path, tmp_path: Path, no_cli: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The installer's default place (~/.pulumi/bin) works without PATH: the workspace is
    pointed at it."""
    import glacier.deploy.plan as plan_module

    home = tmp_path / "pulumi-home"
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "pulumi").write_text("#!/bin/sh\n")
    (home / "bin" / "pulumi").chmod(0o755)
    monkeypatch.setenv("PULUMI_HOME", str(home))
    monkeypatch.setattr(plan_module, "run_under_mocks", lambda *a: {"resources": []})
    stand_in = StandIn()
    deploy(str(pipeline_file), "prod", mode="preview", out=tmp_path / "infra", automation=stand_in)
    assert ("PulumiCommand", {"root": str(home)}) in stand_in.calls
    assert stand_in.calls[2][1]["opts"].pulumi_command.root == str(home)


def test_plan_reads_the_record_the_program_exports(
    pipeline_file: Path, tmp_path: Path, no_cli: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stack-output contract, under mocks: a program that exports ``glacier_deployment``
    (Pulumi Outputs inside, as an emitter writes it) yields a valid record. No CLI needed."""
    from glacier.cli.loader import load_pipeline
    from glacier.compiler import PulumiCompiler
    from glacier.deploy.plan import build_plan, run_under_mocks

    out = tmp_path / "infra"
    infra = load_pipeline(str(pipeline_file)).compile(PulumiCompiler())
    infra.export_pulumi(out)
    program = (out / "__main__.py").read_text()
    assert "glue.Job(" in program
    job_var = program.split(" = aws.glue.Job(")[0].rsplit("\n", 1)[-1]
    role_var = program.split(" = aws.iam.Role(")[0].rsplit("\n", 1)[-1]
    export = textwrap.dedent(
        f"""
        pulumi.export("{STACK_OUTPUT}", {{
            "pipeline": "shop",
            "stack": pulumi.get_stack(),
            "providers": {{"aws-eu-west-1": {{"cloud": "aws", "region": "eu-west-1"}}}},
            "resources": {{
                "etl": {{
                    "kind": "executor",
                    "name": {job_var}.name,
                    "identity": {role_var}.arn,
                    "staging_bucket": "shop-staging",
                }},
            }},
        }})
        """
    )
    (out / "__main__.py").write_text(program + export)
    plan = build_plan(infra.ir, "prod", run_under_mocks(out, "prod"))
    assert plan.record is not None
    assert plan.record.stack == "prod"
    assert plan.record.resources["etl"].name == "glacier-etl"
    assert plan.record.resources["etl"].identity == "arn:aws:iam:::etl-role"
    assert "deployment record: exported as 'glacier_deployment' (1 resources" in plan.render()


def test_a_stack_saved_for_another_pipeline_is_refused(
    pipeline_file: Path, tmp_path: Path, fake_cli: Path
) -> None:
    saved = pipeline_file.parent / ".glacier" / "deployments" / "prod.json"
    saved.parent.mkdir(parents=True)
    saved.write_text(json.dumps({**record_output(), "pipeline": "billing", "stack": "prod"}))
    stand_in = StandIn()
    with pytest.raises(DeployError, match="deployed for pipeline 'billing'.*--stack shop-prod"):
        deploy(str(pipeline_file), "prod", out=tmp_path / "infra", automation=stand_in)
    assert stand_in.calls == [] and not (tmp_path / "infra").exists()
