#!/usr/bin/env bash
# The README's second command (and CI's): make sure everything is installed, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export OMP_THREAD_LIMIT=1
exec .venv/bin/python -m pytest "$@"
