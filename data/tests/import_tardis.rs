//! Tardis.dev CSV datasets import to ticks: trades, quotes (an empty side
//! skipped and counted), book snapshots (top level), and the L2 book
//! rebuilt from incremental updates; gzipped files as plain ones.

use std::io::Write;
use std::path::{Path, PathBuf};

use axon_data::{MarketReader, ReaderOptions, TickBatch, import_tardis};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tardis")
        .join(name)
}

fn read(path: &Path) -> TickBatch {
    let mut reader = MarketReader::open(path, ReaderOptions::default()).unwrap();
    let mut all = TickBatch::default();
    let mut batch = TickBatch::default();
    while reader.next_ticks(&mut batch).unwrap() {
        all.extend_from(&batch);
    }
    all
}

/// (ts ns, bid, bid_size, ask, ask_size, last, volume) of each tick.
fn ticks(b: &TickBatch) -> Vec<(i64, f64, f64, f64, f64, f64, f64)> {
    (0..b.len())
        .map(|i| {
            (
                b.ts[i],
                b.bid[i],
                b.bid_size[i],
                b.ask[i],
                b.ask_size[i],
                b.last[i],
                b.volume[i],
            )
        })
        .collect()
}

const T0: i64 = 1_704_067_200_000_000_000;

#[test]
fn trades_become_one_tick_each_at_the_exchange_time() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.parquet");
    let r = import_tardis(&[fixture("binance_trades_2024-01-01_BTCUSDT.csv")], &out).unwrap();
    assert_eq!(
        (r.rows, r.skipped, r.symbols.clone()),
        (3, 0, vec!["BTCUSDT".to_string()])
    );
    let got = ticks(&read(&out));
    assert_eq!(
        got[0],
        (
            T0 + 123_000,
            42283.58,
            0.0,
            42283.58,
            0.0,
            42283.58,
            0.00252
        )
    );
    assert_eq!(got[2].0, T0 + 219_000_000);
}

#[test]
fn quotes_become_ticks_and_a_one_sided_quote_is_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q.parquet");
    let r = import_tardis(&[fixture("binance_quotes_2024-01-01_BTCUSDT.csv")], &out).unwrap();
    assert_eq!((r.rows, r.skipped), (3, 1));
    let got = ticks(&read(&out));
    let mid = (42283.58 + 42283.59) / 2.0;
    assert_eq!(
        got[0],
        (T0 + 1_000_000, 42283.58, 6.538, 42283.59, 3.012, mid, 0.0)
    );
    assert_eq!(got[2].0, T0 + 52_000_000);
}

#[test]
fn book_snapshots_give_their_top_level() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.parquet");
    let r = import_tardis(
        &[fixture(
            "binance-futures_book_snapshot_5_2024-01-01_BTCUSDT.csv",
        )],
        &out,
    )
    .unwrap();
    assert_eq!(r.rows, 2);
    let got = ticks(&read(&out));
    assert_eq!(
        got[1],
        (
            T0 + 29_000_000,
            42283.58,
            2.5,
            42283.60,
            1.5,
            (42283.58 + 42283.60) / 2.0,
            0.0
        )
    );
}

#[test]
fn the_l2_book_is_rebuilt_and_each_message_that_moves_the_top_is_a_tick() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("l2.parquet");
    let r = import_tardis(
        &[fixture(
            "binance-futures_incremental_book_L2_2024-01-01_BTCUSDT.csv",
        )],
        &out,
    )
    .unwrap();
    // The snapshot; the ask's size change; (a deeper bid: no tick); the best
    // bid removed and a better ask added in one message.
    let got = ticks(&read(&out));
    let mid = |b: f64, a: f64| (b + a) / 2.0;
    assert_eq!(
        got,
        vec![
            (
                T0,
                42313.9,
                6.538,
                42314.0,
                3.012,
                mid(42313.9, 42314.0),
                0.0
            ),
            (
                T0 + 29_000_000,
                42313.9,
                6.538,
                42314.0,
                2.851,
                mid(42313.9, 42314.0),
                0.0
            ),
            (
                T0 + 46_000_000,
                42313.8,
                1.2,
                42313.95,
                1.0,
                mid(42313.8, 42313.95),
                0.0
            ),
        ]
    );
    assert_eq!((r.rows, r.skipped), (3, 0));
}

#[test]
fn gzipped_files_import_as_plain_ones_and_bad_rows_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let csv = fixture("binance_trades_2024-01-01_BTCUSDT.csv");
    let gz = dir.path().join("binance_trades_2024-01-01_BTCUSDT.csv.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&std::fs::read(&csv).unwrap()).unwrap();
    enc.finish().unwrap();
    let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
    import_tardis(&[csv], &a).unwrap();
    import_tardis(&[gz], &b).unwrap();
    assert_eq!(read(&a), read(&b));

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n\
         x,BTCUSDT,1704067200000000,1,true,bid,100,1\n\
         x,BTCUSDT,1704067200000000,1,true,middle,101,1\n",
    )
    .unwrap();
    let err = import_tardis(&[bad], &dir.path().join("c.parquet")).unwrap_err();
    assert!(
        err.to_string()
            .contains("bad.csv: line 3, column \"side\": expected bid or ask, found \"middle\""),
        "{err}"
    );
    let crossed = dir.path().join("crossed.csv");
    std::fs::write(
        &crossed,
        "exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount\n\
         x,BTCUSDT,1704067200000000,1,1,100,101,1\n",
    )
    .unwrap();
    let err = import_tardis(&[crossed], &dir.path().join("d.parquet")).unwrap_err();
    assert!(
        err.to_string()
            .contains("line 2, column \"bid_price\": bid must be <= ask"),
        "{err}"
    );
    let unknown = dir.path().join("unknown.csv");
    std::fs::write(&unknown, "a,b\n1,2\n").unwrap();
    let err = import_tardis(&[unknown], &dir.path().join("e.parquet")).unwrap_err();
    assert!(
        err.to_string().contains("not a Tardis trades, quotes"),
        "{err}"
    );
}
