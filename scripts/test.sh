#!/usr/bin/env bash
# Set up everything (packages, test tools, local cloud servers), then run the whole suite,
# the linter and the strict docs build. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export NO_MKDOCS_2_WARNING=1  # mkdocs-material prints an end-of-life banner on every build
scripts/setup.sh --dev
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports          # architecture contracts (pyproject.toml [tool.importlinter])
.venv/bin/mypy                  # core and every plugin (pyproject.toml [tool.mypy])
.venv/bin/python -m pytest "$@"
.venv/bin/mkdocs build --strict --quiet --site-dir "${TMPDIR:-/tmp}/glacier-site"
