#!/usr/bin/env bash
# Set up, then run the example pipeline on the local default (data under ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/glacier run examples/sales_pipeline.py
