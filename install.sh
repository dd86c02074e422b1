#!/usr/bin/env bash
# The README's first command: install everything, then run the main job on the shipped samples
# with embedded defaults (folder store and SQLite under ./docproc-data, in-process workers).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
exec .venv/bin/docproc process samples/images/*.jpg samples/two_page_passport.pdf
