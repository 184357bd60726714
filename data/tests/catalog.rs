//! The catalog: rows filed by symbol and day, merged without duplicates
//! (adding twice changes nothing, identical trades in one input stay); a
//! query reads only its days and row groups, several symbols merged in time
//! order; mistakes are named.

use std::path::Path;

use axon_data::{
    Catalog, CatalogQuery, MarketReader, ReaderOptions, SymbolTable, Tick, TickBatch, TickWriter,
    WriterOptions,
};

const DAY: i64 = 86_400_000_000_000;
/// 2024-01-01T00:00:00Z.
const T0: i64 = 1_704_067_200_000_000_000;

fn tick(ts: i64, symbol: u32, px: f64) -> Tick {
    Tick {
        ts,
        symbol,
        bid: px,
        ask: px + 0.5,
        bid_size: 1.0,
        ask_size: 2.0,
        last: px,
        volume: 0.1,
    }
}

/// Two symbols, a tick each every hour for `days` days, in time order.
fn input(dir: &Path, name: &str, days: i64) -> (std::path::PathBuf, TickBatch) {
    let mut symbols = SymbolTable::default();
    symbols.intern("BTCUSDT");
    symbols.intern("ETHUSDT");
    let mut b = TickBatch::default();
    for h in 0..days * 24 {
        let ts = T0 + h * 3_600_000_000_000;
        b.push(tick(ts, 0, 40_000.0 + h as f64));
        b.push(tick(ts, 1, 2_000.0 + h as f64));
    }
    let path = dir.join(name);
    let mut w = TickWriter::new(&path).unwrap();
    w.write(&b, &symbols).unwrap();
    w.finish().unwrap();
    (path, b)
}

fn read_all(mut r: MarketReader) -> (TickBatch, Vec<String>, u64) {
    let (mut all, mut b) = (TickBatch::default(), TickBatch::default());
    while r.next_ticks(&mut b).unwrap() {
        all.extend_from(&b);
    }
    (all, r.symbols().names().to_vec(), r.bytes_read())
}

fn query(symbols: &[&str], start: Option<i64>, end: Option<i64>) -> CatalogQuery {
    CatalogQuery {
        venue: None,
        symbols: symbols.iter().map(|s| s.to_string()).collect(),
        kind: "quotes".into(),
        start,
        end,
    }
}

#[test]
fn rows_are_filed_by_symbol_and_day_and_adding_twice_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (file, rows) = input(dir.path(), "in.parquet", 3);
    let cat = Catalog::new(dir.path().join("cat"));
    let r = cat.add(&file, "binance", "quotes").unwrap();
    assert_eq!(
        (r.rows_read, r.rows_added, r.duplicates, r.partitions),
        (144, 144, 0, 6)
    );
    let series = cat.series().unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(
        (
            series[0].symbol.as_str(),
            series[0].first_date.as_str(),
            series[0].last_date.as_str()
        ),
        ("BTCUSDT", "2024-01-01", "2024-01-03")
    );
    assert_eq!((series[0].days, series[0].rows), (3, 72));
    let day2 = dir
        .path()
        .join("cat/venue=binance/symbol=ETHUSDT/kind=quotes/date=2024-01-02/part-0.parquet");
    let before = std::fs::read(&day2).unwrap();

    let again = cat.add(&file, "binance", "quotes").unwrap();
    assert_eq!((again.rows_added, again.duplicates), (0, 144));
    assert_eq!(std::fs::read(&day2).unwrap(), before);

    // Everything back, both symbols merged in time order.
    let (got, names, _) = read_all(
        cat.open(
            &query(&["BTCUSDT", "ETHUSDT"], None, None),
            ReaderOptions::default(),
        )
        .unwrap(),
    );
    assert_eq!(names, ["BTCUSDT", "ETHUSDT"]);
    assert_eq!(got, rows);
}

#[test]
fn overlapping_adds_merge_in_time_order_and_identical_trades_in_one_input_stay() {
    let dir = tempfile::tempdir().unwrap();
    let cat = Catalog::new(dir.path().join("cat"));
    let mut symbols = SymbolTable::default();
    symbols.intern("BTCUSDT");
    let write = |name: &str, ticks: &[Tick]| {
        let mut b = TickBatch::default();
        ticks.iter().for_each(|t| b.push(*t));
        let p = dir.path().join(name);
        let mut w = TickWriter::new(&p).unwrap();
        w.write(&b, &symbols).unwrap();
        w.finish().unwrap();
        p
    };
    // Two identical trades at T0+1, then T0+3.
    let a = write(
        "a.parquet",
        &[
            tick(T0 + 1, 0, 10.0),
            tick(T0 + 1, 0, 10.0),
            tick(T0 + 3, 0, 11.0),
        ],
    );
    // Overlaps: one copy of the T0+1 trade (held already), a new T0+2.
    let b = write(
        "b.parquet",
        &[
            tick(T0 + 1, 0, 10.0),
            tick(T0 + 2, 0, 12.0),
            tick(T0 + 3, 0, 11.0),
        ],
    );
    cat.add(&a, "binance", "quotes").unwrap();
    let r = cat.add(&b, "binance", "quotes").unwrap();
    assert_eq!((r.rows_added, r.duplicates), (1, 2));
    let (got, _, _) = read_all(
        cat.open(&query(&["BTCUSDT"], None, None), ReaderOptions::default())
            .unwrap(),
    );
    assert_eq!(got.ts, [T0 + 1, T0 + 1, T0 + 2, T0 + 3]);
    assert_eq!(got.bid, [10.0, 10.0, 12.0, 11.0]);
}

