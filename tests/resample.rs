//! `axon data resample` against pandas: one-minute bars from trades equal
//! `DataFrame.resample("1min").ohlc()` of the trade prices (and the volume
//! sums); tick-count and volume bars cut where their size says; bad specs
//! and bars as input exit 2.

mod support;

use support::{axon, run_python, tempdir};

/// (symbol, start ns, [open, high, low, close, volume]) rows of a JSON list.
fn bars(json: &str) -> Vec<(String, i64, [f64; 5])> {
    serde_json::from_str::<Vec<serde_json::Value>>(json)
        .unwrap()
        .into_iter()
        .map(|r| {
            let f = |i: usize| r[i].as_f64().unwrap();
            (
                r[0].as_str().unwrap().to_string(),
                r[1].as_i64().unwrap(),
                [f(2), f(3), f(4), f(5), f(6)],
            )
        })
        .collect()
}

#[test]
fn time_bars_from_trades_equal_pandas_resample() {
    let dir = tempdir();
    // Trades of two symbols over ten minutes, irregular times, written by
    // pyarrow; pandas resamples each symbol.
    let script = r#"
import json, sys
import numpy as np, pandas as pd, pyarrow as pa, pyarrow.parquet as pq
rng = np.random.default_rng(5)
n = 4000
ts = np.sort(rng.integers(1_704_067_200_000_000_000, 1_704_067_800_000_000_000, n))
sym = rng.choice(["BTCUSDT", "ETHUSDT"], n)
px = np.round(100 + np.cumsum(rng.normal(0, 0.1, n)), 2)
qty = np.round(rng.uniform(0.001, 2, n), 3)
t = pa.table({"ts": pa.array(ts, pa.timestamp("ns", "UTC")), "symbol": sym, "bid": px, "ask": px,
              "bid_size": np.zeros(n), "ask_size": np.zeros(n), "last": px, "volume": qty})
pq.write_table(t, sys.argv[1])
df = t.to_pandas().set_index("ts")
out = []
for s, g in df.groupby("symbol", sort=False):
    o = g["last"].resample("1min").ohlc().dropna()
    v = g["volume"].resample("1min").sum().loc[o.index]
    for i, r in o.iterrows():
        out.append([s, int(i.value), r.open, r.high, r.low, r.close, float(v.loc[i])])
print(json.dumps(out))
"#;
    let ticks = dir.path().join("ticks.parquet");
    let mut want = bars(&run_python(&["-c", script, ticks.to_str().unwrap()]));
    axon(
        dir.path(),
        &[
            "data",
            "resample",
            "ticks.parquet",
            "--bar",
            "1m",
            "-o",
            "bars.parquet",
        ],
    )
    .ok();
    let got = run_python(&[
        "-c",
        "import json, sys, pyarrow as pa, pyarrow.parquet as pq\n\
         t = pq.read_table(sys.argv[1]); t = t.set_column(0, 'ts', t['ts'].cast(pa.int64()))\n\
         print(json.dumps([[r['symbol'], r['ts'], r['open'], r['high'], r['low'], r['close'], r['volume']] for r in t.to_pylist()]))",
        dir.path().join("bars.parquet").to_str().unwrap(),
    ]);
    let mut got = bars(&got);
    // The file is in start order; compare per symbol.
    want.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    got.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((&g.0, g.1), (&w.0, w.1));
        for k in 0..4 {
            assert_eq!(g.2[k], w.2[k], "{g:?} vs {w:?}");
        }
        // Sums in another order may differ in the last bits.
        assert!(
            (g.2[4] - w.2[4]).abs() <= 1e-9 * w.2[4].abs().max(1.0),
            "{g:?} vs {w:?}"
        );
    }
}

#[test]
fn tick_and_volume_bars_cut_at_their_size_and_bad_input_exits_2() {
    let dir = tempdir();
    axon(
        dir.path(),
        &[
            "data",
            "synth",
            "--ticks",
            "10500",
            "-o",
            "t.parquet",
            "--quiet",
        ],
    )
    .ok();
    let r = axon(
        dir.path(),
        &[
            "data",
            "resample",
            "t.parquet",
            "--bar",
            "1000ticks",
            "-o",
            "b.parquet",
        ],
    )
    .ok();
    assert!(r.stdout.contains("10500"), "{}", r.stdout);
    assert!(r.stdout.contains("11 (1 still open"), "{}", r.stdout);
    axon(
        dir.path(),
        &[
            "data",
            "resample",
            "t.parquet",
            "--bar",
            "7 minutes",
            "-o",
            "x.parquet",
        ],
    )
    .error(2, &["--bar", "bar spec \"7 minutes\""]);
    axon(
        dir.path(),
        &[
            "data",
            "resample",
            "b.parquet",
            "--bar",
            "1m",
            "-o",
            "x.parquet",
        ],
    )
    .error(2, &["holds bars"]);
}
