#!/usr/bin/env bash
# Build build/python-deps: taskdesk's runtime dependencies, which serverless.yml packages with
# the code (handlers/environment.py puts the directory on sys.path on Lambda), as the
# python3.11 arm64 runtime (Amazon Linux 2, glibc 2.26) needs them: binary wheels only (manylinux2014 / manylinux_2_26, aarch64), from requirements.txt less
# what Lambda does not use (gunicorn; boto3 is the runtime's and is not in requirements.txt).
# Shared objects are stripped of every symbol no relocation needs (--strip-unneeded: debug
# information and the static symbol table; Python finds PyInit_* in the dynamic one), with
# aarch64 binutils (installed with apt-get when absent and run as root), as
# serverless-python-requirements' `slim` does.
# Skips the work when build/python-deps matches requirements.txt and this script already.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
OUT=build/python-deps
STAMP=build/python-deps.sha256
want=$(cat requirements.txt "$0" | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  echo "build-lambda-deps: $OUT is up to date" >&2
  exit 0
fi

STRIP=aarch64-linux-gnu-strip
if ! command -v "$STRIP" >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "build-lambda-deps: installing binutils-aarch64-linux-gnu" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq binutils-aarch64-linux-gnu >&2
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq >&2 && sudo apt-get install -y -qq binutils-aarch64-linux-gnu >&2
  fi
fi

rm -rf "$OUT" "$STAMP"
mkdir -p build
grep -viE '^(gunicorn|boto3|botocore|s3transfer)==' requirements.txt > build/requirements-lambda.txt
"$PY" -m pip install --quiet --disable-pip-version-check --no-compile \
  --platform manylinux2014_aarch64 --platform manylinux_2_26_aarch64 \
  --implementation cp --python-version 3.11 --only-binary=:all: \
  --target "$OUT" -r build/requirements-lambda.txt
# Nothing below is imported at run time on Lambda (the bundle must stay under 40 MB unzipped):
# console scripts, test helpers, install records, type stubs, Cython sources, SQLAlchemy's
# asyncio extension (taskdesk is synchronous), and dnspython, which email-validator imports only
# for deliverability checks that taskdesk turns off (check_deliverability=False; the deploy
# tests check every call).
rm -rf "$OUT/bin" "$OUT"/{sqlalchemy,alembic,mako}/testing "$OUT"/sqlalchemy/ext/asyncio
rm -rf "$OUT"/dns "$OUT"/dnspython-*.dist-info
rm -f "$OUT"/*.dist-info/RECORD
find "$OUT" \( -name '__pycache__' -o -name '*.pyi' -o -name '*.pyx' -o -name '*.pxd' \) -prune -exec rm -rf {} +
find "$OUT" -name '*.so' -exec "$STRIP" --strip-unneeded {} +
echo "$want" > "$STAMP"
size=$(du -sm --apparent-size "$OUT" | cut -f1)
echo "build-lambda-deps: $OUT built (${size} MB unzipped)" >&2
