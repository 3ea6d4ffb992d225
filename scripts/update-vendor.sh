#!/usr/bin/env bash
# Re-fetch the pinned browser libraries into static/vendor/ (only needed when upgrading them).
# Uses `npm pack` (no install scripts run), copies the dist files and licences, and records
# versions and SHA-256 sums in static/vendor/VERSIONS.txt. Running the app never needs npm.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=static/vendor
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

CYTOSCAPE=3.34.4
EDGEHANDLES=4.0.1
ELKJS=0.12.1
LODASH=4.18.1

fetch() {  # fetch <package> <version> -> unpacked into $TMP/<package>/package
  local dir="$TMP/$1"
  mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "$1@$2" >/dev/null && tar xzf ./*.tgz)
}

fetch cytoscape "$CYTOSCAPE"
fetch cytoscape-edgehandles "$EDGEHANDLES"
fetch elkjs "$ELKJS"
fetch lodash "$LODASH"

rm -rf "$VENDOR"
mkdir -p "$VENDOR"/{cytoscape,cytoscape-edgehandles,elkjs,lodash}
cp "$TMP/cytoscape/package/dist/cytoscape.min.js" "$TMP/cytoscape/package/LICENSE" "$VENDOR/cytoscape/"
cp "$TMP/cytoscape-edgehandles/package/cytoscape-edgehandles.js" "$TMP/cytoscape-edgehandles/package/LICENSE" \
   "$VENDOR/cytoscape-edgehandles/"
cp "$TMP/elkjs/package/lib/elk-api.js" "$TMP/elkjs/package/lib/elk-worker.min.js" "$TMP/elkjs/package/LICENSE.md" \
   "$VENDOR/elkjs/"
cp "$TMP/lodash/package/lodash.min.js" "$TMP/lodash/package/LICENSE" "$VENDOR/lodash/"

{
  echo "# Vendored browser libraries (regenerate with scripts/update-vendor.sh; do not edit by hand)"
  echo "# package version licence"
  echo "cytoscape $CYTOSCAPE MIT"
  echo "cytoscape-edgehandles $EDGEHANDLES MIT (uses lodash memoize/throttle from the global _)"
  echo "elkjs $ELKJS EPL-2.0 (unmodified; runs in a Web Worker for the tidy-up layout)"
  echo "lodash $LODASH MIT"
  echo "# sha256 file"
  (cd "$VENDOR" && find . -type f ! -name VERSIONS.txt | sort | xargs sha256sum)
} > "$VENDOR/VERSIONS.txt"
cat "$VENDOR/VERSIONS.txt"
