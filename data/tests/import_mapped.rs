//! Any CSV through a column mapping: ticks with defaults, bars, a symbol
//! column, every timestamp unit; mistakes in the mapping or the data are
//! named.

use std::collections::BTreeMap;
use std::path::Path;

use axon_data::{
    BarBatch, CsvMapping, MappedKind, MarketReader, ReaderOptions, TickBatch, TsUnit,
    import_mapped_csv,
};

fn mapping(kind: MappedKind, ts: &str, unit: TsUnit, cols: &[(&str, &str)]) -> CsvMapping {
    CsvMapping {
        kind,
        ts: ts.into(),
        ts_unit: unit,
        symbol: Some("XYZ".into()),
        symbol_column: None,
        delimiter: ',',
        columns: cols
            .iter()
            .map(|(t, s)| (t.to_string(), s.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn ticks(path: &Path) -> TickBatch {
    let mut r = MarketReader::open(path, ReaderOptions::default()).unwrap();
    let (mut all, mut b) = (TickBatch::default(), TickBatch::default());
    while r.next_ticks(&mut b).unwrap() {
        all.extend_from(&b);
    }
    all
}

#[test]
fn trades_map_one_price_to_bid_ask_and_last_with_defaults_for_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "t.csv",
        "time;px;size\n1704067200000;100.5;2\n1704067200250;100.25;1\n",
    );
    let mut m = mapping(
        MappedKind::Ticks,
        "time",
        TsUnit::Ms,
        &[
            ("bid", "px"),
            ("ask", "px"),
            ("last", "px"),
            ("volume", "size"),
        ],
    );
    m.delimiter = ';';
    let out = dir.path().join("o.parquet");
    let r = import_mapped_csv(&[csv], &out, &m).unwrap();
    assert_eq!(r.rows, 2);
    let t = ticks(&out);
    assert_eq!(t.ts, [1_704_067_200_000_000_000, 1_704_067_200_250_000_000]);
    assert_eq!(
        (t.bid[1], t.ask[1], t.last[1], t.volume[1]),
        (100.25, 100.25, 100.25, 1.0)
    );
    assert_eq!((t.bid_size[0], t.ask_size[0]), (0.0, 0.0));
}

#[test]
fn quotes_without_a_last_take_the_mid_and_a_symbol_column_names_each_row() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        dir.path(),
        "q.csv",
        "ts,sym,b,a\n2024-01-01T00:00:00Z,AAA,10,10.5\n2024-01-01 00:00:01.5,BBB,20,20.5\n",
    );
    let mut m = mapping(
        MappedKind::Ticks,
        "ts",
        TsUnit::Auto,
        &[("bid", "b"), ("ask", "a")],
    );
    m.symbol = None;
    m.symbol_column = Some("sym".into());
    let out = dir.path().join("o.parquet");
    let r = import_mapped_csv(&[csv], &out, &m).unwrap();
    assert_eq!(r.symbols, ["AAA", "BBB"]);
    let t = ticks(&out);
    assert_eq!(t.last, [10.25, 20.25]);
    assert_eq!(t.ts[1] - t.ts[0], 1_500_000_000);
    assert_eq!(t.symbol, [0, 1]);
}

#[test]
fn bars_in_every_integer_unit_land_on_the_same_instant() {
    let dir = tempfile::tempdir().unwrap();
    for (unit, raw) in [
        (TsUnit::S, "1704067200"),
        (TsUnit::Ms, "1704067200000"),
        (TsUnit::Us, "1704067200000000"),
        (TsUnit::Ns, "1704067200000000000"),
        (TsUnit::Auto, "1704067200"),
        (TsUnit::Auto, "1704067200000000"),
        (TsUnit::Datetime, "2024-01-01"),
    ] {
        let csv = write(
            dir.path(),
            "b.csv",
            &format!("t,o,h,l,c\n{raw},1,2,0.5,1.5\n"),
        );
        let m = mapping(
            MappedKind::Bars,
            "t",
            unit,
            &[("open", "o"), ("high", "h"), ("low", "l"), ("close", "c")],
        );
        let out = dir.path().join("b.parquet");
        import_mapped_csv(&[csv], &out, &m).unwrap();
        let mut r = MarketReader::open(&out, ReaderOptions::default()).unwrap();
        let mut b = BarBatch::default();
        assert!(r.next_bars(&mut b).unwrap());
        assert_eq!(b.ts, [1_704_067_200_000_000_000], "{unit:?} {raw}");
        assert_eq!((b.close[0], b.volume[0]), (1.5, 0.0));
    }
}

#[test]
fn mapping_and_data_mistakes_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.parquet");
    let csv = write(dir.path(), "x.csv", "time,b,a\n1704067200000,10,9\n");
    let err = |m: &CsvMapping| {
        import_mapped_csv(std::slice::from_ref(&csv), &out, m)
            .unwrap_err()
            .to_string()
    };

    let m = mapping(MappedKind::Ticks, "time", TsUnit::Ms, &[("bid", "b")]);
    assert!(
        err(&m).contains("no source for the ticks column \"ask\""),
        "{}",
        err(&m)
    );
    let m = mapping(
        MappedKind::Ticks,
        "time",
        TsUnit::Ms,
        &[("bid", "b"), ("ask", "a"), ("open", "b")],
    );
    assert!(
        err(&m).contains("\"open\" is not a ticks column"),
        "{}",
        err(&m)
    );
    let m = mapping(
        MappedKind::Ticks,
        "when",
        TsUnit::Ms,
        &[("bid", "b"), ("ask", "a")],
    );
    assert!(err(&m).contains("missing column \"when\""), "{}", err(&m));
    // Crossed: named by the source column of the bid.
    let m = mapping(
        MappedKind::Ticks,
        "time",
        TsUnit::Ms,
        &[("bid", "b"), ("ask", "a")],
    );
    assert!(
        err(&m).contains("x.csv: line 2, column \"b\": bid must be <= ask"),
        "{}",
        err(&m)
    );
    let m = mapping(
        MappedKind::Ticks,
        "time",
        TsUnit::Datetime,
        &[("bid", "a"), ("ask", "b")],
    );
    assert!(
        err(&m).contains("column \"time\": expected a date-time"),
        "{}",
        err(&m)
    );
    let mut m = mapping(
        MappedKind::Ticks,
        "time",
        TsUnit::Ms,
        &[("bid", "a"), ("ask", "b")],
    );
    m.symbol = None;
    assert!(err(&m).contains("one of `symbol`"), "{}", err(&m));
    assert!(!out.exists());
}
