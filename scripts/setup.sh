#!/usr/bin/env bash
# Install what docproc needs on a Debian machine: system packages (tesseract and its language data,
# fonts, libraries OpenCV links against) and a virtual environment with the project and its tools.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-ind tesseract-ocr-ara tesseract-ocr-ben
  tesseract-ocr-chi-sim fonts-ocr-b fonts-dejavu-core libgl1 libglib2.0-0 python3-venv
  chromium redis-server
)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $PYTHON" >&2
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.docproc-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing docproc and its Python dependencies into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi

# axe-core for the browser tests' accessibility checks (tests/web/pages/axe.py reads it from
# .venv/node_modules): the pinned npm package, installed once, never fetched at test time.
AXE_VERSION=4.10.3
if [ ! -f .venv/node_modules/axe-core/axe.min.js ] \
  || ! grep -q "\"version\": \"$AXE_VERSION\"" .venv/node_modules/axe-core/package.json; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup: installing npm (for axe-core)" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends npm
  fi
  echo "setup: installing axe-core $AXE_VERSION into .venv/node_modules" >&2
  npm install --prefix .venv --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "axe-core@$AXE_VERSION"
fi
