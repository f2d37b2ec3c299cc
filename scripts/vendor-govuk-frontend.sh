#!/usr/bin/env bash
# Copy GOV.UK Frontend's built CSS, JS, fonts and images into static/govuk/.
# The version must be the one govuk-frontend-jinja's macros target (4.1.0 -> 6.3.0,
# per its README). Needs npm and the npm registry; the result is committed, so
# neither `make run` nor `make test` needs Node.
set -euo pipefail
VERSION="${1:-6.3.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack "govuk-frontend@$VERSION" --silent >/dev/null && tar xzf "govuk-frontend-$VERSION.tgz")
DIST="$WORK/package/dist/govuk"
rm -rf "$ROOT/static/govuk"
mkdir -p "$ROOT/static/govuk"
cp "$DIST/govuk-frontend.min.css" "$DIST/govuk-frontend.min.js" "$ROOT/static/govuk/"
cp -r "$DIST/assets" "$ROOT/static/govuk/assets"
cp "$WORK/package/LICENSE.txt" "$ROOT/static/govuk/LICENSE.txt" 2>/dev/null || true
echo "$VERSION" > "$ROOT/static/govuk/VERSION"
echo "Vendored govuk-frontend $VERSION into static/govuk/"
