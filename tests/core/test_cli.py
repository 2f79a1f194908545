"""The ``glacier`` CLI as a new user meets it: files load once, parameters, help, errors."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.cli_runner import run_glacier

ROOT = Path(__file__).resolve().parents[2]


def _write(path: Path, code: str) -> Path:
    path.write_text(textwrap.dedent(code))
    return path


#: README style: a module-level run, no __main__ guard. Every task and every load of the
#: file appends a line to events.log, so the test can count what ran.
UNGUARDED = """
    import polars as pl
    from glacier import Provider, pipeline, task
    from glacier.config import LocalConfig

    def log(event):
        with open("events.log", "a") as fh:
            fh.write(event + "\\n")

    log("load")
    provider = Provider(config=LocalConfig(base_path="data"))
    out = provider.bucket("lake", path="out.parquet")

    @task
    def make():
        log("make")
        return pl.DataFrame({"a": [1, 2]})

    @task
    def save(df, destination):
        log("save")
        destination.write(df)

    @pipeline(name="flow")
    def flow():
        save(make(), out)

    flow.run()
    log("after run")
"""


def _events(cwd: Path) -> list[str]:
    log = cwd / "events.log"
    return log.read_text().split() if log.exists() else []


def test_module_level_run_is_skipped_by_glacier_run(tmp_path: Path) -> None:
    script = _write(tmp_path / "flow.py", UNGUARDED)
    proc = run_glacier("run", str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # The file loaded once, the pipeline ran once (by glacier run), the rest was skipped.
    assert _events(tmp_path) == ["load", "make", "save"]
    assert "flow.py:28 runs pipeline 'flow' at module level" in proc.stderr
    assert 'Put it under `if __name__ == "__main__":`' in proc.stderr


@pytest.mark.parametrize("command", ["graph", "compile"])
def test_graph_and_compile_do_not_run_the_pipeline(tmp_path: Path, command: str) -> None:
    script = _write(tmp_path / "flow.py", UNGUARDED)
    extra = ["--check"] if command == "compile" else []
    proc = run_glacier(command, str(script), *extra, cwd=tmp_path)
    assert _events(tmp_path) == ["load"]
    assert not (tmp_path / "data").exists()  # nothing written
    assert "runs pipeline 'flow' at module level" in proc.stderr
    if command == "graph":
        assert proc.returncode == 0 and proc.stdout.startswith("flowchart TD")
    else:  # a LocalConfig pipeline has nothing to compile, and says how to fix it
        assert proc.returncode == 2
        assert "Compiling needs a cloud config" in proc.stderr
        assert 'Provider(config=AwsConfig(region="eu-west-1"))' in proc.stderr
        assert "AWS_REGION=eu-west-1 glacier compile" in proc.stderr


WORKER_SCRIPT = """
    from glacier import Provider, pipeline, task
    from glacier.config import LocalConfig

    def log(event):
        with open("events.log", "a") as fh:
            fh.write(event + "\\n")

    provider = Provider(config=LocalConfig(base_path="data"))
    workers = provider.executor("workers")

    @task(executor=workers)
    def double(n):
        log("double")
        return n * 2

    @task
    def report(x):
        log(f"report={x}")

    @pipeline
    def flow():
        report(double(21))

    flow.run()
"""


@pytest.mark.parametrize("how", ["python", "glacier run"])
def test_executor_worker_does_not_rerun_an_unguarded_script(tmp_path: Path, how: str) -> None:
    """The worker imports the file for ``double``; the module-level run must not start a
    second (nested) pipeline there."""
    script = _write(tmp_path / "flow.py", WORKER_SCRIPT)
    if how == "python":
        proc = subprocess.run(
            [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
        )
    else:
        proc = run_glacier("run", str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert _events(tmp_path) == ["double", "report=42"]


def test_worker_names_a_task_defined_below_a_module_level_run(tmp_path: Path) -> None:
    from glacier.jobs.refs import resolve_ref

    script = _write(
        tmp_path / "late.py",
        """
        from glacier import pipeline, task

        @task
        def first():
            return 1

        @pipeline
        def p():
            first()

        p.run()

        def late():
            return 2
        """,
    )
    assert resolve_ref(f"{script}:first")() == 1
    with pytest.raises(
        ImportError,
        match=r"late is defined in .*late.py below line 12, where the file runs pipeline 'p'",
    ):
        resolve_ref(f"{script}:late")


PARAMS = """
    import datetime as dt
    import enum
    from glacier import pipeline, task

    class Mode(enum.Enum):
        FULL = "full"
        DELTA = "delta"

    @task
    def show(day, n, mode, dry):
        print(f"day={day!r} n={n!r} mode={mode} dry={dry!r}")
        return day

    @pipeline(name="daily")
    def daily(day: dt.date, n: int = 3, mode: Mode = Mode.FULL, dry: bool = False):
        show(day, n, mode, dry)

    if __name__ == "__main__":
        daily.run(day=dt.date(2026, 1, 1))
