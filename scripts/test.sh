#!/usr/bin/env bash
# The whole test suite, as CI runs it on a fresh machine: installs what the
# tests need (project-local Python environment with pyarrow, pandas,
# backtesting.py and onnxruntime as outside oracles; ONNX Runtime's and
# LibTorch's libraries from their PyPI wheels into .runtime/; Debian's
# prometheus package for promtool; chromium and poppler-utils for the
# report tests), then formatting, lints, every test of
# every crate (all three inference backends, journal fail points included),
# the Python package built with maturin and its pytest suite, and the fuzz
# targets' build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step() { printf '\n== %s\n' "$*"; }

step "python test environment (.venv)"
./scripts/setup-python.sh

step "inference runtimes (.runtime/: ONNX Runtime, LibTorch)"
./scripts/fetch-runtimes.sh

step "Prometheus tools (promtool)"
./scripts/setup-ops.sh

step "report tools (chromium, pdftotext)"
./scripts/setup-report-tools.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p axon-journal --all-targets --features failpoints -- -D warnings
cargo clippy -p axon-inference --all-targets --features tch -- -D warnings

step "python package axon_quant (maturin develop into .venv, all three backends)"
# Before the Rust tests: Python strategies ([strategy] kind = "python")
# run in a host from this package.
(cd python && VIRTUAL_ENV="$root/.venv" PATH="$root/.venv/bin:$PATH" maturin develop --quiet --features tch)

step "cargo test (workspace)"
cargo test --workspace

step "cargo test (inference with LibTorch: all three backends)"
cargo test -p axon-inference --features tch

step "cargo test (journal fail points)"
cargo test -p axon-journal --features failpoints --test failpoints

step "python package axon_quant: pytest"
.venv/bin/python -m pytest -q python/tests

step "fuzz targets build"
./scripts/build-fuzz.sh

step "all tests passed"
