//! `axon data import binance` as a user runs it: archives zipped by
//! Python's own zipfile, the output read back by pyarrow and compared with
//! the archive's CSV parsed by Python's csv module; bad input exits 2.

mod support;

use std::path::{Path, PathBuf};

use support::{axon, run_python, tempdir};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/tests/fixtures/binance")
        .join(name)
}

fn oracle() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oracle/binance_archive.py")
        .display()
        .to_string()
}

#[test]
fn binance_archives_import_to_what_pyarrow_reads_back_equal_to_their_csv() {
    let dir = tempdir();
    for (name, kind) in [
        ("BTCUSDT-1m-2024-01-01.csv", "klines"),
        ("BTCUSDT-1m-2025-01-01.csv", "klines"),
        ("um/BTCUSDT-1h-2024-01.csv", "klines"),
        ("BTCUSDT-aggTrades-2024-01-01.csv", "aggTrades"),
        ("um/BTCUSDT-aggTrades-2024-01-01.csv", "aggTrades"),
        ("BTCUSDT-trades-2024-01-01.csv", "trades"),
        ("um/BTCUSDT-trades-2024-01-01.csv", "trades"),
        ("um/BTCUSDT-bookTicker-2024-01-01.csv", "bookTicker"),
    ] {
        let csv = fixture(name);
        let zip_name = csv
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .replace(".csv", ".zip");
        let archive = dir.path().join(&zip_name);
        run_python(&[
            &oracle(),
            "zip",
            csv.to_str().unwrap(),
            archive.to_str().unwrap(),
        ]);
        let out = dir.path().join("out.parquet");
        let run = axon(
            dir.path(),
            &["data", "import", "binance", &zip_name, "-o", "out.parquet"],
        )
        .ok();
        assert!(run.stdout.contains("rows/s"), "{}", run.stdout);
        let check = run_python(&[
            &oracle(),
            "check",
            kind,
            archive.to_str().unwrap(),
            out.to_str().unwrap(),
        ]);
        let v: serde_json::Value = serde_json::from_str(&check).unwrap();
        assert_eq!(v["rows"], v["expected"], "{name}: {v}");
        assert!(v["rows"].as_u64().unwrap() > 0, "{name}: {v}");
        assert_eq!(v["diffs"], serde_json::json!([]), "{name}: {v}");
        assert_eq!(v["ts_type"], "timestamp[ns, tz=UTC]", "{name}: {v}");
    }
}

#[test]
fn bad_archives_and_usage_exit_2_naming_what_is_wrong() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join("BTCUSDT-aggTrades-2024-01-01.csv"),
        "1,42283.58,0.1,1,1,1704067200000,True,True\n2,42283.58,oops,2,2,1704067200001,True,True\n",
    )
    .unwrap();
    axon(
        dir.path(),
        &["data", "import", "binance", "BTCUSDT-aggTrades-2024-01-01.csv", "-o", "o.parquet"],
    )
    .error(2, &["BTCUSDT-aggTrades-2024-01-01.csv: line 2, column \"quantity\": expected a number, found \"oops\""]);
    assert!(!dir.path().join("o.parquet").exists());
    axon(
        dir.path(),
        &[
            "data",
            "import",
            "binance",
            "missing.zip",
            "-o",
            "o.parquet",
        ],
    )
    .error(2, &["missing.zip"]);
    let usage = axon(
        dir.path(),
        &[
            "data",
            "import",
            "binance",
            "x.csv",
            "-o",
            "o.parquet",
            "--kind",
            "depth",
        ],
    )
    .expect(2);
    assert!(
        usage
            .stderr
            .contains("expected klines, aggTrades, trades or bookTicker"),
        "{}",
        usage.stderr
    );
}
