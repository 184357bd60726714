//! Compatibility with the tools users write and read Parquet with: pandas
//! and pyarrow from the project venv (`scripts/setup-python.sh`). These tests
//! fail, rather than skip, when the venv is missing.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use axon_data::{
    DataKind, MarketReader, ReaderOptions, SynthConfig, TickBatch, import_csv, read_all_bars,
    read_all_ticks, synth_ticks_to_parquet,
};

type R = Result<(), Box<dyn std::error::Error>>;

/// Runs a Python script with `args`; returns the `key=value` lines it prints.
fn run_python(script: &str, args: &[&Path]) -> BTreeMap<String, String> {
    let out = Command::new(common::python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run python: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

const PANDAS_WRITE: &str = r#"
import sys
import numpy as np, pandas as pd
n = 2000
i = np.arange(n)
ts = (pd.Timestamp("2024-01-02") + pd.to_timedelta(i * 250, unit="ms")).astype("datetime64[ms]")
df = pd.DataFrame({
    "ts": ts,
    "symbol": pd.Categorical(np.where(i % 3 == 0, "AAA", "BBB")),
    "bid": 100.0 + i * 0.01,
    "ask": 100.02 + i * 0.01,
    "bid_size": (i % 7 + 1).astype("int64"),
    "ask_size": (i % 5).astype("float32"),
    "last": 100.01 + i * 0.01,
    "volume": i.astype("float64"),
    "venue": "X",
})
df.to_parquet(sys.argv[1], index=False)
import pyarrow.parquet as pq
print("ts_type=" + str(pq.read_schema(sys.argv[1]).field("ts").type))
print("symbol_type=" + str(pq.read_schema(sys.argv[1]).field("symbol").type))

bars = pd.DataFrame({
    "open": [10.0, 11.0], "high": [12.0, 12.5], "low": [9.5, 10.5], "close": [11.0, 12.0], "volume": [100, 200],
}, index=pd.DatetimeIndex(["2024-01-02", "2024-01-03"], tz="UTC", name="ts"))
bars.to_parquet(sys.argv[2])
"#;

#[test]
fn reads_what_pandas_writes() -> R {
    let dir = tempfile::tempdir()?;
    let (ticks_path, bars_path) = (
        dir.path().join("pandas_ticks.parquet"),
        dir.path().join("pandas_bars.parquet"),
    );
    let info = run_python(PANDAS_WRITE, &[&ticks_path, &bars_path]);
    assert_eq!(
        info["ts_type"], "timestamp[ms]",
        "pandas wrote tz-naive ms timestamps"
    );
    assert!(
        info["symbol_type"].starts_with("dictionary<values=string"),
        "{info:?}"
    );

    let opts = ReaderOptions {
        batch_size: 300,
        ..ReaderOptions::default()
    };
    let mut reader = MarketReader::open(&ticks_path, opts)?;
    assert_eq!(reader.kind(), DataKind::Ticks);
    assert_eq!(reader.total_rows(), 2000);
    let (mut all, mut b) = (TickBatch::default(), TickBatch::default());
    while reader.next_ticks(&mut b)? {
        all.extend_from(&b);
    }
    assert_eq!(all.len(), 2000);
    assert_eq!(reader.symbols().names(), ["AAA", "BBB"]);
    let start = 1_704_153_600_000_000_000i64; // 2024-01-02T00:00:00Z
    for (i, t) in all.iter().enumerate() {
        let f = i as f64;
        assert_eq!(t.ts, start + i as i64 * 250_000_000, "row {i}");
        assert_eq!(t.symbol, u32::from(i % 3 != 0), "row {i}");
        assert_eq!(t.bid, 100.0 + f * 0.01, "row {i}");
        assert_eq!(t.ask, 100.02 + f * 0.01, "row {i}");
        assert_eq!(t.bid_size, (i % 7 + 1) as f64);
        assert_eq!(t.ask_size, (i % 5) as f64);
        assert_eq!(t.last, 100.01 + f * 0.01);
        assert_eq!(t.volume, f);
    }

    // A bars file with the DatetimeIndex as `ts` and no symbol column.
    let opts = ReaderOptions {
        default_symbol: Some("IDX".into()),
        ..ReaderOptions::default()
    };
    let (bars, symbols) = read_all_bars(&bars_path, opts)?;
    assert_eq!(bars.ts, [start, start + 86_400_000_000_000]);
    assert_eq!(bars.volume, [100.0, 200.0]);
    assert_eq!(symbols.names(), ["IDX"]);
    Ok(())
}

const PYARROW_READ: &str = r#"
import sys
import pyarrow.parquet as pq, pandas as pd
t = pq.read_table(sys.argv[1])
print("rows=%d" % t.num_rows)
print("ts_type=" + str(t.schema.field("ts").type))
print("symbol_type=" + str(t.schema.field("symbol").type))
print("compression=" + pq.ParquetFile(sys.argv[1]).metadata.row_group(0).column(0).compression)
df = pd.read_parquet(sys.argv[1])
print("symbols=" + ",".join(sorted(map(str, df["symbol"].unique()))))
for i in (0, 1234, len(df) - 1):
    r = df.iloc[i]
    vals = [repr(float(r[c])) for c in ("bid", "ask", "bid_size", "ask_size", "last", "volume")]
    print("row%d=%d|%s" % (i, r["ts"].value, "|".join(vals)))
print("bid_sum=%r" % float(df["bid"].sum()))
print("ts_monotonic=%s" % df["ts"].is_monotonic_increasing)
"#;

#[test]
fn pyarrow_and_pandas_read_what_tick_writer_writes() -> R {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("axon_ticks.parquet");
    let cfg = SynthConfig {
        ticks: 10_000,
        seed: 9,
        ..SynthConfig::default()
    };
    synth_ticks_to_parquet(&cfg, &path)?;
    let (ticks, _) = read_all_ticks(&path, ReaderOptions::default())?;
    let info = run_python(PYARROW_READ, &[&path]);
    assert_eq!(info["rows"], "10000");
    assert_eq!(info["ts_type"], "timestamp[ns, tz=UTC]");
    assert_eq!(
        info["symbol_type"],
        "dictionary<values=string, indices=int32, ordered=0>"
    );
    assert_eq!(info["compression"], "ZSTD");
    assert_eq!(info["symbols"], "SYN");
    assert_eq!(info["ts_monotonic"], "True");
    for i in [0usize, 1234, 9999] {
        let t = ticks.get(i).ok_or("row")?;
        let fields: Vec<&str> = info[&format!("row{i}")].split('|').collect();
        assert_eq!(fields[0].parse::<i64>()?, t.ts, "row {i} ts");
        let values: Vec<f64> = fields[1..]
            .iter()
            .map(|v| v.parse::<f64>())
            .collect::<Result<_, _>>()?;
        // Python's repr round-trips, so values compare exactly.
        assert_eq!(
            values,
            [t.bid, t.ask, t.bid_size, t.ask_size, t.last, t.volume],
            "row {i}"
        );
    }
    let sum: f64 = ticks.bid.iter().sum();
    let py_sum: f64 = info["bid_sum"].parse()?;
    assert!(
        (sum - py_sum).abs() <= 1e-9 * sum.abs(),
        "{sum} vs {py_sum}"
    );
    Ok(())
}

const GOOG: &str = r#"
import os, sys
import backtesting, pandas as pd
path = os.path.join(os.path.dirname(backtesting.__file__), "test", "GOOG.csv")
df = pd.read_csv(path, index_col=0, parse_dates=True)
print("path=" + path)
print("rows=%d" % len(df))
print("first_ts=%d" % df.index[0].value)
print("last_close=%r" % float(df["Close"].iloc[-1]))
print("volume_sum=%r" % float(df["Volume"].sum()))
"#;

#[test]
fn imports_backtesting_py_goog_csv_like_pandas() -> R {
    let info = run_python(GOOG, &[]);
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("goog.parquet");
    let rows = import_csv(Path::new(&info["path"]), &out, "GOOG")?;
    assert_eq!(rows.to_string(), info["rows"]);
    let (bars, _) = read_all_bars(&out, ReaderOptions::default())?;
    assert_eq!(bars.ts[0].to_string(), info["first_ts"]);
    assert_eq!(
        bars.close.last().copied(),
        Some(info["last_close"].parse()?)
    );
    let volume: f64 = bars.volume.iter().sum();
    assert_eq!(volume, info["volume_sum"].parse::<f64>()?);
    Ok(())
}
