#!/usr/bin/env bash
# Import speed and memory: a 10M-row Binance aggTrades archive (spot
# layout, no header, zipped as data.binance.vision publishes it), imported
# by `axon data import binance`; prints rows/s and the peak resident memory
# (getrusage, through GNU time's %M).
#
#   benches/import.sh [ROWS]      # default 10000000
set -euo pipefail
rows=${1:-10000000}
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --bin axon --manifest-path "$root/Cargo.toml"
axon="$root/target/release/axon"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# A random walk of trades, one every 1-50 ms, as Binance writes them.
python3 - "$rows" <<'PY'
import random, sys, zipfile
n = int(sys.argv[1]); rnd = random.Random(7)
name = "BTCUSDT-aggTrades-2024-01.csv"
with zipfile.ZipFile(name.replace(".csv", ".zip"), "w", zipfile.ZIP_DEFLATED) as z:
    with z.open(name, "w") as f:
        px, t, tid, buf = 42000.0, 1704067200000, 1, []
        for i in range(n):
            px = max(1.0, px + rnd.choice((-0.01, 0.0, 0.01)) * rnd.randint(1, 20))
            t += rnd.randint(1, 50)
            buf.append(f"{i},{px:.8f},{rnd.random():.8f},{tid},{tid},{t},{rnd.random() < .5},True\n")
            tid += 1
            if len(buf) == 100_000:
                f.write("".join(buf).encode()); buf = []
        f.write("".join(buf).encode())
PY
ls -l BTCUSDT-aggTrades-2024-01.zip | awk '{printf "archive: %.0f MB zipped\n", $5/1e6}'
/usr/bin/time -f "peak resident memory: %M KiB, wall %e s" \
  "$axon" data import binance BTCUSDT-aggTrades-2024-01.zip -o trades.parquet
ls -l trades.parquet | awk '{printf "output: %.0f MB Parquet\n", $5/1e6}'
