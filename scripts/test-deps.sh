#!/usr/bin/env bash
# What `npm test` needs beyond npm ci, installed on first use: the real `mlflow` Python package (in
# .venv, for the compatibility tests) and Debian's Chromium (for the end-to-end tests). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! .venv/bin/python -c 'import mlflow' 2>/dev/null; then
  echo "test-deps: installing the mlflow Python package into .venv (tests/requirements.txt)…" >&2
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
fi

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test-deps: installing Debian's chromium for the end-to-end tests…" >&2
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  else
    echo "test-deps: the end-to-end tests need Chromium at /usr/bin/chromium: sudo apt-get install chromium" >&2
    exit 1
  fi
fi
