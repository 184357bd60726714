//! `windows.parquet` and `summary.json`.

use std::path::Path;
use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_array::builder::{
    Float64Builder, StringBuilder, TimestampNanosecondBuilder, UInt64Builder,
};
use arrow_schema::{DataType, Field, TimeUnit};
use axon_replay::BacktestReport;
use serde_json::{Value as Json, json};

use super::WindowResult;
use crate::SweepError;
use crate::results::{output, param_column, write_columns};
use crate::space::Param;

/// Writes the walk-forward's files into `out`.
pub fn write(
    out: &Path,
    params: &[Param],
    windows: &[WindowResult],
    stitched: &BacktestReport,
) -> Result<(), SweepError> {
    write_windows(&out.join("windows.parquet"), params, windows)?;
    let rows: Vec<Json> = windows
        .iter()
        .map(|w| {
            json!({
                "train": [w.train_ns.0, w.train_ns.1],
                "test": [w.test_ns.0, w.test_ns.1],
                "params": w.in_sample.describe(params),
                "in_sample_head_hash": w.in_sample.head_hash,
                "out_of_sample_head_hash": w.out_of_sample_head,
            })
        })
        .collect();
    let summary = json!({
        "windows": rows,
        "head_hash": stitched.head_hash,
        "statistics": stitched.summary,
    });
    let path = out.join("summary.json");
    let text = serde_json::to_string_pretty(&summary).unwrap_or_default() + "\n";
    std::fs::write(&path, text).map_err(|e| output(&path, e))
}

fn time_column(windows: &[WindowResult], get: impl Fn(&WindowResult) -> i64) -> ArrayRef {
    let mut b = TimestampNanosecondBuilder::new();
    for w in windows {
        b.append_value(get(w));
    }
    Arc::new(b.finish().with_timezone("UTC"))
}

fn count_column(
    windows: &[WindowResult],
    get: impl Fn(&WindowResult) -> (usize, usize),
) -> ArrayRef {
    let mut b = UInt64Builder::new();
    for w in windows {
        let (from, to) = get(w);
        b.append_value((to - from) as u64);
    }
    Arc::new(b.finish())
}

fn text_column(windows: &[WindowResult], get: impl Fn(&WindowResult) -> &str) -> ArrayRef {
    let mut b = StringBuilder::new();
    for w in windows {
        b.append_value(get(w));
    }
    Arc::new(b.finish())
}

/// One row per window: `window`, `train_start`/`train_end`/`test_start`/
/// `test_end` (UTC timestamps, ends exclusive), `train_bars`, `test_bars`,
/// the chosen value of each parameter, every statistic in sample
/// (`is_sharpe`, ...) and out of sample (`oos_sharpe`, ...), and both runs'
/// head hashes.
fn write_windows(
    path: &Path,
    params: &[Param],
    windows: &[WindowResult],
) -> Result<(), SweepError> {
    let ts = DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()));
    let mut fields = vec![
        Field::new("window", DataType::UInt64, false),
        Field::new("train_start", ts.clone(), false),
        Field::new("train_end", ts.clone(), false),
        Field::new("test_start", ts.clone(), false),
        Field::new("test_end", ts, false),
        Field::new("train_bars", DataType::UInt64, false),
        Field::new("test_bars", DataType::UInt64, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new((0..windows.len() as u64).collect::<arrow_array::UInt64Array>()),
        time_column(windows, |w| w.train_ns.0),
        time_column(windows, |w| w.train_ns.1),
        time_column(windows, |w| w.test_ns.0),
        time_column(windows, |w| w.test_ns.1),
        count_column(windows, |w| w.window.train),
        count_column(windows, |w| w.window.test),
    ];
    for (i, p) in params.iter().enumerate() {
        let (field, column) = param_column(&p.key, windows.iter().map(|w| &w.in_sample.point[i]));
        fields.push(field);
        columns.push(column);
    }
    let oos: Vec<serde_json::Map<String, Json>> = windows
        .iter()
        .map(|w| match serde_json::to_value(&w.out_of_sample) {
            Ok(Json::Object(m)) => m,
            _ => serde_json::Map::new(),
        })
        .collect();
    let keys: Vec<String> = oos
        .first()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    for (prefix, stats) in [
        (
            "is",
            windows
                .iter()
                .map(|w| &w.in_sample.stats)
                .collect::<Vec<_>>(),
        ),
        ("oos", oos.iter().collect()),
    ] {
        for key in &keys {
            let mut b = Float64Builder::new();
            for s in &stats {
                b.append_option(s.get(key).and_then(Json::as_f64));
            }
            fields.push(Field::new(
                format!("{prefix}_{key}"),
                DataType::Float64,
                true,
            ));
            columns.push(Arc::new(b.finish()));
        }
    }
    fields.push(Field::new("is_head_hash", DataType::Utf8, false));
    columns.push(text_column(windows, |w| &w.in_sample.head_hash));
    fields.push(Field::new("oos_head_hash", DataType::Utf8, false));
    columns.push(text_column(windows, |w| &w.out_of_sample_head));
    write_columns(path, fields, columns)
}
