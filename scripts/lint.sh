#!/usr/bin/env bash
# The rules that keep the code in shape, with pinned tools (pyproject.toml [dev]): ruff (lint and
# format), mypy (strict) and the import-linter contracts (layers point down; reading is pure).
# scripts/test.sh runs it first, so CI does too.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check docproc tests bench models
.venv/bin/ruff format --check docproc tests bench models
.venv/bin/mypy docproc tests
.venv/bin/lint-imports
