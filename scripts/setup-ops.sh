#!/usr/bin/env bash
# Makes sure `promtool` is installed: the ops tests (tests/ops_alerts.rs) use
# it to check and unit test ops/alerts.yml. If it is missing, installs
# Debian's `prometheus` package (which ships promtool) with apt-get, through
# sudo unless already root. Idempotent: does nothing but print the version
# when promtool is already there. Exits non-zero, saying why, if it cannot.
set -euo pipefail

fail() {
  echo "setup-ops: $*" >&2
  exit 1
}

if ! command -v promtool >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 ||
    fail "promtool is missing and apt-get is not available; install Prometheus' promtool (2.x) and put it on PATH"
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    fail "promtool is missing; installing the prometheus package needs root, and sudo is not available"
  fi
  echo "setup-ops: promtool not found; installing Debian's prometheus package"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    fail "apt-get update failed"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends prometheus ||
    fail "apt-get install prometheus failed"
  command -v promtool >/dev/null 2>&1 ||
    fail "the prometheus package is installed but promtool is not on PATH"
fi

promtool --version 2>&1 | head -n 1
