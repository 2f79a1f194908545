"""CI smoke test: the benchmark suite runs end to end at tiny sizes and writes its JSON and
Markdown with every section. Timing is never asserted here (see docs/benchmarks/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_smoke_suite_writes_json_and_markdown_with_every_section(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]

    results = json.loads((out / "results.json").read_text())
    assert results["mode"] == "smoke"
    assert results["errors"] == {}, results["errors"]
    sections = {f["section"] for f in results["figures"]}
    for section in (
        "data_pipeline",
        "memory",
        "orchestration",
        "concurrency",
        "startup",
        "compile",
    ):
        assert section in sections, f"no figures for {section}"
    storage = results["storage_io"]
    assert storage["status"] == "ok", storage.get("reason")  # "failed" fails the smoke test
    assert storage["data"], storage
    for fig in results["figures"]:
        if fig["section"] in ("orchestration_peers", "compile") and fig["note"]:
            continue  # an optional peer or a compiler still being written may report why not
        assert fig["value"]["n"] >= 1, fig
        assert fig["baseline"] is not None, fig
        assert fig["ratio"] is not None, fig

    report = (out / "report.md").read_text()
    for heading in (
        "## Targets",
        "Data-pipeline overhead",
        "Bounded memory",
        "Orchestration overhead",
        "Peers side by side",
        "Concurrency",
        "Start-up",
        "Compile + export",
        "Storage IO",
    ):
        assert heading in report, heading
    # Smoke output never touches the committed full-run report.
    assert out.resolve() != (ROOT / "docs" / "benchmarks").resolve()