#[test]
fn a_query_reads_only_its_days_and_row_groups_and_orders_symbols_as_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (file, rows) = input(dir.path(), "in.parquet", 7);
    let cat = Catalog::new(dir.path().join("cat"));
    cat.add(&file, "binance", "quotes").unwrap();

    let everything = read_all(
        cat.open(
            &query(&["ETHUSDT", "BTCUSDT"], None, None),
            ReaderOptions::default(),
        )
        .unwrap(),
    );
    // Day 3 only (2024-01-03), symbols in the query's order: ETH is id 0.
    let (start, end) = (T0 + 2 * DAY, T0 + 3 * DAY);
    let q = query(&["ETHUSDT", "BTCUSDT"], Some(start), Some(end));
    assert_eq!(
        cat.select(&q)
            .unwrap()
            .iter()
            .map(|(_, f)| f.len())
            .collect::<Vec<_>>(),
        [1, 1]
    );
    let (got, names, bytes) = read_all(cat.open(&q, ReaderOptions::default()).unwrap());
    assert_eq!(names, ["ETHUSDT", "BTCUSDT"]);
    assert_eq!(got.len(), 48);
    assert!(got.ts.iter().all(|t| (start..end).contains(t)));
    // At equal times, the first listed symbol first.
    assert_eq!(&got.symbol[..2], [0, 1]);
    let want: Vec<f64> = (0..rows.len())
        .filter(|&i| (start..end).contains(&rows.ts[i]) && rows.symbol[i] == 1)
        .map(|i| rows.bid[i])
        .collect();
    let eth: Vec<f64> = (0..got.len())
        .filter(|&i| got.symbol[i] == 0)
        .map(|i| got.bid[i])
        .collect();
    assert_eq!(eth, want);
    assert!(
        bytes * 4 < everything.2,
        "one day read {bytes} bytes of {}",
        everything.2
    );

    // Row groups: a day written in 1-hour row groups; a 2-hour range reads
    // a fraction of it.
    let hourly = dir
        .path()
        .join("cat/venue=other/symbol=XYZ/kind=quotes/date=2024-01-01/part-0.parquet");
    std::fs::create_dir_all(hourly.parent().unwrap()).unwrap();
    let mut symbols = SymbolTable::default();
    symbols.intern("XYZ");
    let mut b = TickBatch::default();
    for s in 0..86_400_i64 {
        // Scrambled prices: row groups of real size next to the footer.
        let px = 100.0 + (s.wrapping_mul(2_654_435_761) % 1_000_003) as f64 / 1_000.0;
        b.push(tick(T0 + s * 1_000_000_000, 0, px));
    }
    let opts = WriterOptions {
        row_group_rows: 3_600,
        ..WriterOptions::default()
    };
    let mut w = TickWriter::with_options(&hourly, &opts).unwrap();
    w.write(&b, &symbols).unwrap();
    w.finish().unwrap();
    let whole = read_all(
        cat.open(&query(&["XYZ"], None, None), ReaderOptions::default())
            .unwrap(),
    );
    let hour = 3_600_000_000_000;
    let part = read_all(
        cat.open(
            &query(&["XYZ"], Some(T0 + 5 * hour), Some(T0 + 7 * hour)),
            ReaderOptions::default(),
        )
        .unwrap(),
    );
    assert_eq!((whole.0.len(), part.0.len()), (86_400, 7_200));
    assert!(
        part.2 * 5 < whole.2,
        "2 of 24 row groups read {} bytes of {}",
        part.2,
        whole.2
    );
}

#[test]
fn mistakes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = input(dir.path(), "in.parquet", 1);
    let cat = Catalog::new(dir.path().join("cat"));
    let err = cat.add(&file, "bin/ance", "quotes").unwrap_err();
    assert!(
        err.to_string()
            .contains("venue \"bin/ance\" cannot name a partition"),
        "{err}"
    );
    cat.add(&file, "binance", "quotes").unwrap();
    cat.add(&file, "okx", "quotes").unwrap();
    let err = cat
        .open(&query(&["BTCUSDT"], None, None), ReaderOptions::default())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("BTCUSDT quotes is under several venues (binance, okx)"),
        "{err}"
    );
    let mut q = query(&["SOLUSDT"], None, None);
    q.venue = Some("binance".into());
    let err = cat.open(&q, ReaderOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("no quotes of SOLUSDT on binance"),
        "{err}"
    );
    let err = Catalog::new(dir.path().join("nothing"))
        .series()
        .unwrap_err();
    assert!(err.to_string().contains("no catalog here"), "{err}");
}
