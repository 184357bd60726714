#!/usr/bin/env bash
# Makes sure the tools the report tests use are installed: Debian's
# `chromium` (renders the HTML report headless: console errors, screenshot)
# and `poppler-utils` (`pdftotext` reads the PDF report back). Installs
# missing ones with apt-get, through sudo unless already root. Idempotent.
set -euo pipefail

fail() {
  echo "setup-report-tools: $*" >&2
  exit 1
}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-report-tools: $(chromium --version 2>/dev/null | head -1); $(pdftotext -v 2>&1 | head -1)"
  exit 0
fi
command -v apt-get >/dev/null 2>&1 ||
  fail "missing ${missing[*]} and apt-get is not available; install them and put them on PATH"
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  fail "missing ${missing[*]}; installing needs root, and sudo is not available"
fi
echo "setup-report-tools: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || fail "apt-get update failed"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q --no-install-recommends "${missing[@]}" || fail "apt-get install ${missing[*]} failed"
command -v chromium >/dev/null 2>&1 || fail "chromium still missing after install"
command -v pdftotext >/dev/null 2>&1 || fail "pdftotext still missing after install"
