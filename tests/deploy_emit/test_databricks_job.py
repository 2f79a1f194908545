"""A pipeline whose every task runs on Databricks, compiled to ONE Databricks Job
(``DatabricksConfig(orchestrate="job")``), under Pulumi's mocks with the real
pulumi-databricks SDK; then the Job's tasks really executed.

- the Job's tasks and ``depends_ons`` are the DAG, each on its executor's cluster with the
  artifact as its ``whl`` library, running ``glacier run <entry> --task K --run-key
  {{job.run_id}}`` from the artifact's distribution; schedule as Quartz, alerts as e-mail
  and webhook notifications; the record names the job; recompiling keeps every resource;
- the task list taken from the mock-run Job is executed in ``depends_on`` order, each task
  in its own process (``glacier run ... --task K --run-key R``) against S3 (moto server),
  and every task output and the written object equal a normal ``pipeline.run()`` of the
  same DAG. No Databricks workspace is involved: this proves the commands the Job runs run
  the pipeline, not that Databricks runs them;
- errors: tasks off Databricks, missing staging, a driver asked for too, unknown task, a
  task whose upstream output is missing (nothing written).
"""

from __future__ import annotations

import graphlib
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from glacier import PulumiCompiler, pipeline, task
from glacier.compiler.errors import CompilerError
from glacier.deploy.artifact import BuiltArtifact, package_pipeline
from glacier.deploy.mockrun import Graph
from glacier.deploy.mockrun import run_isolated as run_program
from glacier.deploy.record import record_from_stack_outputs
from tests.deploy_emit.projects import imported

pytest.importorskip("pulumi_databricks")

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "dbx_job_project"
JOB = "databricks:index/job:Job"
TICK = "2026-11-30T01:00:04"  # what {{job.trigger.time.iso_datetime}} gives (UTC), 4 s late
RUN_ID = "550315892394120"  # what {{job.run_id}} gives
ORDERS = pl.DataFrame({"id": [1, 2, 3, 4, 5], "amount": [5, 60, 20, 80, 50]})


@pytest.fixture(scope="module")
def project() -> Iterator[Any]:
    with imported(PROJECT, "flow") as module:
        yield module


@pytest.fixture(scope="module")
def artifact(project: Any, tmp_path_factory: pytest.TempPathFactory) -> BuiltArtifact:
    return package_pipeline(f"{PROJECT / 'flow.py'}:dbx-flow", tmp_path_factory.mktemp("a"))


def _compile(project: Any, artifact: BuiltArtifact, out: Path) -> tuple[Any, Graph]:
    infra = project.flow.compile(PulumiCompiler(artifact=artifact))
    infra.export_pulumi(out)
    return infra, run_program(out)


@pytest.fixture(scope="module")
def deployed(
    project: Any, artifact: BuiltArtifact, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Any, Path, Graph]:
    out = tmp_path_factory.mktemp("infra") / "flow"
    infra, graph = _compile(project, artifact, out)
    return infra, out, graph


def _tasks(graph: Graph) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = graph.one(JOB, "dbx-flow-job").inputs["tasks"]
    return tasks


