"""The operating commands end to end: glacier runs, backfill, run --resume, and serve with
SIGTERM in a real subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from glacier.cli.main import main
from glacier.errors import PollTimeoutError
from glacier.runs.config import store_from_uri
from tests.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]

PIPELINE = textwrap.dedent(
    """
    import os
    from datetime import date
    from pathlib import Path

    from glacier import pipeline, task

    COUNTS = Path(os.environ["COUNTS"])

    @task
    def work(day: date) -> date:
        with COUNTS.open("a") as fh:
            fh.write(f"{day}\\n")
        if os.environ.get("FAIL_DAY") == str(day):
            raise RuntimeError(f"no data for {day}")
        return day

    @pipeline(name="daily")
    def daily(day: date):
        work(day)
    """
)


@pytest.fixture
def project(tmp_path: Path, runs_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "daily.py").write_text(PIPELINE)
    monkeypatch.setenv("COUNTS", str(tmp_path / "counts.txt"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "daily.py"


def _counts(project: Path) -> list[str]:
    path = project.parent / "counts.txt"
    return path.read_text().split() if path.exists() else []


def test_backfill_and_runs_list_show(
    project: Path,
    runs_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAIL_DAY", "2026-11-03")
    assert main(["backfill", str(project), "-p", "day=2026-11-01..2026-11-03"]) == 1
    assert sorted(_counts(project)) == ["2026-11-01", "2026-11-02", "2026-11-03"]
    out = capsys.readouterr().out
    assert "3 run(s), 1 failed, 0 already succeeded" in out

    assert main(["backfill", str(project), "-p", "day=2026-11-01..2026-11-04", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "run  day=2026-11-03" in out and "run  day=2026-11-04" in out
    assert "skip day=2026-11-01" in out

    assert main(["runs", "list"]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == [
        "run",
        "id",
        "pipeline",
        "status",
        "trigger",
        "started",
        "duration",
        "params",
    ]
    assert table.count("backfill") == 3 and table.count("failed") == 1

    assert main(["runs", "list", "--status", "failed", "--json"]) == 0
    (failed,) = json.loads(capsys.readouterr().out)
    assert failed["params"] == {"day": "2026-11-03"}
    assert "no data for 2026-11-03" in failed["error"]

    assert main(["runs", "show", failed["run_id"]]) == 0
    shown = capsys.readouterr().out
    assert f"run       {failed['run_id']}" in shown
    assert "RuntimeError: no data for 2026-11-03 (at daily.py:" in shown
    assert main(["runs", "show", failed["run_id"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tasks"]["work"]["status"] == "failed"

    assert main(["runs", "show", "nope"]) == 2
    assert "glacier runs: error: No run 'nope'" in capsys.readouterr().err

    # resume the failed run once the data is there
    monkeypatch.delenv("FAIL_DAY")
    assert main(["run", str(project), "--resume", failed["run_id"], "-q"]) == 0
    assert _counts(project).count("2026-11-03") == 2
    latest = next(store_from_uri(str(runs_dir)).records("daily", limit=1))
    assert latest.resumed_from == failed["run_id"] and latest.status == "succeeded"


def test_runs_list_on_an_empty_store(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runs", "list"]) == 0
    assert "no runs in" in capsys.readouterr().err
    assert main(["runs", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


SERVED = textwrap.dedent(
    """
    import os, time
    from pathlib import Path

    from glacier import Provider, pipeline, task
    from glacier.config import LocalConfig
    from glacier.schedule import OnWrite

    provider = Provider(LocalConfig(base_path=Path(os.environ["BASE"])))
    landing = provider.bucket("lake", path="landing/")

    @task
    def slow(uri: str) -> None:
        Path(os.environ["STARTED"]).write_text(uri)
        time.sleep(120)  # still running when serve is told to stop

    @pipeline(name="slow", triggers=OnWrite(landing, suffix=".csv", param="uri"))
    def slow_pipe(uri: str):
        slow(uri)
    """
)


def test_serve_stops_cleanly_on_sigterm_and_keeps_the_started_runs_record(
    tmp_path: Path, runs_dir: Path
) -> None:
    (tmp_path / "served.py").write_text(SERVED)
    env = {
        **os.environ,
        "BASE": str(tmp_path / "data"),
        "STARTED": str(tmp_path / "started.txt"),
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "glacier", "serve", "served.py", "--grace", "0.5"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        landing = tmp_path / "data" / "lake" / "landing"
        wait_until(lambda: "serving slow" in _peek(proc), "glacier serve to print 'serving slow'")
        landing.mkdir(parents=True, exist_ok=True)
        (landing / "orders.csv").write_text("a\n1\n")
        store = store_from_uri(str(runs_dir))
        started = tmp_path / "started.txt"
        try:
            wait_until(started.exists, "the triggered run to start")
        except PollTimeoutError:
            pytest.fail(f"the triggered run never started; serve printed:\n{_peek(proc)}")
        (running,) = store.records("slow")
        assert running.status == "running"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "SIGTERM: stopping" in err and "recorded as cancelled" in err
    (record,) = store.records("slow")
    assert record.run_id == running.run_id
    assert record.status == "cancelled" and record.ended_at is not None
    assert record.tasks["slow"].status == "cancelled"
    assert "glacier serve stopped" in (record.error.message if record.error else "")


_seen: dict[int, str] = {}


def _peek(proc: subprocess.Popen[str]) -> str:
    """What the serve process printed so far on stderr (non-blocking)."""
    import selectors

    assert proc.stderr is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stderr, selectors.EVENT_READ)
    text = _seen.get(proc.pid, "")
    while sel.select(timeout=0):
        line = proc.stderr.readline()
        if not line:
            break
        text += line
    _seen[proc.pid] = text
    return text


SCHEDULED = textwrap.dedent(
    """
    from datetime import date

    from glacier import Provider, pipeline, task
    from glacier.config import AwsConfig

    provider = Provider(AwsConfig(region="eu-west-1"))
    raw = provider.bucket("glacier-sched-lake", path="raw/")

    @task
    def touch(source, day: date) -> str:
        return f"{source.get_uri()} {day}"

    @pipeline(name="daily", schedule="0 2 * * *")
    def daily(logical_date: date) -> None:
        touch(raw, logical_date)
    """
)


def test_graph_and_compile_of_a_scheduled_pipeline_need_no_logical_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The schedule fills its logical date at run time; graph and compile show the DAG's
    shape with a sample value instead of asking for -p logical_date=..."""
    script = tmp_path / "daily.py"
    script.write_text(SCHEDULED)
    assert main(["graph", str(script)]) == 0
    assert "touch" in capsys.readouterr().out
    assert main(["compile", str(script), "--check"]) == 0
    assert "Pulumi resources" in capsys.readouterr().out
    # a given value is still checked, naming the parameter
    assert main(["compile", str(script), "--check", "-p", "logical_date=soon"]) != 0
    assert "logical_date" in capsys.readouterr().err
