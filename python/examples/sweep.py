"""A parameter sweep from Python: the SMA crossover's windows over a grid,
on every core, the data read once; the rows of results.parquet as a
DataFrame.

    python examples/sweep.py [WORK_DIR]
"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import axon_quant  # noqa: E402
from backtest import CONFIG, synth_ticks  # noqa: E402


def main(work: Path):
    synth_ticks(work / "ticks.parquet")
    (work / "base.toml").write_text(CONFIG)
    df = axon_quant.sweep(
        work / "base.toml",
        params={"strategy.fast": range(5, 25, 5), "strategy.slow": "20:60:20"},
        constraint="strategy.fast < strategy.slow",
        maximize="return_pct",
        out=work / "sweep",
    )
    best = df.loc[df["return_pct"].idxmax()]
    print(df[["strategy.fast", "strategy.slow", "return_pct", "max_drawdown_pct", "trades"]]
          .sort_values("return_pct", ascending=False).head().to_string(index=False))
    print(f"best: fast={best['strategy.fast']} slow={best['strategy.slow']} "
          f"(head {best['head_hash'][:16]}); heatmap: {work / 'sweep' / 'heatmap.html'}")
    return df


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="axon-sweep-")))
