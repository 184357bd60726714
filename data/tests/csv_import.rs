//! CSV import of backtesting.py / Yahoo style OHLCV files.

use std::path::{Path, PathBuf};

use axon_data::{DataError, Problem, ReaderOptions, import_csv, read_all_bars};

type R = Result<(), Box<dyn std::error::Error>>;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ohlc_sample.csv")
}

const DAY: i64 = 86_400_000_000_000;
/// 2021-03-01T00:00:00Z in ns.
const MAR_1_2021: i64 = 18_687 * DAY;

#[test]
fn imports_the_fixture() -> R {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("bars.parquet");
    assert_eq!(import_csv(&fixture(), &out, "SMPL")?, 50);
    let (bars, symbols) = read_all_bars(&out, ReaderOptions::default())?;
    assert_eq!(symbols.names(), ["SMPL"]);
    assert_eq!(bars.len(), 50);
    // First line: 2021-03-01,49.76,50.23,49.49,49.94,3434900
    let b = bars.get(0).ok_or("row 0")?;
    assert_eq!(
        (b.ts, b.open, b.high, b.low, b.close, b.volume),
        (MAR_1_2021, 49.76, 50.23, 49.49, 49.94, 3_434_900.0)
    );
    // Last line: 2021-05-07,55.49,55.93,55.14,55.19,3703800
    let b = bars.get(49).ok_or("row 49")?;
    assert_eq!(
        (b.ts, b.close, b.volume),
        (MAR_1_2021 + 67 * DAY, 55.19, 3_703_800.0)
    );
    assert!(bars.ts.windows(2).all(|w| w[0] < w[1]));
    Ok(())
}

fn import_text(text: &str) -> (tempfile::TempDir, PathBuf, Result<u64, DataError>) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let csv = dir.path().join("in.csv");
    std::fs::write(&csv, text).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out.parquet");
    let r = import_csv(&csv, &out, "X");
    (dir, csv, r)
}

#[test]
fn header_variants_and_date_formats() -> R {
    let text = "DATE,open,HIGH,Low,Close,Adj Close,volume\n\
                2024-01-02,10,11,9,10.5,10.4,100.5\n\
                2024-01-03 09:30:00,10,11,9,10.5,10.4,0\n\
                2024-01-03T10:30:00+01:00,10,11,9,10.5,10.4,1e3\n\
                2024-01-04T00:00:00.5Z,10,11,9,10.5,10.4,7\n";
    let (dir, _, r) = import_text(text);
    assert_eq!(r?, 4);
    let (bars, _) = read_all_bars(&dir.path().join("out.parquet"), ReaderOptions::default())?;
    let jan2 = 19_724 * DAY;
    let h930 = 34_200_000_000_000;
    assert_eq!(
        bars.ts,
        [
            jan2,
            jan2 + DAY + h930,
            jan2 + DAY + h930,
            jan2 + 2 * DAY + 500_000_000
        ]
    );
    assert_eq!(bars.volume, [100.5, 0.0, 1000.0, 7.0]);

    let (dir, _, r) = import_text("Datetime,Open,High,Low,Close\n2024-01-02 00:00:00,1,1,1,1\n");
    assert_eq!(r?, 1, "volume is optional");
    let (bars, _) = read_all_bars(&dir.path().join("out.parquet"), ReaderOptions::default())?;
    assert_eq!(bars.volume, [0.0]);
    Ok(())
}

#[test]
fn bad_number_names_line_and_column() {
    let text =
        ",Open,High,Low,Close,Volume\n2024-01-02,10,11,9,10.5,100\n2024-01-03,10,11,9,1O.5,100\n";
    let (dir, csv, r) = import_text(text);
    let e = r.err().unwrap_or_else(|| panic!("imported"));
    assert!(
        matches!(&e, DataError::CsvField { line: 3, column, found, .. } if column == "Close" && found == "1O.5"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!(
            "{}: line 3, column \"Close\": expected a number, found \"1O.5\"",
            csv.display()
        )
    );
    assert!(
        !dir.path().join("out.parquet").exists()
            && !dir.path().join("out.parquet.partial").exists()
    );
}

#[test]
fn bad_date_names_the_unnamed_column() {
    let (_dir, csv, r) =
        import_text(",Open,High,Low,Close,Volume\n2024-01-02,1,1,1,1,1\n02/01/2024,1,1,1,1,1\n");
    let e = r.err().unwrap_or_else(|| panic!("imported"));
    assert_eq!(e.row(), Some(3));
    assert_eq!(e.column(), Some("Date"));
    assert!(
        e.to_string().starts_with(&format!(
            "{}: line 3, column \"Date\": expected a date",
            csv.display()
        )),
        "{e}"
    );
}

#[test]
fn missing_column_is_reported_at_the_header() {
    let (_dir, csv, r) = import_text("Date,Open,High,Low,Volume\n2024-01-02,1,1,1,1\n");
    let e = r.err().unwrap_or_else(|| panic!("imported"));
    assert!(
        matches!(&e, DataError::CsvMissingColumn { column, .. } if column == "Close"),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with(&format!(
            "{}: line 1 (header): missing column \"Close\"",
            csv.display()
        )),
        "{e}"
    );
    let (_dir, _, r) = import_text("Foo,Open,High,Low,Close\n2024-01-02,1,1,1,1\n");
    assert!(matches!(r, Err(DataError::CsvMissingColumn { column, .. }) if column == "Date"));
}

#[test]
fn invalid_bars_and_order() {
    let (_dir, _, r) =
        import_text("Date,Open,High,Low,Close\n2024-01-02,1,1,1,1\n2024-01-03,1,0.5,1,1\n");
    let e = r.err().unwrap_or_else(|| panic!("imported"));
    assert!(
        matches!(&e, DataError::CsvInvalid { line: 3, column, problem: Problem::HighBelowLow { .. }, .. } if column == "High"),
        "{e:?}"
    );
    let (_dir, _, r) =
        import_text("Date,Open,High,Low,Close\n2024-01-03,1,1,1,1\n2024-01-02,1,1,1,1\n");
    assert!(matches!(
        r,
        Err(DataError::CsvInvalid {
            line: 3,
            problem: Problem::TimestampBackwards { .. },
            ..
        })
    ));
    let (_dir, _, r) = import_text("Date,Open,High,Low,Close\n2024-01-02,1,1,1,1,9\n");
    assert!(
        matches!(r, Err(DataError::Csv { line: 2, .. })),
        "ragged row: {r:?}"
    );
    let (_dir, _, r) = import_text("Date,Open,High,Low,Close\n2024-01-02,NaN,1,1,1\n");
    assert!(
        matches!(r, Err(DataError::CsvInvalid { line: 2, .. })),
        "{r:?}"
    );
}

#[test]
fn missing_input_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let r = import_csv(
        &dir.path().join("none.csv"),
        &dir.path().join("o.parquet"),
        "X",
    );
    assert!(matches!(r, Err(DataError::Io { .. })));
}
