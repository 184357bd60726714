#!/usr/bin/env python3
"""Load test: `axon live` against the mock exchange in load mode.

For each rate, starts `axon-mockex --rate R --symbols M` and an `axon live`
session trading the reference SMA crossover on every pair (binance testnet
mode, journal durability `group`), samples both processes every second
(CPU, resident memory, the session's event queue and journal lag through
`axon ctl status`), then stops the mock and replays the journal with
`axon replay --verify`. Writes, under --out:

  rate-R/            the session folder: live.toml, journal/, summary.json,
                     mock.json, samples.csv, logs
  report.json        every rate's figures
  report.md          the same as a table

Run through scripts/loadtest.sh, which builds the release binaries first.
Uses only the standard library.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

KEY, SECRET = "load-key", "load-secret"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, limit: float = 10.0) -> None:
    until = time.monotonic() + limit
    while time.monotonic() < until:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"loadtest: the mock exchange never listened on port {port}")


def live_toml(port: int, symbols: int, fast: int, slow: int, durability: str, notional: float | None) -> str:
    names = ", ".join(f'"C{i:02}USDT"' for i in range(symbols))
    return f"""[session]
cash = 1000000.0
seed = 5

[strategy]
kind = "sma_cross"
fast = {fast}
slow = {slow}

[execution]
sizing = "fixed"
units = 0.1
commission_bps = 10.0

[risk]
max_position = 1.0
max_open_orders = 200
{f"max_order_notional = {notional}" if notional else ""}

[journal]
path = "journal"
durability = "{durability}"

[exchange]
venue = "binance"
mode = "testnet"
symbols = [{names}]
rest_url = "http://127.0.0.1:{port}"
ws_url = "ws://127.0.0.1:{port}"

[exchange.rate_limit]
requests_per_second = 1000
orders_per_minute = 6000
"""


def proc_sample(pid: int) -> tuple[float, int] | None:
    """(CPU seconds so far, resident KiB) of a running process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
    rss = next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")),
        0,
    )
    return cpu, rss


