"""Run a backtest, read its journal with pandas, replay it exactly, audit a
decision.

    python examples/backtest.py [WORK_DIR]
"""

import sys
import tempfile
from pathlib import Path

import axon_quant

CONFIG = """
[session]
cash = 100000.0
seed = 1

[data]
path = "ticks.parquet"

[strategy]
kind = "sma_cross"
fast = 10
slow = 30

[execution]
fill = "next_tick"
sizing = "fixed"
units = 10.0

[journal]
path = "journal"
"""


def synth_ticks(path: Path) -> None:
    """Ticks as the Parquet schema `axon data synth` writes (a random walk)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 5000
    rng = np.random.default_rng(1)
    mid = 100.0 * np.exp(np.cumsum(rng.normal(0, 0.0005, n)))
    ts = (1_700_000_000_000_000_000 + np.arange(n) * 1_000_000_000).astype("int64")
    table = pa.table(
        {
            "ts": pa.array(ts, pa.timestamp("ns", tz="UTC")),
            "symbol": pa.array(["SYN"] * n).dictionary_encode(),
            "bid": mid - 0.01,
            "ask": mid + 0.01,
            "bid_size": np.full(n, 100.0),
            "ask_size": np.full(n, 100.0),
            "last": mid,
            "volume": np.full(n, 1.0),
        }
    )
    pq.write_table(table, path)


def main(work: Path) -> dict:
    synth_ticks(work / "ticks.parquet")
    (work / "backtest.toml").write_text(CONFIG)
    summary = axon_quant.backtest(work / "backtest.toml")
    print("trades", summary["trades"], "return %", round(summary["return_pct"], 3), "journal", summary["journal"])

    journal = axon_quant.Journal(summary["journal"])
    frame = journal.to_pandas()
    print(frame["kind_name"].value_counts().head())
    first = next(iter(journal))
    print("first record:", first["kind"], first["seq"])

    outcome = axon_quant.replay(summary["journal"], verify=True)
    print("replayed", outcome["records"], "records, mismatch:", outcome["mismatch"])

    decisions = [r for r in journal if r["kind"] == "Decision"]
    audit = axon_quant.audit(summary["journal"], seq=decisions[0]["seq"]) if decisions else None
    if audit:
        print("audit: reproduced", audit["reproduced"], "action", audit["decision"]["action"])
    return {"summary": summary, "frame": frame, "outcome": outcome, "audit": audit}


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="axon-backtest-")))
