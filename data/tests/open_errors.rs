//! Errors found when opening or writing: schema, file type, directories,
//! kinds, malformed batches. Each names the file (and column, if any).

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, StringArray, TimestampSecondArray};
use axon_data::{
    BarBatch, DataError, MarketReader, Problem, ReaderOptions, read_all_bars, write_ticks,
};
use common::*;

type R = Result<(), Box<dyn std::error::Error>>;

fn bar_columns(n: usize) -> Vec<(&'static str, ArrayRef)> {
    let f = |v: f64| -> ArrayRef { Arc::new(Float64Array::from(vec![v; n])) };
    vec![
        (
            "ts",
            Arc::new(TimestampSecondArray::from(
                (0..n as i64).collect::<Vec<_>>(),
            )) as ArrayRef,
        ),
        ("symbol", Arc::new(StringArray::from(vec!["X"; n]))),
        ("open", f(2.0)),
        ("high", f(3.0)),
        ("low", f(1.0)),
        ("close", f(2.0)),
        ("volume", f(0.0)),
    ]
}

#[test]
fn missing_column() -> R {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("missing.parquet");
    let cols = bar_columns(3)
        .into_iter()
        .filter(|(n, _)| *n != "close")
        .collect();
    write_columns(&path, cols);
    let e = MarketReader::open(&path, ReaderOptions::default())
        .err()
        .ok_or("opened")?;
    assert!(
        matches!(&e, DataError::MissingColumn { column, .. } if column == "close"),
        "{e:?}"
    );
    assert_eq!(e.file(), Some(path.as_path()));
    assert!(
        e.to_string()
            .starts_with(&format!("{}: missing column \"close\"", path.display())),
        "{e}"
    );
    Ok(())
}

#[test]
fn missing_symbol_needs_a_default() -> R {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nosym.parquet");
    let cols = bar_columns(3)
        .into_iter()
        .filter(|(n, _)| *n != "symbol")
        .collect();
    write_columns(&path, cols);
    let e = MarketReader::open(&path, ReaderOptions::default())
        .err()
        .ok_or("opened")?;
    assert_eq!(e.column(), Some("symbol"));
    assert!(e.to_string().contains("default symbol"), "{e}");
    let opts = ReaderOptions {
        default_symbol: Some("GOOG".into()),
        ..ReaderOptions::default()
    };
    let (bars, symbols) = read_all_bars(&path, opts)?;
    assert_eq!(bars.len(), 3);
    assert_eq!(bars.symbol, [0, 0, 0]);
    assert_eq!(symbols.names(), ["GOOG"]);
    assert_eq!(bars.ts[2], 2_000_000_000);
    Ok(())
}

#[test]
fn wrong_column_type() -> R {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("type.parquet");
    let cols = bar_columns(3)
        .into_iter()
        .map(|(n, a)| {
            if n == "high" {
                (n, Arc::new(StringArray::from(vec!["3"; 3])) as ArrayRef)
            } else {
                (n, a)
            }
        })
        .collect();
    write_columns(&path, cols);
    let e = MarketReader::open(&path, ReaderOptions::default())
        .err()
        .ok_or("opened")?;
    assert!(
        matches!(&e, DataError::ColumnType { column, found, .. } if column == "high" && found == "Utf8"),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with(&format!(
            "{}: column \"high\": type must be",
            path.display()
        )),
        "{e}"
    );
    Ok(())
}

#[test]
fn timestamp_out_of_range() -> R {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("far.parquet");
    let cols = bar_columns(3)
        .into_iter()
        .map(|(n, a)| {
            if n == "ts" {
                (
                    n,
                    Arc::new(TimestampSecondArray::from(vec![0, 1, i64::MAX / 2])) as ArrayRef,
                )
            } else {
                (n, a)
            }
        })
        .collect();
    write_columns(&path, cols);
    let e = read_bars_err(&path);
    assert_names(&e, &path, 3, "ts");
    assert!(matches!(
        e,
        DataError::Invalid {
            problem: Problem::TimestampOutOfRange { unit: "s", .. },
            ..
        }
    ));
    Ok(())
}