"""


def test_run_converts_parameters_to_their_annotations(tmp_path: Path) -> None:
    script = _write(tmp_path / "daily.py", PARAMS)
    proc = run_glacier(
        "run", str(script), "-q", "-p", "day=2026-11-01", "-p", "n=7", "-p", "mode=delta",
        "--param", "dry=yes", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "day=datetime.date(2026, 11, 1) n=7 mode=Mode.DELTA dry=True" in proc.stdout
    assert "note:" not in proc.stderr  # the guarded file gives no note


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Pipeline 'daily' needs parameter 'day' (date): pass it with -p day=VALUE"),
        (
            ["-p", "day=2026-11-01", "-p", "dya=1"],
            "Pipeline 'daily' has no parameter 'dya'. Did you mean 'day'?",
        ),
        (
            ["-p", "day=2026-13-01"],
            "Pipeline 'daily': parameter 'day' expects date (YYYY-MM-DD), got '2026-13-01'",
        ),
        (
            ["-p", "day=2026-11-01", "-p", "n=three"],
            "parameter 'n' expects int, got 'three': Input should be a valid integer",
        ),
        (
            ["-p", "day=2026-11-01", "-p", "mode=weekly"],
            "parameter 'mode' expects Mode (one of full, delta), got 'weekly'",
        ),
        (["-p", "day"], "-p expects NAME=VALUE, got 'day'"),
    ],
)
def test_parameter_errors_name_the_parameter(tmp_path: Path, args: list[str], message: str) -> None:
    script = _write(tmp_path / "daily.py", PARAMS)
    for command in ("run", "graph"):
        proc = run_glacier(command, str(script), *args, cwd=tmp_path)
        assert proc.returncode == 2
        assert message in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_graph_takes_parameters(tmp_path: Path) -> None:
    script = _write(tmp_path / "daily.py", PARAMS)
    proc = run_glacier("graph", str(script), "-p", "day=2026-11-01", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert '["show"]' in proc.stdout


@pytest.mark.parametrize("command", ["run", "graph", "plugins", "compile", "migrate"])
def test_every_subcommand_has_a_description_and_examples(command: str) -> None:
    from glacier.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    helps = {c.dest: c.help for c in sub._choices_actions}  # type: ignore[attr-defined]
    assert helps[command] and helps[command].endswith(".")
    text = sub.choices[command].format_help()  # type: ignore[attr-defined]
    assert "examples:\n  glacier " + command in text or "examples:\n  GLACIER" in text


def test_help_of_run_lists_parameters_and_examples(tmp_path: Path) -> None:
    proc = run_glacier("run", "--help", cwd=tmp_path)
    assert proc.returncode == 0
    assert "-p NAME=VALUE, --param NAME=VALUE" in proc.stdout
    assert "glacier run pipelines.py:daily -p day=2026-11-01" in proc.stdout


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_max_workers_must_be_positive(tmp_path: Path, value: str) -> None:
    script = _write(tmp_path / "daily.py", PARAMS)
    proc = run_glacier("run", str(script), "--max-workers", value, cwd=tmp_path)
    assert proc.returncode == 2
    assert "argument --max-workers:" in proc.stderr


def test_no_broken_pipe_traceback_when_output_is_cut(tmp_path: Path) -> None:
    lines = "\n".join(f"    t{i}()" for i in range(3000))
    script = tmp_path / "wide.py"
    script.write_text(
        "from glacier import pipeline, task\n"
        + "".join(f"@task\ndef t{i}():\n    return {i}\n" for i in range(3000))
        + f"@pipeline\ndef wide():\n{lines}\n"
    )
    proc = subprocess.run(
        f"{sys.executable} -m glacier graph {script} | head -n 1",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.stdout == "flowchart TD\n"
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr


def test_migrate_help_works_without_libcst(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from glacier.cli.main import main

    monkeypatch.setitem(sys.modules, "libcst", None)  # find_spec("libcst") is None
    assert main(["migrate", "--help"]) == 0
    assert "usage: glacier migrate" in capsys.readouterr().out
    assert main(["migrate", "x.py"]) == 2
    assert "glacier migrate needs libcst" in capsys.readouterr().err


def test_directory_and_missing_file_get_clear_messages(tmp_path: Path) -> None:
    (tmp_path / "pipes").mkdir()
    (tmp_path / "pipes" / "sales.py").write_text("")
    proc = run_glacier("run", "pipes", cwd=tmp_path)
    assert proc.returncode == 2
    assert "glacier run: error: pipes is a directory; give the pipeline's file." in proc.stderr
    assert "Python files there: sales.py" in proc.stderr
    proc = run_glacier("graph", "nope.py", cwd=tmp_path)
    assert proc.returncode == 2 and "No such file: nope.py" in proc.stderr


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path / "broken.py", "from glacier import task\n\n@task\ndef f(:\n    pass\n")
    proc = run_glacier("run", "broken.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "glacier run: error: broken.py:4: syntax error:" in proc.stderr
    assert "def f(:" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_error_while_loading_names_the_line(tmp_path: Path) -> None:
    _write(tmp_path / "bad.py", "import polars\n\nx = undefined_name + 1\n")
    proc = run_glacier("compile", "bad.py", "--check", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Loading bad.py failed at bad.py:3: NameError: name 'undefined_name'" in proc.stderr


def test_failed_task_shows_the_line_in_user_code(tmp_path: Path) -> None:
    _write(
        tmp_path / "fails.py",
        """
        import polars as pl
        from glacier import pipeline, task

        def lookup(table, key):
            return table[key]

        @task
        def enrich():
            return lookup({}, "region")

        @task
        def bad_plan():
            return pl.LazyFrame({"a": [1]}).select(pl.col("nope"))

        @task
        def save(df):
            return df.collect()

        @pipeline
        def fails():
            enrich()
            save(bad_plan())
        """,
    )
    proc = run_glacier("run", "fails.py", "-q", cwd=tmp_path)
    assert proc.returncode == 1
    # the innermost frame in user code: the helper, with its line
    assert (
        "task 'enrich' failed: KeyError: 'region'\n    at fails.py:6 in lookup: return table[key]"
        in proc.stderr
    )
    # the LazyFrame's bad column fails in the task that built it, not in save
    assert re.search(r"^bad_plan +failed", proc.stdout, re.M)
    assert re.search(r"^save +not_run", proc.stdout, re.M)
    assert (
        "task 'bad_plan' failed: TaskOutputError: Task 'bad_plan' returned a LazyFrame"
        in proc.stderr
    )
    assert 'ColumnNotFoundError: unable to find column "nope"' in proc.stderr
    assert "    at fails.py:12 in bad_plan" in proc.stderr


def test_compile_check_counts_pulumi_resources_like_the_program_registers(tmp_path: Path) -> None:
    pytest.importorskip("pulumi_aws")
    example = ROOT / "examples" / "escape_hatches" / "aws_pipeline.py"
    proc = run_glacier("compile", str(example), "--check", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    found = re.search(
        r"pipeline 'compliance' compiles to (\d+) Pulumi resources \(2 buckets, 1 driver, 1 executor\); nothing written",
        proc.stdout,
    )
    assert found, proc.stdout
    assert not (tmp_path / "infra").exists()
    proc = run_glacier("compile", str(example), "--out", "infra", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # Run the exported program under Pulumi's mocks in a fresh interpreter (Pulumi's runtime
    # keeps per-process state) and count what it registers.
    count = subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore::DeprecationWarning",
            "-c",
            "import sys; from tests.compiler.mockrun import run_program; "
            "print(len(run_program(sys.argv[1]).resources))",
            str(tmp_path / "infra"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert count.returncode == 0, count.stderr
    assert int(found.group(1)) == int(count.stdout.strip().splitlines()[-1]) > 30