# -- (a) the Job under Pulumi's mocks ---------------------------------------------------------
def test_job_tasks_and_depends_on_are_the_dag(
    deployed: tuple[Any, Path, Graph], project: Any
) -> None:
    from glacier.dag.stepwise import task_key

    _, _, graph = deployed
    dag = project.flow.build(logical_date="2026-11-30")
    expected = {
        task_key(nid): sorted(task_key(up) for up in dag.nodes[nid].upstream) for nid in dag.order
    }
    found = {
        t["taskKey"]: sorted(d["taskKey"] for d in t.get("dependsOns") or []) for t in _tasks(graph)
    }
    assert found == expected
    assert found == {
        "extract": [],
        "clean": ["extract"],
        "clean-2": ["extract"],
        "enrich": ["clean", "clean-2"],
        "count": ["enrich"],
        "save": ["count", "enrich"],  # enrich's output, and depends_on=[count]
    }
    # each task on its executor's compute: a job cluster of the Job (etl: created per run,
    # no all-purpose cluster), the existing cluster (ml)
    job = graph.one(JOB, "dbx-flow-job")
    assert not graph.of_type("databricks:index/cluster:Cluster")
    (cluster,) = job.inputs["jobClusters"]
    assert cluster["jobClusterKey"] == "etl"
    nodes = cluster["newCluster"]
    assert nodes["sparkVersion"] == "15.4.x-scala2.12" and nodes["nodeTypeId"] == "m5.xlarge"
    assert nodes["numWorkers"] == 2 and "autoterminationMinutes" not in nodes
    # the nodes take the executor's role through its registered instance profile
    profile = graph.one("databricks:index/instanceProfile:InstanceProfile", "etl-profile")
    assert nodes["awsAttributes"]["instanceProfileArn"] == profile.inputs["instanceProfileArn"]
    assert graph.depends_on(job, profile)
    by_key = {t["taskKey"]: t for t in _tasks(graph)}
    assert by_key["extract"]["jobClusterKey"] == "etl"
    assert "existingClusterId" not in by_key["extract"]
    assert by_key["enrich"]["existingClusterId"] == "0101-000000-mlcluster"
    assert "jobClusterKey" not in by_key["enrich"]
    # the task's retries and timeout are the Job task's (the runner calls the task once)
    assert by_key["clean"]["maxRetries"] == 2 and by_key["clean"]["minRetryIntervalMillis"] == 30000
    assert by_key["enrich"]["timeoutSeconds"] == 1800
    assert "maxRetries" not in by_key["extract"] and by_key["extract"]["timeoutSeconds"] == 3600
    assert job.provider_name == "databricks"
    # no cloud driver: the Job runs the DAG
    assert not [r for r in graph.resources if r.type.startswith("aws:ecs")]


