//! Binance archives in every published layout import to the rows their
//! text says, read back by this crate's reader; bad input is refused with
//! the file, line and column, and leaves no output behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use axon_data::{
    BarBatch, BinanceKind, BinanceOptions, DataError, DataKind, MarketReader, ReaderOptions,
    TickBatch, import_binance,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/binance")
        .join(name)
}

/// The CSV's data rows as fields (header skipped when there is one).
fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn num(s: &str) -> f64 {
    s.parse().unwrap()
}

fn ms(s: &str) -> i64 {
    let v: i64 = s.parse().unwrap();
    if v < 100_000_000_000_000 {
        v * 1_000_000
    } else {
        v * 1_000
    }
}

fn read_ticks(path: &Path) -> TickBatch {
    let mut reader = MarketReader::open(path, ReaderOptions::default()).unwrap();
    let mut all = TickBatch::default();
    let mut batch = TickBatch::default();
    while reader.next_ticks(&mut batch).unwrap() {
        all.extend_from(&batch);
    }
    all
}

fn read_bars(path: &Path) -> BarBatch {
    let mut reader = MarketReader::open(path, ReaderOptions::default()).unwrap();
    let mut all = BarBatch::default();
    let mut batch = BarBatch::default();
    while reader.next_bars(&mut batch).unwrap() {
        all.extend_from(&batch);
    }
    all
}

fn import(inputs: &[PathBuf], out: &Path) -> Result<axon_data::ImportReport, DataError> {
    import_binance(inputs, out, &BinanceOptions::default())
}

#[test]
fn klines_spot_and_futures_with_ms_and_us_times_become_bars() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "BTCUSDT-1m-2024-01-01.csv",
        "BTCUSDT-1m-2025-01-01.csv",
        "um/BTCUSDT-1h-2024-01.csv",
    ] {
        let out = dir.path().join("bars.parquet");
        let report = import(&[fixture(name)], &out).unwrap();
        let want = rows(&fixture(name));
        assert_eq!(
            (report.kind, report.rows),
            (DataKind::Bars, want.len() as u64)
        );
        assert_eq!(report.symbols, ["BTCUSDT"]);
        let got = read_bars(&out);
        for (i, r) in want.iter().enumerate() {
            assert_eq!(got.ts[i], ms(&r[0]), "{name} row {i}");
            assert_eq!(
                [
                    got.open[i],
                    got.high[i],
                    got.low[i],
                    got.close[i],
                    got.volume[i]
                ],
                [num(&r[1]), num(&r[2]), num(&r[3]), num(&r[4]), num(&r[5])],
                "{name} row {i}"
            );
        }
    }
    // The 2025 spot file's microseconds are 2025-01-01T00:00:00Z.
    let out = dir.path().join("us.parquet");
    let report = import(&[fixture("BTCUSDT-1m-2025-01-01.csv")], &out).unwrap();
    assert_eq!(report.first_ts, Some(1_735_689_600_000_000_000));
}

#[test]
fn trades_and_agg_trades_become_one_tick_per_trade() {
    let dir = tempfile::tempdir().unwrap();
    for (name, time_col) in [
        ("BTCUSDT-aggTrades-2024-01-01.csv", 5),
        ("BTCUSDT-trades-2024-01-01.csv", 4),
        ("um/BTCUSDT-aggTrades-2024-01-01.csv", 5),
        ("um/BTCUSDT-trades-2024-01-01.csv", 4),
    ] {
        let out = dir.path().join("t.parquet");
        let report = import(&[fixture(name)], &out).unwrap();
        assert_eq!(report.kind, DataKind::Ticks);
        let got = read_ticks(&out);
        let want = rows(&fixture(name));
        assert_eq!(got.len(), want.len(), "{name}");
        for (i, r) in want.iter().enumerate() {
            let price = num(&r[1]);
            assert_eq!(got.ts[i], ms(&r[time_col]), "{name} row {i}");
            assert_eq!(
                [got.bid[i], got.ask[i], got.last[i], got.volume[i]],
                [price, price, price, num(&r[2])],
                "{name} row {i}"
            );
            assert_eq!([got.bid_size[i], got.ask_size[i]], [0.0, 0.0]);
        }
    }
}

#[test]
fn book_ticker_becomes_quotes_with_the_event_time_when_the_transaction_time_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q.parquet");
    import(&[fixture("um/BTCUSDT-bookTicker-2024-01-01.csv")], &out).unwrap();
    let got = read_ticks(&out);
    let want = rows(&fixture("um/BTCUSDT-bookTicker-2024-01-01.csv"));
    for (i, r) in want.iter().enumerate() {
        let ts = if r[5] == "0" { &r[6] } else { &r[5] };
        assert_eq!(got.ts[i], ms(ts));
        let (bid, ask) = (num(&r[1]), num(&r[3]));
        assert_eq!(
            [got.bid[i], got.bid_size[i], got.ask[i], got.ask_size[i]],
            [bid, num(&r[2]), ask, num(&r[4])]
        );
        assert_eq!((got.last[i], got.volume[i]), ((bid + ask) / 2.0, 0.0));
    }
}

fn zip_of(dir: &Path, csv: &Path, extra_member: bool) -> PathBuf {
    let name = csv.file_name().unwrap().to_str().unwrap();
    let path = dir.join(name.replace(".csv", ".zip"));
    let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file(name, opts).unwrap();
    w.write_all(&std::fs::read(csv).unwrap()).unwrap();
    if extra_member {
        w.start_file("other.csv", opts).unwrap();
        w.write_all(b"1,2,3\n").unwrap();
    }
    w.finish().unwrap();
    path
}

