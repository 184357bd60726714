#!/usr/bin/env bash
# Vendors the charting library the run report (`axon report`) embeds:
# TradingView Lightweight Charts (Apache-2.0) from the npm registry, with
# its licence. The standalone build bundles its one dependency, fancy-canvas
# (MIT), whose package carries no licence file: its licence text is written
# from the package's `license` field and author.
#
#   scripts/vendor-charts.sh          # fetch, check, write report/assets/
#   scripts/vendor-charts.sh --check  # only check the vendored files' hashes
#
# npm checks each tarball against the registry's sha512 integrity; the
# files' SHA-256 are pinned in report/assets/VENDORED.sha256 so a build
# never embeds something else by accident.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
assets="$root/report/assets"
version=5.3.0
canvas_version=2.1.0

if [ "${1:-}" = "--check" ]; then
  cd "$assets" && exec sha256sum --quiet -c VENDORED.sha256
fi

command -v npm >/dev/null 2>&1 || { echo "vendor-charts: npm is required" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "lightweight-charts@$version" "fancy-canvas@$canvas_version" >/dev/null
mkdir lwc canvas
tar xzf "lightweight-charts-$version.tgz" -C lwc
tar xzf "fancy-canvas-$canvas_version.tgz" -C canvas
[ "$(node -p "require('./canvas/package/package.json').license")" = MIT ] ||
  { echo "vendor-charts: fancy-canvas is no longer MIT-licensed" >&2; exit 1; }

mkdir -p "$assets"
cp lwc/package/dist/lightweight-charts.standalone.production.js "$assets/"
cp lwc/package/LICENSE "$assets/LICENSE-lightweight-charts"
cat > "$assets/LICENSE-fancy-canvas" <<MIT
fancy-canvas $canvas_version (bundled in lightweight-charts' standalone build)
MIT License

Copyright (c) TradingView, Inc.

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
MIT
cd "$assets"
sha256sum lightweight-charts.standalone.production.js LICENSE-lightweight-charts > VENDORED.sha256
echo "vendor-charts: lightweight-charts $version into $assets"
