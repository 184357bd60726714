"""A sweep as Ray tasks.

    python examples/sweep_ray.py [WORK_DIR] [--address HOST:PORT]

Without --address it starts a Ray instance on this machine (`ray.init()`);
with one it joins that cluster, whose every node must read WORK_DIR (a
shared folder) and have axon_quant installed. The rows equal a local
sweep's, head hashes included.
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ray  # noqa: E402

import axon_quant  # noqa: E402
from backtest import CONFIG, synth_ticks  # noqa: E402

PARAMS = {"strategy.fast": range(5, 25, 5), "strategy.slow": "20:60:20"}


def main(work: Path, address: str | None = None):
    synth_ticks(work / "ticks.parquet")
    (work / "base.toml").write_text(CONFIG)
    if not ray.is_initialized():
        ray.init(address=address, log_to_driver=False)
    df = axon_quant.sweep(work / "base.toml", params=PARAMS,
                          constraint="strategy.fast < strategy.slow", maximize="return_pct",
                          executor="ray", out=work / "ray-sweep")
    print(f"{len(df)} runs on {len(ray.nodes())} Ray node(s)")
    print(df[["strategy.fast", "strategy.slow", "return_pct", "trades", "head_hash"]]
          .sort_values("return_pct", ascending=False).head().to_string(index=False))
    return df


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("work", nargs="?", type=Path)
    p.add_argument("--address")
    a = p.parse_args()
    main(a.work or Path(tempfile.mkdtemp(prefix="axon-ray-")), a.address)