#[test]
fn zip_and_gzip_archives_import_as_their_csv_does() {
    let dir = tempfile::tempdir().unwrap();
    let csv = fixture("BTCUSDT-aggTrades-2024-01-01.csv");
    let plain = dir.path().join("plain.parquet");
    import(std::slice::from_ref(&csv), &plain).unwrap();

    let zipped = zip_of(dir.path(), &csv, false);
    let from_zip = dir.path().join("zip.parquet");
    import(&[zipped], &from_zip).unwrap();
    assert_eq!(read_ticks(&from_zip), read_ticks(&plain));

    let gz = dir.path().join("BTCUSDT-aggTrades-2024-01-01.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&std::fs::read(&csv).unwrap()).unwrap();
    enc.finish().unwrap();
    let from_gz = dir.path().join("gz.parquet");
    import(&[gz], &from_gz).unwrap();
    assert_eq!(read_ticks(&from_gz), read_ticks(&plain));
}

#[test]
fn several_files_of_one_symbol_import_in_order_and_going_back_in_time_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let day1 = fixture("BTCUSDT-1m-2024-01-01.csv");
    let day2 = dir.path().join("BTCUSDT-1m-2024-01-02.csv");
    let shifted: String = rows(&day1)
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r[0] = (r[0].parse::<i64>().unwrap() + 86_400_000).to_string();
            r.join(",") + "\n"
        })
        .collect();
    std::fs::write(&day2, shifted).unwrap();
    let out = dir.path().join("two.parquet");
    let report = import(&[day1.clone(), day2.clone()], &out).unwrap();
    assert_eq!((report.rows, report.files), (6, 2));

    let back = dir.path().join("back.parquet");
    let err = import(&[day2.clone(), day1], &back).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("BTCUSDT-1m-2024-01-01.csv: line 1, column \"open_time\""),
        "{msg}"
    );
    assert!(msg.contains("timestamps must not decrease"), "{msg}");
    assert!(!back.exists());
}

#[test]
fn bad_rows_name_file_line_and_column_and_leave_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.parquet");
    let case = |name: &str, text: &str| -> String {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let err = import(&[path], &out).unwrap_err();
        assert!(!out.exists(), "output left behind for {name}");
        err.to_string()
    };
    let msg = case(
        "BTCUSDT-aggTrades-2024-01-01.csv",
        "1,42283.58,0.1,1,1,1704067200000,True,True\n2,abc,0.1,2,2,1704067200001,True,True\n",
    );
    assert!(
        msg.contains("line 2, column \"price\": expected a number, found \"abc\""),
        "{msg}"
    );
    let msg = case(
        "BTCUSDT-trades-2024-01-01.csv",
        "id,price,qty,quote_qty,time,is_buyer_maker\n1,-5,0.1,1,1704067200000,true\n",
    );
    assert!(
        msg.contains("line 2, column \"price\": price must be finite and > 0, found -5"),
        "{msg}"
    );
    let msg = case(
        "BTCUSDT-bookTicker-2024-01-01.csv",
        "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time\n1,101,1,100,1,1704067200000,1704067200001\n",
    );
    assert!(
        msg.contains("column \"best_bid_price\": bid must be <= ask"),
        "{msg}"
    );
    let msg = case("BTCUSDT-1m-2024-01-01.csv", "1704067200000,1,2,0.5\n");
    assert!(
        msg.contains(
            "line 1, column \"close\": expected 6 columns, found \"1704067200000,1,2,0.5\""
        ),
        "{msg}"
    );
    let msg = case(
        "BTCUSDT-1m-2024-01-02.csv",
        "17040672000x0,1,2,0.5,1,3,0,0,0,0,0,0\n",
    );
    assert!(
        msg.contains("column \"open_time\": expected an integer timestamp"),
        "{msg}"
    );
    let msg = case("prices.csv", "1,2,3\n");
    assert!(
        msg.contains("prices.csv: the name does not say the symbol and kind"),
        "{msg}"
    );
}

#[test]
fn archives_mixing_symbols_or_holding_several_members_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.parquet");
    let eth = dir.path().join("ETHUSDT-aggTrades-2024-01-02.csv");
    std::fs::write(&eth, "1,2000.5,0.1,1,1,1704153600000,True,True\n").unwrap();
    let err = import(&[fixture("BTCUSDT-aggTrades-2024-01-01.csv"), eth], &out).unwrap_err();
    assert!(
        err.to_string()
            .contains("holds ETHUSDT aggTrades, but the first input holds BTCUSDT aggTrades"),
        "{err}"
    );

    let two = zip_of(dir.path(), &fixture("BTCUSDT-trades-2024-01-01.csv"), true);
    let err = import(&[two], &out).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected a zip archive holding one .csv file, found 2"),
        "{err}"
    );

    // An unnamed file imports once its symbol and kind are given.
    let unnamed = dir.path().join("dump.csv");
    std::fs::copy(fixture("BTCUSDT-trades-2024-01-01.csv"), &unnamed).unwrap();
    let report = import_binance(
        &[unnamed],
        &out,
        &BinanceOptions {
            symbol: Some("BTCUSDT".into()),
            kind: Some(BinanceKind::Trades),
        },
    )
    .unwrap();
    assert_eq!(report.rows, 3);
}
