#!/usr/bin/env bash
# Copy the front-end assets pinned in package.json from node_modules into api/static/vendor.
# The copies are committed, so `make run` needs no npm; run this after changing package.json.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund >&2
dest=api/static/vendor/bootstrap
rm -rf "$dest"
mkdir -p "$dest"
cp node_modules/bootstrap/dist/css/bootstrap.min.css "$dest/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js "$dest/"
cp node_modules/bootstrap/LICENSE "$dest/LICENSE"
# The source maps are not shipped; drop the comments that point at them.
sed -i '/sourceMappingURL=/d' "$dest/bootstrap.min.css" "$dest/bootstrap.bundle.min.js"
version=$(node -p "require('./node_modules/bootstrap/package.json').version")
echo "bootstrap $version" > "$dest/VERSION"
echo "vendor-assets: bootstrap $version copied to $dest" >&2

# Swagger UI for the interactive API docs at /api/v1/docs (api/templates/swagger_ui.html).
dest=api/static/vendor/swagger-ui
rm -rf "$dest"
mkdir -p "$dest"
for f in swagger-ui.css swagger-ui-bundle.js LICENSE NOTICE; do
  cp "node_modules/swagger-ui-dist/$f" "$dest/"
done
sed -i '/sourceMappingURL=/d' "$dest/swagger-ui.css" "$dest/swagger-ui-bundle.js"
version=$(node -p "require('./node_modules/swagger-ui-dist/package.json').version")
echo "swagger-ui-dist $version" > "$dest/VERSION"
echo "vendor-assets: swagger-ui-dist $version copied to $dest" >&2
