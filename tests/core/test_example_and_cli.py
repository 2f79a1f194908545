"""The README's example: its output equals plain Polars; the CLI commands work."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from tests.cli_runner import run_glacier

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "sales_pipeline.py"


def test_example_output_equals_plain_polars(tmp_path: Path) -> None:
    proc = run_glacier("run", str(EXAMPLE), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "pipeline 'sales' succeeded" in proc.stdout
    assert re.search(r"^save +succeeded +[\d.]+s +100 ", proc.stdout, re.M)  # rows written
    raw = tmp_path / "data" / "sales-lake" / "raw" / "sales.parquet"
    out = tmp_path / "data" / "sales-lake" / "processed" / "sales_by_category.parquet"
    expected = (
        pl.scan_parquet(raw)
        .filter(pl.col("amount") > 0)
        .group_by("category")
        .agg(pl.col("amount").sum().alias("revenue"), pl.len().alias("orders"))
        .sort("category")
        .collect()
    )
    # Float sums: the summation order (and so the last bits) depends on the thread schedule.
    assert_frame_equal(pl.read_parquet(out), expected, check_exact=False)
    assert expected.height == 100


def test_example_loads_without_side_effects_and_compiles_on_aws(tmp_path: Path) -> None:
    """graph and compile load the example without writing its sample data."""
    proc = run_glacier("graph", str(EXAMPLE), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = run_glacier(
        "compile", str(EXAMPLE), "--check", cwd=tmp_path, env={"AWS_REGION": "eu-west-1"}
    )
    assert proc.returncode == 0, proc.stderr
    assert "ok: pipeline 'sales' compiles to" in proc.stdout
    assert not (tmp_path / "data").exists()
    assert proc.stderr == ""  # the example keeps its run under the __main__ guard


def test_run_reports_failure_with_exit_code(tmp_path: Path) -> None:
    script = tmp_path / "bad.py"
    script.write_text(
        "from glacier import pipeline, task\n"
        "@task\ndef boom():\n    raise RuntimeError('kaput')\n"
        "@task\ndef after(x):\n    return x\n"
        "@pipeline(name='bad')\ndef bad():\n    after(boom())\n"
    )
    proc = run_glacier("run", str(script), cwd=tmp_path)
    assert proc.returncode == 1
    assert re.search(r"^boom +failed", proc.stdout, re.M)
    assert re.search(r"^after +not_run", proc.stdout, re.M)
    assert "task 'boom' failed: RuntimeError: kaput" in proc.stderr


def test_run_reports_definition_errors_cleanly(tmp_path: Path) -> None:
    script = tmp_path / "bad.py"
    script.write_text(
        "from glacier import pipeline, task\n"
        "@task\ndef load():\n    return 1\n"
        "@task(depends_on=[load])\ndef clean():\n    return 2\n"
        "@pipeline(name='p')\ndef p():\n    clean()\n"
    )
    proc = run_glacier("run", f"{script}:p", cwd=tmp_path)
    assert proc.returncode == 2
    assert "glacier run: error: Task 'clean' depends_on 'load'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_graph_command(tmp_path: Path) -> None:
    proc = run_glacier("graph", str(EXAMPLE), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("flowchart TD")
    assert "t3 --> t4" in proc.stdout  # aggregate -> save
    assert "t0 -.-> t1" in proc.stdout  # sample_input before load (depends_on only)
    assert "b0 --> t1" in proc.stdout and "t4 --> b1" in proc.stdout  # load reads, save writes
    dot = run_glacier("graph", str(EXAMPLE), "--format", "dot", cwd=tmp_path)
    assert '"aggregate" -> "save";' in dot.stdout


def test_missing_pipeline_name_lists_choices(tmp_path: Path) -> None:
    proc = run_glacier("graph", f"{EXAMPLE}:nope", cwd=tmp_path)
    assert proc.returncode == 2
    assert "has no pipeline named 'nope'; pipelines: sales" in proc.stderr


@pytest.mark.slow
def test_core_wheel_alone_runs_a_local_pipeline(tmp_path: Path) -> None:
    """A wheel of glacier-core in a fresh venv runs a pipeline with no boto3/pulumi present."""
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(dist),
            str(ROOT / "packages" / "glacier-core"),
        ],
        check=True,
        timeout=600,
    )
    wheel = next(dist.glob("glacier_core-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=600)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=600)
    script = tmp_path / "p.py"
    script.write_text(
        "import sys, polars as pl\n"
        "from glacier import Provider, pipeline, task\n"
        "from glacier.config import LocalConfig\n"
        "p = Provider(config=LocalConfig(base_path='d'))\n"
        "src = p.bucket('b', path='in.parquet'); src.write(pl.DataFrame({'a': [1, -2, 3]}))\n"
        "dst = p.bucket('b', path='out.parquet')\n"
        "@task\ndef load(b): return b.scan()\n"
        "@task\ndef save(df, b): b.write(df.filter(pl.col('a') > 0))\n"
        "@pipeline\ndef flow(): save(load(src), dst)\n"
        "flow.run()\n"
        "assert dst.read()['a'].to_list() == [1, 3]\n"
        "bad = [m for m in ('boto3', 'pulumi', 's3fs', 'glacier_aws') if m in sys.modules]\n"
        "print('ok', bad)\n"
    )
    out = subprocess.run(
        [str(py), str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok []"
    freeze = subprocess.run(
        [str(py), "-m", "pip", "freeze"], capture_output=True, text=True, check=True, timeout=600
    ).stdout.lower()
    assert "boto3" not in freeze and "pulumi" not in freeze and "fsspec" not in freeze
    cli = subprocess.run(
        [str(venv / "bin" / "glacier"), "plugins"], capture_output=True, text=True, timeout=600
    )
    assert cli.returncode == 0 and "local  (glacier-core" in cli.stdout