#[test]
fn not_parquet() -> R {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bogus.parquet");
    std::fs::write(&path, b"ts,bid\n1,2\n")?;
    let e = MarketReader::open(&path, ReaderOptions::default())
        .err()
        .ok_or("opened")?;
    assert!(matches!(e, DataError::NotParquet { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!(
            "{}: not a readable Parquet file: ",
            path.display()
        )),
        "{msg}"
    );
    // A truncated Parquet file too.
    let good = tick_file(dir.path(), "good.parquet", 10, |_, _| {});
    let bytes = std::fs::read(&good)?;
    let cut = dir.path().join("cut.parquet");
    std::fs::write(&cut, &bytes[..bytes.len() / 2])?;
    let e = MarketReader::open(&cut, ReaderOptions::default())
        .err()
        .ok_or("opened")?;
    assert!(matches!(e, DataError::NotParquet { .. }), "{e:?}");
    Ok(())
}

#[test]
fn missing_path_and_empty_directory() -> R {
    let dir = tempfile::tempdir()?;
    let e = MarketReader::open(&dir.path().join("nope.parquet"), ReaderOptions::default())
        .err()
        .ok_or("opened")?;
    assert!(matches!(e, DataError::Io { .. }), "{e:?}");
    std::fs::write(dir.path().join("notes.txt"), "x")?;
    let e = MarketReader::open(dir.path(), ReaderOptions::default())
        .err()
        .ok_or("opened")?;
    assert!(matches!(e, DataError::EmptyDirectory { .. }), "{e:?}");
    assert!(e.to_string().contains("holds no *.parquet file"), "{e}");
    Ok(())
}

/// Zero rows is not market data: a backtest over it would "succeed" with
/// nothing in it.
#[test]
fn a_file_or_directory_with_no_rows_is_refused() -> R {
    let dir = tempfile::tempdir()?;
    let empty = tick_file(dir.path(), "empty.parquet", 0, |_, _| {});
    let e = MarketReader::open(&empty, ReaderOptions::default())
        .err()
        .ok_or("opened an empty file")?;
    assert!(matches!(e, DataError::NoRows { .. }), "{e:?}");
    assert_eq!(e.file(), Some(empty.as_path()));
    assert_eq!(
        e.to_string(),
        format!(
            "{}: no rows (the file has 0 rows); market data needs at least one row",
            empty.display()
        )
    );
    tick_file(dir.path(), "empty2.parquet", 0, |_, _| {});
    let e = MarketReader::open(dir.path(), ReaderOptions::default())
        .err()
        .ok_or("opened a directory of empty files")?;
    assert!(
        e.to_string()
            .contains("2 files, each with 0 rows: empty.parquet, empty2.parquet"),
        "{e}"
    );
    // One file with rows is enough.
    tick_file(dir.path(), "full.parquet", 3, |_, _| {});
    let reader = MarketReader::open(dir.path(), ReaderOptions::default())?;
    assert_eq!(reader.total_rows(), 3);
    Ok(())
}

#[test]
fn kinds_must_agree() -> R {
    let dir = tempfile::tempdir()?;
    tick_file(dir.path(), "1.parquet", 3, |_, _| {});
    let bars = bar_file(dir.path(), "2.parquet", 3, |_, _| {});
    let e = MarketReader::open(dir.path(), ReaderOptions::default())
        .err()
        .ok_or("opened")?;
    assert!(
        matches!(&e, DataError::KindMismatch { file, .. } if *file == bars),
        "{e:?}"
    );
    // Asking a ticks reader for bars is an error, not a silent end.
    let mut r = MarketReader::open(&dir.path().join("1.parquet"), ReaderOptions::default())?;
    let e = r
        .next_bars(&mut BarBatch::default())
        .err()
        .ok_or("read bars from ticks")?;
    assert!(matches!(e, DataError::WrongKind { .. }), "{e:?}");
    // Columns of neither kind.
    let odd = dir.path().join("odd.parquet");
    write_columns(
        &odd,
        vec![(
            "ts",
            Arc::new(TimestampSecondArray::from(vec![1])) as ArrayRef,
        )],
    );
    let e = MarketReader::open(&odd, ReaderOptions::default())
        .err()
        .ok_or("opened")?;
    assert!(matches!(e, DataError::UnknownKind { .. }), "{e:?}");
    Ok(())
}

#[test]
fn writer_rejects_malformed_batches() -> R {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("w.parquet");
    let (mut b, s) = ticks_with(3, |_, _| {});
    b.symbol[1] = 5;
    let e = write_ticks(&path, &b, &s).err().ok_or("wrote")?;
    assert!(matches!(e, DataError::BadBatch { .. }), "{e:?}");
    b.symbol[1] = 0;
    b.ask.pop();
    assert!(matches!(
        write_ticks(&path, &b, &s),
        Err(DataError::BadBatch { .. })
    ));
    // Nothing is left behind: neither the file nor its partial.
    assert_eq!(std::fs::read_dir(dir.path())?.count(), 0);
    Ok(())
}
