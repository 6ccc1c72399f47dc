#!/usr/bin/env bash
# The whole check, from a fresh clone: system libraries, a virtual environment, lint, types,
# layer contracts, then the test suite. Used as-is by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh --tests
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/ruff check desktop tests packaging
.venv/bin/ruff format --check desktop tests packaging
.venv/bin/mypy
.venv/bin/lint-imports
QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest "$@"