def test_every_task_installs_the_artifact_and_runs_one_task(
    deployed: tuple[Any, Path, Graph], artifact: BuiltArtifact
) -> None:
    _, _, graph = deployed
    record = record_from_stack_outputs(graph.outputs, stack="test")
    assert record.artifact is not None and record.artifact.sha256 == artifact.sha256
    uri = f"s3://dbx-job-staging/_glacier/artifacts/{artifact.sha256}/{artifact.path.name}"
    assert record.artifact.uri == uri
    package = artifact.path.name.split("-")[0]
    for t in _tasks(graph):
        # the artifact first, then the executor config's own libraries (etl: pyyaml)
        own = [] if t["taskKey"] == "enrich" else [{"pypi": {"package": "pyyaml"}}]
        assert t["libraries"] == [{"whl": uri}, *own]
        wheel = t["pythonWheelTask"]
        assert wheel["packageName"] == package == "glacier_app_dbx_flow"
        assert wheel["entryPoint"] == "glacier"
        assert wheel["parameters"] == [
            "run",
            "flow:dbx-flow",
            "--task",
            t["taskKey"],
            "--run-key",
            "{{job.run_id}}",
            "--scheduled-at",
            "{{job.trigger.time.iso_datetime}}",
        ]
    # the entry point the task names exists in the artifact's metadata
    with zipfile.ZipFile(artifact.path) as zf:
        [name] = [n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt")]
        entry_points = zf.read(name).decode()
    assert "[console_scripts]" in entry_points
    assert "glacier = glacier.cli.main:main" in entry_points
    # both executors' roles (cluster instance profiles) may read the artifact prefix
    artifacts = "arn:aws:s3:::dbx-job-staging/_glacier/artifacts/*"
    for role in ("etl", "ml"):
        policy = json.loads(
            graph.one("aws:iam/rolePolicy:RolePolicy", f"{role}-artifact").inputs["policy"]
        )
        assert [s["Resource"] for s in policy["Statement"] if s["Action"] == ["s3:GetObject"]] == [
            artifacts
        ]


def test_the_other_executor_may_read_upstream_outputs(deployed: tuple[Any, Path, Graph]) -> None:
    """``enrich`` (ml, own staging bucket) reads ``clean``'s output staged by etl: ml's role
    gets read on etl's staging prefix, and nothing more; etl reads nothing of ml's."""
    _, _, graph = deployed
    policy = json.loads(graph.one("aws:iam/rolePolicy:RolePolicy", "ml-upstream1").inputs["policy"])
    objects = [s for s in policy["Statement"] if s["Sid"].endswith("Objects")]
    assert [(s["Action"], s["Resource"]) for s in objects] == [
        (["s3:GetObject"], "arn:aws:s3:::dbx-job-staging/_glacier/jobs/*")
    ]
    # save (etl) reads count (etl) and enrich (ml): etl reads ml's staging
    etl = json.loads(graph.one("aws:iam/rolePolicy:RolePolicy", "etl-upstream1").inputs["policy"])
    assert [s["Resource"] for s in etl["Statement"] if s["Sid"].endswith("Objects")] == [
        "arn:aws:s3:::dbx-job-ml-staging/_glacier/jobs/*"
    ]


def test_schedule_alerts_and_record(deployed: tuple[Any, Path, Graph]) -> None:
    _, _, graph = deployed
    job = graph.one(JOB, "dbx-flow-job").inputs
    assert job["name"] == "glacier-dbx-flow"
    # "0 2 * * 1-5" in Europe/Paris: 02:00 Monday to Friday
    assert job["schedule"] == {
        "quartzCronExpression": "0 0 2 ? * 2,3,4,5,6",
        "timezoneId": "Europe/Paris",
        "pauseStatus": "UNPAUSED",
    }
    assert job["emailNotifications"] == {"onFailures": ["oncall@example.com"]}
    destination = graph.one(
        "databricks:index/notificationDestination:NotificationDestination",
        "dbx-flow-on-failure-2",
    )
    assert destination.inputs["config"] == {
        "genericWebhook": {"url": "https://hooks.example.com/x"}
    }
    assert job["webhookNotifications"] == {"onFailures": [{"id": "dbx-flow-on-failure-2-id"}]}
    record = record_from_stack_outputs(graph.outputs, stack="test")
    entry = record.resources["dbx-flow-job"]
    assert entry.kind == "driver" and entry.name == "glacier-dbx-flow"
    assert entry.id == "dbx-flow-job-id" and entry.url
    assert entry.properties == {"engine": "databricks", "orchestrates": "job"}
    assert record.resources["etl"].staging_bucket == "dbx-job-staging"
    assert record.resources["ml"].staging_bucket == "dbx-job-ml-staging"


def test_plan_and_readme_show_the_job(deployed: tuple[Any, Path, Graph]) -> None:
    """``glacier deploy --plan`` lists the job with its tasks, schedule and grants, and owns
    its resources; the exported README says the pipeline runs as one job."""
    from glacier.deploy.plan import build_plan

    infra, out, graph = deployed
    mocked = {
        "resources": [{"type": r.type, "name": r.name} for r in graph.resources if not r.read_id],
        "outputs": graph.outputs,
    }
    plan = build_plan(infra.ir, "test", mocked, infra.deployment)
    [item] = [i for i in plan.items if i.name == "dbx-flow-job"]
    assert item.kind == "databricks job"
    assert item.details == [
        "runs the DAG: 6 tasks (extract, clean, clean-2, enrich, count, save), each "
        "`glacier run --task`",
        "schedule 0 2 * * 1-5 (Europe/Paris)",
        "alerts on failure",
    ]
    assert item.grants == [
        "read  dbx-job-ml-staging/_glacier/jobs/* (to etl)",
        "read  dbx-job-staging/_glacier/jobs/* (to ml)",
    ]
    assert (JOB, "dbx-flow-job") in item.resources
    assert plan.record is not None and "dbx-flow-job" in plan.record.resources
    readme = (out / "README.md").read_text()
    assert "as ONE databricks job `dbx-flow-job` (6 tasks following the DAG)" in readme


def test_recompile_keeps_every_resource(
    deployed: tuple[Any, Path, Graph],
    project: Any,
    artifact: BuiltArtifact,
    tmp_path: Path,
) -> None:
    _, out, graph = deployed
    _, again = _compile(project, artifact, tmp_path / "again")
    assert {(r.type, r.name) for r in again.resources} == {
        (r.type, r.name) for r in graph.resources
    }
    assert (tmp_path / "again" / "__main__.py").read_text() == (out / "__main__.py").read_text()


def test_generated_program_is_ruff_clean(deployed: tuple[Any, Path, Graph]) -> None:
    import shutil

    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    _, out, _ = deployed
    config = ["--config", str(HERE.parents[1] / "pyproject.toml")]
    subprocess.run([ruff, "check", *config, str(out / "__main__.py")], check=True)
    subprocess.run([ruff, "format", "--check", *config, str(out / "__main__.py")], check=True)


# -- (b) the Job's tasks, really executed ------------------------------------------------------
REFERENCE = """
import json, sys
from datetime import date
import polars as pl
import flow
result = flow.flow_local.run(logical_date=date(2026, 11, 30))
out = {}
for name, run in result.tasks.items():
    value = run.output
    if isinstance(value, pl.LazyFrame):
        value = value.collect()
    if isinstance(value, pl.DataFrame):
        value.write_parquet(f"{sys.argv[1]}/{name.replace('#', '-')}.parquet")
        out[name] = "frame"
    else:
        out[name] = value
print(json.dumps(out))
"""


def _glacier(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "glacier", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_the_jobs_tasks_run_the_pipeline(deployed: tuple[Any, Path, Graph], tmp_path: Path) -> None:
    from glacier import Provider
    from glacier.config import AwsConfig
    from tests.storage.storage_servers import cloudless_env, create_s3_bucket, start_moto

    _, _, graph = deployed
    tasks = {t["taskKey"]: t for t in _tasks(graph)}
    order = list(
        graphlib.TopologicalSorter(
            {k: [d["taskKey"] for d in t.get("dependsOns") or []] for k, t in tasks.items()}
        ).static_order()
    )
    with start_moto() as s3:
        for name in ("dbx-job-lake", "dbx-job-staging", "dbx-job-ml-staging"):
            create_s3_bucket(s3.endpoint, name)
        env = {
            **cloudless_env(),
            **s3.env,
            "PYTHONPATH": str(PROJECT),
            "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        }
        aws = Provider(config=AwsConfig.from_env({**s3.env, "AWS_REGION": s3.env["AWS_REGION"]}))
        aws.bucket("dbx-job-lake", path="raw/orders.parquet").write(ORDERS)

        def staged(executor_bucket: str, key: str) -> Any:
            base = f"_glacier/jobs/dag-runs/{RUN_ID}/{key}/"
            frame = aws.bucket(executor_bucket, path=base + "frame.parquet")
            if frame.exists():
                return frame.read()
            return json.loads(
                aws.bucket(executor_bucket, path=base + "value.parquet").read()["json"][0]
            )

        def command(key: str) -> list[str]:
            params = tasks[key]["pythonWheelTask"]["parameters"]
            values = {"{{job.run_id}}": RUN_ID, "{{job.trigger.time.iso_datetime}}": TICK}
            return [values.get(p, p) for p in params]

        # out of order: enrich before its upstream tasks ran -> error naming one, no effects
        early = _glacier(command("enrich"), env, tmp_path)
        assert early.returncode == 2, early.stdout + early.stderr
        assert "Upstream task 'clean' has no output in run '550315892394120'" in early.stderr
        assert not aws.bucket("dbx-job-ml-staging", path="_glacier/").exists()

        for key in order:  # what Databricks does: each task after its depends_on
            done = _glacier(command(key), env, tmp_path)
            assert done.returncode == 0, f"{key}: {done.stdout}{done.stderr}"
            assert f"task {key.replace('-', '#')!r} of run {RUN_ID!r} succeeded" in done.stdout
        job_summary = aws.bucket("dbx-job-lake", path="out/summary.parquet").read()
        executor = {"enrich": "dbx-job-ml-staging"}
        job_outputs = {k: staged(executor.get(k, "dbx-job-staging"), k) for k in order}

        # the reference: a normal pipeline.run() of the same DAG (same functions, no executor)
        ref_dir = tmp_path / "ref"
        ref_dir.mkdir()
        ref = subprocess.run(
            [sys.executable, "-c", REFERENCE, str(ref_dir)],
            cwd=tmp_path,  # its run records go to ./data there
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert ref.returncode == 0, ref.stderr
        reference = json.loads(ref.stdout.strip().splitlines()[-1])
        ref_summary = aws.bucket("dbx-job-lake", path="out/summary.parquet").read()

    assert sorted(reference) == sorted(k.replace("clean-2", "clean#2") for k in order)
    for key in order:
        expected = reference[key.replace("clean-2", "clean#2")]
        if expected == "frame":
            assert_frame_equal(job_outputs[key], pl.read_parquet(ref_dir / f"{key}.parquet"))
        else:
            assert job_outputs[key] == expected, key
    assert_frame_equal(job_summary, ref_summary)
    # and the data is what the DAG says: both filters, the logical date from the tick (Paris)
    assert job_outputs["count"] == {"rows": 8, "amount": 405}  # 5 rows >= 1, 3 rows >= 50
    assert job_outputs["save"] == 8
    assert set(job_summary["day"]) == {"2026-11-30"}


# -- (c) errors ---------------------------------------------------------------------------------
def _provider() -> Any:
    from glacier import Provider
    from glacier.config import AwsConfig

    return Provider(config=AwsConfig(region="eu-west-1"))


def _dbx(**extra: Any) -> Any:
    from glacier.config import DatabricksConfig

    fields: dict[str, Any] = {"staging_bucket": "stage", "orchestrate": "job", **extra}
    return DatabricksConfig(**fields)


def _double(x: int) -> int:
    return x * 2


def test_a_task_off_databricks_is_named() -> None:
    aws = _provider()
    dbx = aws.executor("dbx", config=_dbx())
    on_dbx = task(_double, name="on_dbx", executor=dbx)
    here = task(_double, name="here")

    @pipeline(name="mixed")
    def mixed() -> None:
        here(on_dbx(1))

    with pytest.raises(CompilerError, match=r"task 'here' runs in the driver \(no executor\)"):
        mixed.compile(PulumiCompiler())


def test_a_task_on_another_engine_is_named() -> None:
    from glacier.config import DatabricksConfig, GlueConfig

    aws = _provider()
    dbx = aws.executor("dbx", config=_dbx())
    glue = aws.executor("glue", config=GlueConfig(staging_bucket="stage"))
    other = aws.executor("other", config=DatabricksConfig(staging_bucket="stage"))
    first = task(_double, name="first", executor=dbx)
    on_glue = task(_double, name="on_glue", executor=glue)
    on_other = task(_double, name="on_other", executor=other)

    @pipeline(name="engines")
    def engines() -> None:
        on_glue(first(1))

    with pytest.raises(CompilerError, match=r"task 'on_glue' runs on executor 'glue' \(glue"):
        engines.compile(PulumiCompiler())

    @pipeline(name="drivers")
    def drivers() -> None:
        on_other(first(1))

    with pytest.raises(CompilerError, match=r"task 'on_other' runs on executor 'other'"):
        drivers.compile(PulumiCompiler())


def test_job_mode_needs_staging_and_no_driver() -> None:
    from glacier.compiler.deploy_ir import DriverConfig

    aws = _provider()
    bare = aws.executor("bare", config=_dbx(staging_bucket=None))
    step = task(_double, name="step", executor=bare)

    @pipeline(name="nostage")
    def nostage() -> None:
        step(1)

    with pytest.raises(CompilerError, match=r"DatabricksConfig\(staging_bucket=\.\.\.\)"):
        nostage.compile(PulumiCompiler())

    dbx = aws.executor("dbx", config=_dbx())
    ok = task(_double, name="ok", executor=dbx)

    @pipeline(name="both")
    def both() -> None:
        ok(1)

    with pytest.raises(CompilerError, match="the job replaces the driver"):
        both.compile(PulumiCompiler(driver=DriverConfig()))


def _call(fn: Any, x: int) -> int:
    return x


def test_job_mode_refuses_functions_and_unused_trigger_buckets() -> None:
    from glacier.schedule import OnWrite

    aws = _provider()
    dbx = aws.executor("dbx", config=_dbx())
    scorer = aws.serverless("score", "shop.handlers:handle", name="scorer")
    call = task(_call, name="call", executor=dbx)
    step = task(_double, name="step", executor=dbx)
    landing = aws.bucket("landing-zone", path="in/")

    @pipeline(name="calls")
    def calls() -> None:
        call(scorer, 1)

    with pytest.raises(CompilerError, match=r"serverless functions \('scorer'\)"):
        calls.compile(PulumiCompiler())

    @pipeline(name="watched", triggers=OnWrite(landing))
    def watched(event_uri: str = "") -> None:
        step(1)

    with pytest.raises(CompilerError, match="which no task of the Job's provider uses"):
        watched.compile(PulumiCompiler())


def _scan(source: Any) -> Any:
    return source.scan()


def test_on_write_becomes_the_jobs_file_arrival_trigger(tmp_path: Path) -> None:
    """OnWrite on a dataset prefix the tasks read: Databricks starts the Job when files
    arrive there (checked under mocks with the real SDK)."""
    import textwrap

    from glacier.dag.loading import load_script

    script = tmp_path / "arrivals.py"
    script.write_text(
        textwrap.dedent(
            """
            from glacier import Provider, pipeline, task
            from glacier.config import AwsConfig, DatabricksConfig
            from glacier.schedule import OnWrite

            aws = Provider(config=AwsConfig(region="eu-west-1"))
            dbx = aws.executor(
                "dbx", config=DatabricksConfig(staging_bucket="stage", orchestrate="job")
            )
            landing = aws.bucket("landing-zone", path="in/")

            @task(executor=dbx)
            def load(source):
                return source.scan()

            @pipeline(name="arrivals", triggers=OnWrite(landing))
            def arrivals():
                load(landing)
            """
        )
    )
    built = package_pipeline(str(script), tmp_path / "artifact")
    module = load_script(script).module
    infra = module.arrivals.compile(PulumiCompiler(artifact=built))
    infra.export_pulumi(tmp_path / "p")
    job = run_program(tmp_path / "p").one(JOB, "arrivals-job")
    assert job.inputs["trigger"] == {
        "fileArrival": {"url": "s3://landing-zone/in/"},
        "pauseStatus": "UNPAUSED",
    }


def test_what_a_file_arrival_trigger_cannot_do_is_refused() -> None:
    from glacier.schedule import OnWrite, Schedule

    aws = _provider()
    dbx = aws.executor("dbx", config=_dbx())
    landing = aws.bucket("landing-zone", path="in/")
    load = task(_scan, name="load", executor=dbx)

    @pipeline(name="handed", triggers=OnWrite(landing))
    def handed(uri: str = "") -> None:
        load(landing)

    with pytest.raises(CompilerError, match="to parameter 'uri'.*not told which files"):
        handed.compile(PulumiCompiler())

    @pipeline(name="filtered", triggers=OnWrite(landing, suffix=".parquet"))
    def filtered() -> None:
        load(landing)

    with pytest.raises(CompilerError, match="filtered by suffix"):
        filtered.compile(PulumiCompiler())

    @pipeline(name="both", triggers=OnWrite(landing), schedule=Schedule("0 2 * * *"))
    def both() -> None:
        load(landing)

    with pytest.raises(CompilerError, match="OnWrite and a schedule"):
        both.compile(PulumiCompiler())


def test_unknown_task_bad_key_and_lone_flags(capsys: pytest.CaptureFixture[str]) -> None:
    from glacier.cli.main import main

    target = f"{PROJECT / 'flow.py'}:dbx-flow"
    base = ["run", target, "-p", "logical_date=2026-11-30"]
    assert main([*base, "--task", "nope", "--run-key", "1"]) == 2
    err = capsys.readouterr().err
    assert "has no task 'nope'; its tasks: extract, clean, clean#2, enrich, count, save" in err
    assert main([*base, "--task", "extract", "--run-key", "../x"]) == 2
    assert "--run-key '../x' is not a valid run key" in capsys.readouterr().err
    assert main([*base, "--task", "extract"]) == 2
    assert "--task and --run-key go together" in capsys.readouterr().err
    assert main([*base, "--task", "extract", "--run-key", "1", "--resume", "r1"]) == 2
    assert "cannot be combined with --event-uri or --resume" in capsys.readouterr().err


def test_quartz_conversion() -> None:
    from glacier_databricks.quartz import quartz_cron

    assert quartz_cron("0 2 * * *") == "0 0 2 * * ?"
    assert quartz_cron("30 6 1 * *") == "0 30 6 1 * ?"
    assert quartz_cron("*/15 * * * *") == "0 */15 * * * ?"
    assert quartz_cron("0 2 * * 5-7") == "0 0 2 ? * 1,6,7"  # Fri, Sat, Sun
    assert quartz_cron("0 2 * * MON-FRI") == "0 0 2 ? * 2,3,4,5,6"
    assert quartz_cron("0 2 * * 0,6") == "0 0 2 ? * 1,7"
    assert quartz_cron("0 0 * * 1/2") == "0 0 0 ? * 2,4,6"
    assert quartz_cron("0 2 * * 1#2") == "0 0 2 ? * 2#2"
    assert quartz_cron("0 2 * * 5L") == "0 0 2 ? * 6L"
    with pytest.raises(ValueError, match="restricts both day-of-month and day-of-week"):
        quartz_cron("0 2 1 * 1")
    with pytest.raises(ValueError, match="not 0-7"):
        quartz_cron("0 2 * * 9")
