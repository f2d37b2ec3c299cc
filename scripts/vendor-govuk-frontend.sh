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
# The GDS Transport typeface is licensed for services on GOV.UK only; a council's
# service is not one. Drop its @font-face rules and files: the CSS's own font stack
# then falls back to Arial, as the Design System advises for services off GOV.UK.
python3 - "$ROOT/static/govuk/govuk-frontend.min.css" <<'PY'
import re, sys
path = sys.argv[1]
css = open(path, encoding="utf-8").read()
open(path, "w", encoding="utf-8").write(re.sub(r"@font-face\{[^}]*\}", "", css))
PY
rm -rf "$ROOT/static/govuk/assets/fonts"
cp "$WORK/package/LICENSE.txt" "$ROOT/static/govuk/LICENSE.txt" 2>/dev/null || true
echo "$VERSION" > "$ROOT/static/govuk/VERSION"
echo "Vendored govuk-frontend $VERSION into static/govuk/"
