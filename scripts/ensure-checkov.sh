#!/usr/bin/env bash
# checkov in its own virtualenv, .tools/checkov (its dependency tree pins boto3, botocore and
# packaging to versions older than taskdesk's, so it cannot share .venv). Installs the version
# pinned in requirements-checkov.txt when the environment is missing or out of date; prints
# the path of the checkov executable.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
VENV=.tools/checkov
STAMP=$VENV/.installed
want=$(sha256sum requirements-checkov.txt | cut -d' ' -f1)
if [ ! -x "$VENV/bin/checkov" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "ensure-checkov: installing into $VENV" >&2
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements-checkov.txt >&2
  echo "$want" > "$STAMP"
fi
echo "$PWD/$VENV/bin/checkov"
