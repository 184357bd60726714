//! One test per validation rule: each asserts the error names the file, the
//! 1-based row within that file, and the column.

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, StringArray, TimestampNanosecondArray};
use axon_data::{DataError, MarketReader, Problem, ReaderOptions, TickBatch};
use common::*;

type R = Result<(), Box<dyn std::error::Error>>;

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
            "{}: row 17 (index 16), column \"bid\": price must be finite and > 0, found NaN",
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
