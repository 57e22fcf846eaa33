#!/usr/bin/env bash
# Build build/python-deps: taskdesk's runtime dependencies, which serverless.yml packages with
# the code (handlers/environment.py puts the directory on sys.path on Lambda), as the
# python3.12 runtime (Amazon Linux 2023, glibc 2.34) needs them: binary wheels only
# (manylinux2014 ... manylinux_2_34) for LAMBDA_ARCH (arm64, the default, as serverless.yml
# deploys; x86_64 for a test that runs the bundle on an x86_64 machine), into LAMBDA_DEPS_DIR
# (default build/python-deps), for LAMBDA_PYTHON (default 3.12, the runtime serverless.yml
# names; a test may build for the interpreter it runs the bundle with), from requirements.txt less
# what Lambda does not use (gunicorn; boto3 is the runtime's and is not in requirements.txt).
# Shared objects are stripped of every symbol no relocation needs (--strip-unneeded: debug
# information and the static symbol table; Python finds PyInit_* in the dynamic one), with
# aarch64 binutils (installed with apt-get when absent and run as root), as
# serverless-python-requirements' `slim` does.
# Skips the work when build/python-deps matches requirements.txt and this script already.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
ARCH=${LAMBDA_ARCH:-arm64}
PYVER=${LAMBDA_PYTHON:-3.12}
OUT=${LAMBDA_DEPS_DIR:-build/python-deps}
STAMP=$OUT.sha256
case "$ARCH" in
  arm64) MACHINE=aarch64 STRIP=aarch64-linux-gnu-strip ;;
  x86_64) MACHINE=x86_64 STRIP=strip ;;
  *) echo "build-lambda-deps: LAMBDA_ARCH must be arm64 or x86_64" >&2; exit 2 ;;
esac
want=$( (cat requirements.txt "$0"; echo "$ARCH $PYVER") | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  echo "build-lambda-deps: $OUT is up to date" >&2
  exit 0
fi

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
mkdir -p build "$(dirname "$OUT")"
grep -viE '^(gunicorn|boto3|botocore|s3transfer)==' requirements.txt > build/requirements-lambda.txt
platforms=()
for tag in manylinux2014 manylinux_2_26 manylinux_2_28 manylinux_2_34; do
  platforms+=(--platform "${tag}_${MACHINE}")
done
"$PY" -m pip install --quiet --disable-pip-version-check --no-compile \
  "${platforms[@]}" \
  --implementation cp --python-version "$PYVER" --only-binary=:all: \
  --target "$OUT" -r build/requirements-lambda.txt
# Nothing below is imported at run time on Lambda (the bundle must stay under its budget, tests/deploy/test_package.py):
# console scripts, test helpers, install records, type stubs, Cython sources, SQLAlchemy's
# asyncio extension (taskdesk is synchronous), and dnspython, which email-validator imports only
# for deliverability checks that taskdesk turns off (check_deliverability=False; the deploy
# tests check every call). SQLAlchemy's SQL Server and Oracle dialects are never loaded
# (taskdesk runs on MySQL / MariaDB and SQLite; alembic names them only as strings). The
# software bills of materials some wheels carry (*.dist-info/sboms) describe the build, not the
# code; the licences stay.
# Nor is any of these, which keeps room for icalendar (the calendar feed) under the budget:
# icalendar's own test suite; C sources shipped beside compiled modules (wrapt, markupsafe) and
# cffi's headers (read only to compile; every cffi module here is prebuilt); alembic's `init`
# templates; werkzeug's interactive debugger (the development server's); python-dateutil's
# time-zone tarball (icalendar reads zones through zoneinfo and tzdata, and the feed is UTC);
# redis-py's module commands (search, JSON, time series, Bloom, vector sets: imported only when
# called; taskdesk's Redis holds rate-limit counters and the cache); Authlib's adapters for other
# frameworks and for the server side (taskdesk is a Flask OpenID client); charset-normalizer's
# compiled speed-ups, whose pure-Python modules in the same wheel take over (requests guesses a
# response's encoding with it only when the response names none).
rm -rf "$OUT/bin" "$OUT"/{sqlalchemy,alembic,mako}/testing "$OUT"/sqlalchemy/ext/asyncio
rm -rf "$OUT"/icalendar/tests "$OUT"/alembic/templates "$OUT"/werkzeug/debug
rm -f "$OUT"/wrapt/*.c "$OUT"/markupsafe/*.c "$OUT"/cffi/*.h "$OUT"/charset_normalizer/*.so
rm -f "$OUT"/dateutil/zoneinfo/*.tar.gz
rm -rf "$OUT"/redis/commands/{search,json,timeseries,bf,vectorset}
rm -rf "$OUT"/authlib/integrations/{django_client,django_oauth1,django_oauth2,flask_oauth1}
rm -rf "$OUT"/authlib/integrations/{flask_oauth2,httpx_client,sqla_oauth2,starlette_client}
rm -rf "$OUT"/sqlalchemy/dialects/{mssql,oracle}
rm -rf "$OUT"/dns "$OUT"/dnspython-*.dist-info
rm -f "$OUT"/*.dist-info/RECORD
rm -rf "$OUT"/*.dist-info/sboms
find "$OUT" \( -name '__pycache__' -o -name '*.pyi' -o -name '*.pyx' -o -name '*.pxd' \) -prune -exec rm -rf {} +
find "$OUT" -name '*.so' -exec "$STRIP" --strip-unneeded {} +
echo "$want" > "$STAMP"
size=$(du -sm --apparent-size "$OUT" | cut -f1)
echo "build-lambda-deps: $OUT built for $ARCH (${size} MB unzipped)" >&2
