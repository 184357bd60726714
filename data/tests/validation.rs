//! One test per validation rule: each asserts the error names the file, the
//! 1-based row within that file, and the column.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Array, StringArray, TimestampNanosecondArray, TimestampSecondArray,
};
use axon_data::{
    BarBatch, DataError, MarketReader, Problem, ReaderOptions, TickBatch, read_all_bars,
    read_all_ticks, write_bars, write_ticks,
};
use common::{bars_with, ticks_with, write_columns};

type R = Result<(), Box<dyn std::error::Error>>;

fn read_ticks_err(path: &Path) -> DataError {
    match read_all_ticks(path, ReaderOptions::default()) {
        Ok(_) => panic!("{} read without error", path.display()),
        Err(e) => e,
    }
}

fn read_bars_err(path: &Path) -> DataError {
    match read_all_bars(path, ReaderOptions::default()) {
        Ok(_) => panic!("{} read without error", path.display()),
        Err(e) => e,
    }
}

/// Asserts the error's message and accessors name `file`, `row` and `column`.
fn assert_names(e: &DataError, file: &Path, row: u64, column: &str) {
    let msg = e.to_string();
    let prefix = format!("{}: row {row}, column \"{column}\": ", file.display());
    assert!(
        msg.starts_with(&prefix),
        "message {msg:?} does not start with {prefix:?}"
    );
    assert_eq!(e.file(), Some(file));
    assert_eq!(e.row(), Some(row));
    assert_eq!(e.column(), Some(column));
}

