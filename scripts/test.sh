#!/usr/bin/env bash
# The README's second command (and CI's): make sure everything is installed, check the rules that
# keep the code in shape (scripts/lint.sh: ruff, mypy, layer contracts), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/lint.sh
export OMP_THREAD_LIMIT=1
exec .venv/bin/python -m pytest "$@"
