#!/usr/bin/env bash
# Builds the cargo-fuzz targets of axon-journal (fuzz/: `decode`, `open`).
#
# The toolchain is stable Rust, and cargo-fuzz's default AddressSanitizer
# needs nightly's -Zsanitizer, so the targets are built with `--sanitizer
# none`: libFuzzer's coverage instrumentation still works on stable, and debug
# assertions and overflow checks stay on (cargo fuzz's default). The journal
# denies unsafe code, so ASan would add little. Without cargo-fuzz installed,
# falls back to a plain `cargo build` of the crate, which checks that it
# compiles but gives no fuzzing binary.
#
#   scripts/build-fuzz.sh            build both targets
#   scripts/build-fuzz.sh run decode 60
#                                    build, then fuzz `decode` for 60 seconds
#
# Install cargo-fuzz once with: cargo install cargo-fuzz --locked
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed; checking that the fuzz crate builds" >&2
  cargo build --manifest-path fuzz/Cargo.toml --bins
  exit 0
fi

cargo fuzz build --sanitizer none

if [ "${1:-}" = "run" ]; then
  target=${2:?usage: $0 run TARGET [SECONDS]}
  seconds=${3:-60}
  mkdir -p "fuzz/corpus/$target"
  cargo fuzz run --sanitizer none "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -print_final_stats=1
fi
