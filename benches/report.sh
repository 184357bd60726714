#!/usr/bin/env bash
# Run report speed and size: `axon report` on a backtest of 100k minute bars
# and of 10M synthetic ticks (SmaCross), then the page opened in headless
# Chromium: milliseconds from navigation until the charts are drawn.
#
#   benches/report.sh            # after scripts/setup-python.sh
#
# Prints, per run: events, report seconds (replay of the journal included),
# HTML bytes, and the page's ready time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --bin axon --manifest-path "$root/Cargo.toml"
axon="$root/target/release/axon"
py="$root/.venv/bin/python"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$py" -c "
import sys; sys.path.insert(0, '$root/benches/peers'); sys.argv = sys.argv[:1]
from backtesting_py_sma import make_data
df = make_data(100_000)
df.index.name = 'Date'
df.to_csv('bars.csv')
"
"$axon" data import-csv bars.csv -o bars.parquet --symbol BARS --quiet
"$axon" data synth --ticks 10000000 -o ticks.parquet --quiet

run() { # name data fill fast slow
  cat > "$1.toml" <<TOML
[session]
cash = 100000.0
[data]
path = "$2"
[strategy]
kind = "sma_cross"
fast = $4
slow = $5
[execution]
fill = "$3"
sizing = "fraction"
fraction = 0.5
commission_bps = 1.0
[journal]
path = "$1"
durability = "none"
TOML
  "$axon" backtest -c "$1.toml" --quiet
  local start end
  start=$(date +%s.%N)
  "$axon" report --journal "$1" --html "$1.html" --quiet
  end=$(date +%s.%N)
  local ready
  ready=$("$py" "$root/tests/browser/report_check.py" "$1.html" | "$py" -c "import json,sys; print(round(json.load(sys.stdin)['ready_ms']))")
  printf '%-12s report %6.2f s   html %6.2f MB   chromium ready %5s ms\n' \
    "$1" "$(echo "$end - $start" | bc)" "$(echo "$(stat -c %s "$1.html") / 1000000" | bc -l)" "$ready"
}
run bars-100k bars.parquet next_open 10 30
run ticks-10M ticks.parquet next_tick 200 2000
