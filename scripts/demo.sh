#!/usr/bin/env bash
# One command on a fresh machine: set up, then write the demo inbox and all three tertial reports.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/lofte demo --out "${1:-demo-output}"
