#!/usr/bin/env bash
# Load test: `axon live` against the mock exchange in load mode, per rate:
# tick → journaled → decided → order sent latency (p50/p99/p99.9), events
# dropped and queued, CPU and resident memory over time, and a replay of
# each journal. Builds the release binaries, then runs scripts/loadtest.py.
#
#   scripts/loadtest.sh                                  # 25k, 50k, 100k msg/s; 50 symbols; 10 min each
#   scripts/loadtest.sh --rates 100000 --duration 60     # one short run
#
# Results: target/loadtest/report.md and report.json, and each rate's
# session folder (journal, summary.json, samples.csv).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release --bin axon
cargo build --release -p axon-mockex --bin axon-mockex
exec python3 scripts/loadtest.py "$@"