def ctl_status(axon: Path, journal: Path) -> dict | None:
    try:
        out = subprocess.run(
            [str(axon), "ctl", "--journal", str(journal), "status"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return None
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError:
        return None


def run_rate(args, rate: int) -> dict:
    folder = args.out / f"rate-{rate}"
    if folder.exists():
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    port = free_port()
    (folder / "live.toml").write_text(live_toml(port, args.symbols, args.fast, args.slow, args.durability, args.max_order_notional))
    mock_log = open(folder / "mock.log", "w")
    mock = subprocess.Popen(
        [
            str(args.bin / "axon-mockex"),
            "--port", str(port),
            "--symbols", str(args.symbols),
            "--rate", str(rate),
            "--duration", str(args.duration + 30),
            "--order-limit-10s", str(args.order_limit_10s),
            "--key", KEY,
            "--secret", SECRET,
            "--stats-json", str(folder / "mock.json"),
        ],
        stdout=mock_log,
        stderr=subprocess.STDOUT,
    )
    wait_port(port)
    env = dict(os.environ, AXON_API_KEY=KEY, AXON_API_SECRET=SECRET, AXON_LOG="warn")
    live_log = open(folder / "live.log", "w")
    started = time.monotonic()
    live = subprocess.Popen(
        [
            str(args.bin / "axon"), "live", "-c", "live.toml",
            "--max-duration", f"{args.duration}s",
            "--summary-json", "summary.json",
        ],
        cwd=folder,
        env=env,
        stdout=live_log,
        stderr=subprocess.STDOUT,
    )
    samples = []
    last = {}
    while live.poll() is None:
        time.sleep(1.0)
        t = time.monotonic() - started
        row = {"t": round(t, 1)}
        for name, pid in (("axon", live.pid), ("mock", mock.pid)):
            s = proc_sample(pid)
            if s is None:
                continue
            cpu, rss = s
            prev = last.get(name)
            row[f"{name}_cpu_pct"] = (
                round(100 * (cpu - prev[0]) / (t - prev[1]), 1) if prev else None
            )
            row[f"{name}_rss_kib"] = rss
            last[name] = (cpu, t)
        status = ctl_status(args.bin / "axon", folder / "journal")
        if status:
            row["queue_depth"] = status.get("event_queue", {}).get("depth")
            row["ticks"] = status.get("ticks")
            row["journal_lag_records"] = status.get("journal", {}).get("lag_records")
        samples.append(row)
    mock.send_signal(signal.SIGINT)
    mock.wait(timeout=30)
    mock_log.close()
    live_log.close()
    if live.returncode != 0:
        sys.exit(f"loadtest: axon live exited {live.returncode}; see {folder / 'live.log'}")

    with open(folder / "samples.csv", "w", newline="") as f:
        keys = sorted({k for r in samples for k in r}, key=lambda k: (k != "t", k))
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(samples)

    replay_started = time.monotonic()
    replay = subprocess.run(
        [str(args.bin / "axon"), "replay", "--journal", str(folder / "journal"), "--verify", "--json", "--quiet"],
        capture_output=True,
        text=True,
    )
    replay_secs = time.monotonic() - replay_started
    summary = json.loads((folder / "summary.json").read_text())
    mock_stats = json.loads((folder / "mock.json").read_text())
    return figures(args, rate, summary, mock_stats, samples, replay, replay_secs)


def figures(args, rate, summary, mock_stats, samples, replay, replay_secs) -> dict:
    warm = args.warmup
    after = [s for s in samples if s["t"] >= warm]
    rss = [s["axon_rss_kib"] for s in after if s.get("axon_rss_kib")]
    cpu = [s["axon_cpu_pct"] for s in after if s.get("axon_cpu_pct") is not None]
    mock_cpu = [s["mock_cpu_pct"] for s in after if s.get("mock_cpu_pct") is not None]
    depth = [s["queue_depth"] for s in after if s.get("queue_depth") is not None]
    tail = depth[len(depth) * 3 // 4 :] or [0]
    head = depth[: max(1, len(depth) // 4)] or [0]
    stages = {s["stage"]: s for s in summary["latency"]["stages"]}
    mean = lambda v: round(sum(v) / len(v), 1) if v else None
    return {
        "rate": rate,
        "symbols": args.symbols,
        "duration_s": summary["elapsed_secs"],
        "received": summary["ticks"],
        "received_per_s": round(summary["ticks"] / summary["elapsed_secs"]),
        "published": mock_stats["published"],
        "dropped": mock_stats["dropped"],
        "queue_max": summary["latency"]["queue_max"],
        "queue_capacity": summary["latency"]["queue_capacity"],
        "queue_mean_first_quarter": mean(head),
        "queue_mean_last_quarter": mean(tail),
        "orders": summary["orders"],
        "fills": summary["fills"],
        "latency_us": {
            name: {k: s[k] for k in ("count", "p50_us", "p99_us", "p999_us", "max_us")}
            for name, s in stages.items()
        },
        "axon_cpu_pct_mean": mean(cpu),
        "mock_cpu_pct_mean": mean(mock_cpu),
        "rss_kib_after_warmup": rss[0] if rss else None,
        "rss_kib_max": max(rss) if rss else None,
        "rss_kib_end": rss[-1] if rss else None,
        "rss_growth_pct": round(100 * (max(rss) / rss[0] - 1), 2) if rss else None,
        "records": summary["records"],
        "head_hash": summary["head_hash"],
        "replay_verified": replay.returncode == 0,
        "replay_s": round(replay_secs, 1),
        "replay_output": (replay.stdout or replay.stderr).strip()[-400:],
    }


def markdown(results: list[dict]) -> str:
    lines = [
        "| rate (msg/s) | received/s | dropped | queue max | tick→journaled p50/p99/p99.9 µs | tick→decided p50/p99/p99.9 µs | tick→order sent p50/p99/p99.9 µs (orders) | axon CPU % | mock CPU % | RSS after warm-up → max (growth) | replay |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    fmt = lambda s: f"{s['p50_us']:.0f} / {s['p99_us']:.0f} / {s['p999_us']:.0f}"
    for r in results:
        lat = r["latency_us"]
        lines.append(
            f"| {r['rate']} | {r['received_per_s']} | {r['dropped']} | {r['queue_max']} of {r['queue_capacity']} "
            f"| {fmt(lat['journaled'])} | {fmt(lat['decided'])} | {fmt(lat['order_sent'])} ({lat['order_sent']['count']}) "
            f"| {r['axon_cpu_pct_mean']} | {r['mock_cpu_pct_mean']} "
            f"| {r['rss_kib_after_warmup']} → {r['rss_kib_max']} KiB ({r['rss_growth_pct']} %) "
            f"| {'verified' if r['replay_verified'] else 'FAILED'} in {r['replay_s']} s |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rates", default="25000,50000,100000", help="market data events per second, comma-separated")
    p.add_argument("--symbols", type=int, default=50)
    p.add_argument("--duration", type=int, default=600, help="seconds per rate")
    p.add_argument("--warmup", type=float, default=30.0, help="seconds before memory and CPU count")
    p.add_argument("--fast", type=int, default=4000, help="SMA fast window, in ticks")
    p.add_argument("--slow", type=int, default=16000, help="SMA slow window, in ticks")
    p.add_argument("--durability", default="group", choices=["none", "group", "every"], help="the journal's durability")
    p.add_argument("--max-order-notional", type=float, default=None,
                   help="risk limit per order (a tiny one refuses every order: memory per tick alone)")
    p.add_argument("--order-limit-10s", type=int, default=1000, help="the mock's published Binance order limit")
    p.add_argument("--bin", type=Path, default=Path("target/release"))
    p.add_argument("--out", type=Path, default=Path("target/loadtest"))
    args = p.parse_args()
    if args.duration <= args.warmup:
        sys.exit("loadtest: --duration must be longer than --warmup")
    rates = [int(r) for r in args.rates.split(",") if r]
    args.bin = args.bin.resolve()
    args.out = args.out.resolve()
    results = []
    for rate in rates:
        print(f"loadtest: {rate} msg/s over {args.symbols} symbols for {args.duration} s", flush=True)
        r = run_rate(args, rate)
        results.append(r)
        print(json.dumps(r, indent=1), flush=True)
    (args.out / "report.json").write_text(json.dumps(results, indent=1))
    (args.out / "report.md").write_text(markdown(results))
    print(markdown(results))
    if not all(r["replay_verified"] for r in results):
        sys.exit("loadtest: a journal did not replay")


if __name__ == "__main__":
    main()
