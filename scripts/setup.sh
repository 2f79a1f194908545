#!/usr/bin/env bash
# Create .venv and install every Glacier distribution in editable mode.
#   scripts/setup.sh         runtime only (what the example needs)
#   scripts/setup.sh --dev   plus test/docs tools and the Azurite emulator (npm)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip install --disable-pip-version-check -q)
"${PIP[@]}" --upgrade pip
"${PIP[@]}" -e "packages/glacier-core[migrate,testing,delta]" \
  -e packages/glacier-aws -e packages/glacier-azure \
  -e packages/glacier-gcp -e packages/glacier-databricks
if [ "${1:-}" = "--dev" ]; then
  "${PIP[@]}" -r requirements-dev.txt
  for example in examples/glacier-emr examples/glacier-minio; do  # example third-party plugins
    if [ -f "$example/pyproject.toml" ]; then
      "${PIP[@]}" -e "$example"
    fi
  done
  if [ -f tests/tools/azurite/package-lock.json ]; then
    npm ci --prefix tests/tools/azurite --no-audit --no-fund --loglevel=error
  fi
fi
