//! `axon data catalog` as a user runs it: Binance archives (zipped by
//! Python's zipfile) added straight into a catalog, listed, read back by
//! pyarrow as a Hive-partitioned dataset, and backtested over one week of
//! several symbols, reading only that week's partitions.

mod support;

use std::path::Path;

use support::{axon, run_python, tempdir};

/// One day of one-minute klines of `symbol`, as a Binance daily archive.
fn daily_klines(dir: &Path, symbol: &str, day: i64, base: f64) -> String {
    let name = format!("{symbol}-1m-2024-01-{:02}", day + 1);
    let csv = dir.join(format!("{name}.csv"));
    let start = 1_704_067_200_000_i64 + day * 86_400_000;
    let mut text = String::new();
    for m in 0..1440_i64 {
        // A slow wave, so an SMA crossover trades.
        let px = base * (1.0 + 0.02 * ((day * 1440 + m) as f64 / 180.0).sin());
        let (o, c) = (px, px * 1.0005);
        text.push_str(&format!(
            "{},{o:.4},{:.4},{:.4},{c:.4},1.5,{},0,10,0,0,0\n",
            start + m * 60_000,
            o.max(c) * 1.001,
            o.min(c) * 0.999,
            start + m * 60_000 + 59_999
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let zip = dir.join(format!("{name}.zip"));
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/binance_archive.py");
    run_python(&[
        oracle.to_str().unwrap(),
        "zip",
        csv.to_str().unwrap(),
        zip.to_str().unwrap(),
    ]);
    std::fs::remove_file(csv).unwrap();
    format!("{name}.zip")
}

#[test]
fn archives_go_into_a_catalog_that_pyarrow_reads_and_a_week_of_it_backtests() {
    let dir = tempdir();
    let mut archives = Vec::new();
    for day in 0..14 {
        archives.push(daily_klines(dir.path(), "BTCUSDT", day, 42_000.0));
        archives.push(daily_klines(dir.path(), "ETHUSDT", day, 2_300.0));
    }
    let mut args = vec![
        "data",
        "catalog",
        "add",
        "--catalog",
        "cat",
        "--venue",
        "binance",
    ];
    args.extend(archives.iter().map(String::as_str));
    let added = axon(dir.path(), &args).ok();
    assert!(added.stdout.contains("40320"), "{}", added.stdout);

    let ls = axon(
        dir.path(),
        &["data", "catalog", "ls", "--catalog", "cat", "--json"],
    )
    .ok();
    let series: Vec<serde_json::Value> = ls
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(series.len(), 2, "{}", ls.stdout);
    assert_eq!(series[0]["symbol"], "BTCUSDT");
    assert_eq!(series[0]["kind"], "bars_1m");
    assert_eq!(series[0]["days"], 14);
    assert_eq!(series[0]["rows"], 14 * 1440);
    assert_eq!(series[1]["last_date"], "2024-01-14");

    // pyarrow reads the folder as one Hive-partitioned dataset.
    let cat = dir.path().join("cat");
    let out = run_python(&[
        "-c",
        &format!(
            "import pyarrow.dataset as ds, json\n\
             t = ds.dataset({:?}, format='parquet', partitioning='hive').to_table()\n\
             print(json.dumps({{'rows': t.num_rows, \
             'symbols': sorted(set(t.column('symbol').to_pylist())), \
             'days': len(set(t.column('date').to_pylist())), \
             'venues': sorted(set(t.column('venue').to_pylist()))}}))",
            cat.display().to_string()
        ),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"], 2 * 14 * 1440, "{v}");
    assert_eq!(v["symbols"], serde_json::json!(["BTCUSDT", "ETHUSDT"]));
    assert_eq!(
        (v["days"].clone(), v["venues"].clone()),
        (14.into(), serde_json::json!(["binance"]))
    );

    // One week of both symbols.
    let config = |name: &str, start: &str, end: &str| {
        let text = format!(
            "[session]\ncash = 1000000.0\n\
             [data]\ncatalog = \"cat\"\nsymbols = [\"BTCUSDT\", \"ETHUSDT\"]\nkind = \"bars_1m\"\n\
             start = \"{start}\"\nend = \"{end}\"\n\
             [strategy]\nkind = \"sma_cross\"\nfast = 10\nslow = 30\n\
             [execution]\nfill = \"next_open\"\nsizing = \"fixed\"\nunits = 1.0\n\
             [journal]\npath = \"{name}\"\n"
        );
        std::fs::write(dir.path().join(format!("{name}.toml")), text).unwrap();
    };
    config("week", "2024-01-08", "2024-01-15");
    config("all", "2024-01-01", "2024-01-15");
    let run = |name: &str| -> serde_json::Value {
        axon(
            dir.path(),
            &[
                "backtest",
                "-c",
                &format!("{name}.toml"),
                "--summary-json",
                &format!("{name}.json"),
                "--quiet",
            ],
        )
        .ok();
        serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(format!("{name}.json"))).unwrap(),
        )
        .unwrap()
    };
    let week = run("week");
    let all = run("all");
    assert_eq!(week["rows"], 2 * 7 * 1440, "{week}");
    assert_eq!(week["symbols"], serde_json::json!(["BTCUSDT", "ETHUSDT"]));
    let (wb, ab) = (
        week["data_bytes_read"].as_u64().unwrap(),
        all["data_bytes_read"].as_u64().unwrap(),
    );
    assert!(
        wb > 0 && wb * 3 < ab * 2,
        "a week read {wb} bytes, two weeks {ab}"
    );
    assert!(
        week["trades"].as_u64().unwrap_or(0) > 0 || week["num_trades"].as_u64().unwrap_or(0) > 0,
        "{week}"
    );
    // The journal says which partitions were read, and replays.
    axon(
        dir.path(),
        &["replay", "--journal", "week", "--verify", "--quiet"],
    )
    .ok();
}

#[test]
fn catalog_mistakes_exit_2_naming_the_key_or_file() {
    let dir = tempdir();
    let archive = daily_klines(dir.path(), "BTCUSDT", 0, 42_000.0);
    axon(
        dir.path(),
        &[
            "data",
            "catalog",
            "add",
            "--catalog",
            "cat",
            "--venue",
            "binance",
            &archive,
        ],
    )
    .ok();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[session]\ncash = 1.0\n[data]\ncatalog = \"cat\"\nsymbols = [\"SOLUSDT\"]\nkind = \"bars_1m\"\n\
         [strategy]\nkind = \"sma_cross\"\nfast = 2\nslow = 3\n[execution]\nfill = \"next_open\"\n[journal]\npath = \"j\"\n",
    )
    .unwrap();
    axon(dir.path(), &["backtest", "-c", "bad.toml"]).error(2, &["no bars_1m of SOLUSDT"]);
    std::fs::write(
        dir.path().join("nokind.toml"),
        "[session]\ncash = 1.0\n[data]\ncatalog = \"cat\"\nsymbols = [\"BTCUSDT\"]\n\
         [strategy]\nkind = \"sma_cross\"\nfast = 2\nslow = 3\n[journal]\npath = \"j\"\n",
    )
    .unwrap();
    axon(dir.path(), &["backtest", "-c", "nokind.toml"])
        .error(2, &["data.kind", "required with data.catalog"]);
    axon(
        dir.path(),
        &[
            "data",
            "catalog",
            "add",
            "--catalog",
            "cat",
            "--venue",
            "binance",
            "x.parquet",
        ],
    )
    .error(2, &["--kind is needed"]);
    axon(
        dir.path(),
        &["data", "catalog", "ls", "--catalog", "nowhere"],
    )
    .error(2, &["no catalog here"]);
}
