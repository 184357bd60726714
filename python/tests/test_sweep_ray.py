"""axon_quant.sweep on a real Ray cluster: a head and a worker node (the
`ray` package from PyPI) started here on loopback, sharing this machine's
folders. The Ray sweep gives the local sweep's rows, head hashes included,
and its runs land on both nodes."""

import os
import socket
import subprocess
import sys
import tempfile

import pytest

from conftest import load_example

RAY = os.path.join(os.path.dirname(sys.executable), "ray")
ENV = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray(*args: str) -> None:
    done = subprocess.run([RAY, *args], env=ENV, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"ray {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def cluster():
    # Ray's socket paths must stay short: a folder right under /tmp.
    temp = tempfile.mkdtemp(prefix="axr-", dir="/tmp")
    port = _free_port()
    small = "--object-store-memory=200000000"
    _ray("start", "--head", f"--port={port}", "--node-ip-address=127.0.0.1", "--num-cpus=1",
         small, "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}")
    try:
        _ray("start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1",
             "--num-cpus=1", small)
        yield f"127.0.0.1:{port}"
    finally:
        import ray

        ray.shutdown()
        subprocess.run([RAY, "stop", "--force"], env=ENV, capture_output=True, timeout=120)


def test_a_ray_sweep_equals_the_local_sweep_run_for_run(cluster, tmp_path):
    import ray

    import axon_quant
    from axon_quant import _sweep as sweeps

    # The driver on loopback too.
    ray.init(address=cluster, _node_ip_address="127.0.0.1", log_to_driver=False)

    example = load_example("backtest")
    example.synth_ticks(tmp_path / "ticks.parquet")
    (tmp_path / "base.toml").write_text(example.CONFIG)
    args = dict(params={"strategy.fast": [5, 10, 15, 20], "strategy.slow": "20:60:20"},
                constraint="strategy.fast < strategy.slow", maximize="return_pct")
    local = axon_quant.sweep(tmp_path / "base.toml", out=tmp_path / "local", **args)
    on_ray = axon_quant.sweep(tmp_path / "base.toml", out=tmp_path / "ray", executor="ray",
                              ray_address=cluster, **args)
    assert len(ray.nodes()) == 2
    assert len(sweeps.last_ray_nodes) == 2, "the runs landed on both nodes"
    assert on_ray.equals(local)
    assert (tmp_path / "ray" / "best.toml").read_text() == (tmp_path / "local" / "best.toml").read_text()
    # Resumed on Ray: nothing left to run, the same rows.
    again = axon_quant.sweep(tmp_path / "base.toml", out=tmp_path / "ray", executor="ray",
                             ray_address=cluster, **args)
    assert again.equals(local)
    with pytest.raises(ValueError, match="journals=True"):
        axon_quant.sweep(tmp_path / "base.toml", out=tmp_path / "j", executor="ray",
                         journals=True, **args)


def test_the_ray_example_runs_on_the_cluster(cluster, tmp_path):
    import ray

    if not ray.is_initialized():
        ray.init(address=cluster, _node_ip_address="127.0.0.1", log_to_driver=False)
    df = load_example("sweep_ray").main(tmp_path)
    assert len(df) == 11 and df["head_hash"].is_unique
