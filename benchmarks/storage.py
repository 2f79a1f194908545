"""Section 7: cloud/object-storage IO, measured by ``benchmarks/storage_io.py`` (owned by
the storage adapters). This suite only runs it (small size in smoke mode) and includes the
JSON it writes (``storage_io.json``) in the report."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.common import PYTHON, ROOT

SCRIPT = ROOT / "benchmarks" / "storage_io.py"
DEFAULT_JSON = ROOT / "docs" / "benchmarks" / "storage_io.json"


def run(smoke: bool, out_dir: Path, timeout: float = 3600, reuse: bool = False) -> dict[str, Any]:
    """Run the storage benchmark if present; return {"status", "data"|"reason"}.

    ``reuse``: include the existing ``docs/benchmarks/storage_io.json`` without re-running
    (its full run takes many minutes and does not depend on this suite's changes).
    """
    if reuse and DEFAULT_JSON.exists():
        return {
            "status": "ok",
            "json": str(DEFAULT_JSON),
            "reused": True,
            "data": json.loads(DEFAULT_JSON.read_text()),
        }
    if not SCRIPT.exists():
        return {
            "status": "not available",
            "reason": f"{SCRIPT.relative_to(ROOT)} does not exist yet",
        }
    help_text = subprocess.run(
        [PYTHON, str(SCRIPT), "--help"], capture_output=True, text=True, cwd=ROOT, timeout=120
    ).stdout
    args = [PYTHON, str(SCRIPT)]
    if smoke and "--smoke" in help_text:
        args.append("--smoke")
    target = DEFAULT_JSON
    # Never overwrite the committed full-run JSON from a smoke run.
    for flag in ("--out", "--output", "--json"):
        if flag in help_text and (smoke or out_dir.resolve() != DEFAULT_JSON.parent.resolve()):
            target = out_dir / "storage_io.json"
            args += [flag, str(target)]
            break
    else:
        if smoke and out_dir.resolve() != DEFAULT_JSON.parent.resolve():
            return {
                "status": "skipped",
                "reason": "storage_io.py has no output option; a smoke run would overwrite "
                "docs/benchmarks/storage_io.json",
            }
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    if proc.returncode != 0:
        return {"status": "failed", "reason": proc.stderr[-2000:]}
    if not target.exists():
        return {"status": "failed", "reason": f"{target} was not written"}
    return {"status": "ok", "json": str(target), "data": json.loads(target.read_text())}