fn tick_file(
    dir: &Path,
    name: &str,
    n: usize,
    edit: impl Fn(usize, &mut axon_data::Tick),
) -> PathBuf {
    let path = dir.join(name);
    let (b, s) = ticks_with(n, edit);
    write_ticks(&path, &b, &s).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn bar_file(
    dir: &Path,
    name: &str,
    n: usize,
    edit: impl Fn(usize, &mut axon_data::Bar),
) -> PathBuf {
    let path = dir.join(name);
    let (b, s) = bars_with(n, edit);
    write_bars(&path, &b, &s).unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn nan_price_message_is_exact() -> R {
    let dir = tempfile::tempdir()?;
    let path = tick_file(dir.path(), "ticks.parquet", 30, |i, t| {
        if i == 16 {
            t.bid = f64::NAN;
        }
    });
    let e = read_ticks_err(&path);
    assert_eq!(
        e.to_string(),
        format!(
            "{}: row 17, column \"bid\": price must be finite and > 0, found NaN",
            path.display()
        )
    );
    assert!(
        matches!(e, DataError::Invalid { problem: Problem::InvalidPrice { found }, .. } if found.is_nan())
    );
    Ok(())
}

#[test]
fn infinite_value() -> R {
    let dir = tempfile::tempdir()?;
    let path = tick_file(dir.path(), "t.parquet", 5, |i, t| {
        if i == 2 {
            t.last = f64::INFINITY;
        }
    });
    let e = read_ticks_err(&path);
    assert_names(&e, &path, 3, "last");
    assert!(e.to_string().ends_with("found inf"), "{e}");
    Ok(())
}

#[test]
fn zero_and_negative_prices() -> R {
    let dir = tempfile::tempdir()?;
    let path = tick_file(dir.path(), "zero.parquet", 5, |i, t| {
        if i == 4 {
            t.ask = 0.0;
        }
    });
    assert_names(&read_ticks_err(&path), &path, 5, "ask");
    let path = bar_file(dir.path(), "neg.parquet", 5, |i, b| {
        if i == 1 {
            b.low = -1.0;
        }
    });
    let e = read_bars_err(&path);
    assert_names(&e, &path, 2, "low");
    assert!(
        e.to_string()
            .ends_with("price must be finite and > 0, found -1"),
        "{e}"
    );
    Ok(())
}

#[test]
fn negative_or_nan_size() -> R {
    let dir = tempfile::tempdir()?;
    let path = tick_file(dir.path(), "size.parquet", 5, |i, t| {
        if i == 3 {
            t.ask_size = -2.0;
        }
        t.volume = 0.0; // zero sizes are fine
    });
    let e = read_ticks_err(&path);
    assert_names(&e, &path, 4, "ask_size");
    assert!(matches!(
        e,
        DataError::Invalid {
            problem: Problem::InvalidSize { found: -2.0 },
            ..
        }
    ));
    let path = bar_file(dir.path(), "vol.parquet", 3, |i, b| {
        if i == 0 {
            b.volume = f64::NAN;
        }
    });
    assert_names(&read_bars_err(&path), &path, 1, "volume");
    Ok(())
}

#[test]
fn crossed_quote() -> R {
    let dir = tempfile::tempdir()?;
    let path = tick_file(dir.path(), "crossed.parquet", 10, |i, t| {
        if i == 6 {
            t.bid = 101.0;
        }
        if i == 2 {
            t.bid = t.ask; // locked is allowed
        }
    });
    let e = read_ticks_err(&path);
    assert_names(&e, &path, 7, "bid");
    assert!(
        e.to_string()
            .ends_with("bid must be <= ask, found bid 101 > ask 100.5"),
        "{e}"
    );
    Ok(())
}

#[test]
fn bar_high_below_low_and_open_close_outside() -> R {
    let dir = tempfile::tempdir()?;
    let path = bar_file(dir.path(), "hl.parquet", 4, |i, b| {
        if i == 3 {
            b.high = 8.0;
        }
    });
    let e = read_bars_err(&path);
    assert_names(&e, &path, 4, "high");
    assert!(matches!(
        e,
        DataError::Invalid {
            problem: Problem::HighBelowLow { .. },
            ..
        }
    ));
    let path = bar_file(dir.path(), "open.parquet", 4, |i, b| {
        if i == 1 {
            b.open = 12.5;
        }
    });
    assert_names(&read_bars_err(&path), &path, 2, "open");
    let path = bar_file(dir.path(), "close.parquet", 4, |i, b| {
        if i == 2 {
            b.close = 8.9;
        }
    });
    let e = read_bars_err(&path);
    assert_names(&e, &path, 3, "close");
    assert!(
        e.to_string()
            .ends_with("must lie within [low, high] = [9, 12], found 8.9"),
        "{e}"
    );
    Ok(())
}

#[test]
fn timestamps_backwards_within_a_file() -> R {
    let dir = tempfile::tempdir()?;
    let path = tick_file(dir.path(), "back.parquet", 10, |i, t| {
        if i == 5 {
            t.ts -= 3_000_000_000;
        }
        if i == 2 {
            t.ts -= 1_000_000_000; // equal to the previous row: allowed
        }
    });
    let e = read_ticks_err(&path);
    assert_names(&e, &path, 6, "ts");
    assert!(
        e.to_string()
            .contains("timestamps must not decrease, found 2023-11-14T22:13:22Z"),
        "{e}"
    );
    Ok(())
}

#[test]
fn timestamps_backwards_across_files_and_rows_count_per_file() -> R {
    let dir = tempfile::tempdir()?;
    tick_file(dir.path(), "a.parquet", 100, |_, _| {});
    // b starts before a ends; its own rows are in order.
    let b = tick_file(dir.path(), "b.parquet", 10, |_, t| t.ts += 50_000_000_000);
    let e = read_ticks_err(dir.path());
    assert_names(&e, &b, 1, "ts");
    // Rows are counted per file across batches: row 70 of c, read 16 rows at a time.
    let dir2 = tempfile::tempdir()?;
    tick_file(dir2.path(), "1.parquet", 40, |_, _| {});
    let c = tick_file(dir2.path(), "2.parquet", 100, |i, t| {
        t.ts += 100_000_000_000;
        if i == 69 {
            t.bid_size = -1.0;
        }
    });
    let opts = ReaderOptions {
        batch_size: 16,
        ..ReaderOptions::default()
    };
    let mut r = MarketReader::open(dir2.path(), opts)?;
    let mut batch = TickBatch::default();
    let e = loop {
        match r.next_ticks(&mut batch) {
            Ok(true) => {}
            Ok(false) => panic!("no error"),
            Err(e) => break e,
        }
    };
    assert_names(&e, &c, 70, "bid_size");
    assert!(batch.is_empty());
    // The reader stays stopped.
    assert!(matches!(
        r.next_ticks(&mut batch),
        Err(DataError::Stopped { .. })
    ));
    Ok(())
}

#[test]
fn null_value() -> R {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("null.parquet");
    let n = 5;
    let ts: ArrayRef = Arc::new(TimestampNanosecondArray::from((0..n).collect::<Vec<i64>>()));
    let f = |v: f64| -> ArrayRef { Arc::new(Float64Array::from(vec![v; n as usize])) };
    let bid: ArrayRef = Arc::new(Float64Array::from(vec![
        Some(1.0),
        Some(1.0),
        Some(1.0),
        None,
        Some(1.0),
    ]));
    write_columns(
        &path,
        vec![
            ("ts", ts),
            ("symbol", Arc::new(StringArray::from(vec!["X"; n as usize]))),
            ("bid", bid),
            ("ask", f(2.0)),
            ("bid_size", f(1.0)),
            ("ask_size", f(1.0)),
            ("last", f(1.5)),
            ("volume", f(1.0)),
        ],
    );
    let e = read_ticks_err(&path);
    assert_names(&e, &path, 4, "bid");
    assert!(
        e.to_string()
            .ends_with("value must not be null, found null"),
        "{e}"
    );
    Ok(())
}

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
