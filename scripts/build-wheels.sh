#!/usr/bin/env bash
# Build one wheel per Glacier distribution (every packages/*/pyproject.toml) into dist/.
#   bash scripts/build-wheels.sh           -> dist/glacier_core-*.whl, dist/glacier_aws-*.whl, ...
#   bash scripts/build-wheels.sh OUT_DIR
# Install from them anywhere, no package index needed for Glacier itself:
#   pip install --find-links dist glacier-aws       (glacier-core comes from dist/ too)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-dist}
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
# With hatchling already installed, build offline in this environment; else let pip fetch it.
ISOLATION=()
if "$PYTHON" -c "import hatchling" 2>/dev/null; then ISOLATION=(--no-build-isolation); fi
mkdir -p "$OUT"
for project in packages/*/pyproject.toml; do
  "$PYTHON" -m pip wheel --disable-pip-version-check --no-deps -q "${ISOLATION[@]}" \
    -w "$OUT" "$(dirname "$project")"
done
ls -1 "$OUT"/*.whl
