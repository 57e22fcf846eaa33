#!/usr/bin/env bash
# Make sure Debian's Chromium is installed at /usr/bin/chromium for the Playwright browser tests.
# Playwright drives this system browser (executable_path); it never downloads one of its own.
set -euo pipefail

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: installing chromium with apt-get" >&2
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
fi
"$CHROMIUM" --version >&2
echo "$CHROMIUM"
