"""Running the ``glacier`` command in a fresh process, as a user would (tests only)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: Seconds a ``glacier`` command may take before its test fails (a deadline, not a measure).
DEADLINE = 300


def run_glacier(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m glacier ARGS`` in ``cwd`` with no cloud-selecting variable (so the local
    default applies) plus ``env``; never raises on a non-zero exit."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_", "GCP_"))}
    base.pop("GOOGLE_CLOUD_PROJECT", None)
    return subprocess.run(
        [sys.executable, "-m", "glacier", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        check=False,
        timeout=DEADLINE,
    )
