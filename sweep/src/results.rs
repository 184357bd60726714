//! A sweep's results: one line per finished run in `runs.jsonl` (written
//! as runs finish, so a rerun skips them), then `results.parquet` in run
//! order, built from those lines alone: the same sweep gives the same
//! bytes whatever the number of workers, and whether it was resumed.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use serde_json::{Map, Value as Json};

use crate::error::SweepError;
use crate::space::{Param, Value};

/// One finished run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// Its index in the sweep (grid order).
    pub run: usize,
    /// Its parameter values, in parameter order.
    pub point: Vec<Value>,
    /// Every summary statistic (`null`: undefined).
    pub stats: Map<String, Json>,
    /// The head hash of its journal (written or not).
    pub head_hash: String,
}

impl RunResult {
    /// The line `runs.jsonl` keeps.
    pub fn to_line(&self) -> String {
        let params: Vec<Json> = self.point.iter().map(json_of).collect();
        serde_json::json!({
            "run": self.run,
            "params": params,
            "stats": self.stats,
            "head_hash": self.head_hash,
        })
        .to_string()
    }

    pub(crate) fn from_line(line: &str) -> Option<Self> {
        let v: Json = serde_json::from_str(line).ok()?;
        Some(Self {
            run: v["run"].as_u64()? as usize,
            point: v["params"].as_array()?.iter().map(value_of).collect(),
            stats: v["stats"].as_object()?.clone(),
            head_hash: v["head_hash"].as_str()?.to_owned(),
        })
    }

    /// A statistic; NaN when undefined or absent.
    pub fn stat(&self, key: &str) -> f64 {
        self.stats
            .get(key)
            .and_then(Json::as_f64)
            .unwrap_or(f64::NAN)
    }

    /// `key=value` for each parameter.
    pub fn describe(&self, params: &[Param]) -> String {
        describe(params, &self.point)
    }
}

/// A run from its `runs.jsonl` line.
pub fn read_line(line: &str) -> Option<RunResult> {
    RunResult::from_line(line)
}

/// `key=value` for each parameter of a point.
pub fn describe(params: &[Param], point: &[Value]) -> String {
    params
        .iter()
        .zip(point)
        .map(|(p, v)| format!("{}={v}", p.key))
        .collect::<Vec<_>>()
        .join(", ")
}

fn json_of(v: &Value) -> Json {
    match v {
        Value::Int(x) => Json::from(*x),
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Value::Bool(x) => Json::Bool(*x),
        Value::Str(x) => Json::String(x.clone()),
    }
}

fn value_of(v: &Json) -> Value {
    match v {
        Json::Number(n) if n.is_i64() => Value::Int(n.as_i64().unwrap_or_default()),
        Json::Number(n) => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        Json::Bool(b) => Value::Bool(*b),
        Json::String(s) => Value::Str(s.clone()),
        _ => Value::Float(f64::NAN),
    }
}

/// The runs a previous attempt finished, by index. A torn last line (the
/// process stopped while writing it) is not a finished run.
pub fn read_done(path: &Path) -> Result<BTreeMap<usize, RunResult>, SweepError> {
    let mut done = BTreeMap::new();
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(done),
        Err(e) => return Err(output(path, e)),
    };
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| output(path, e))?;
        if let Some(r) = RunResult::from_line(&line) {
            done.insert(r.run, r);
        }
    }
    Ok(done)
}

/// Appends finished runs to `runs.jsonl`, one line each, flushed.
#[derive(Debug)]
pub struct DoneLog {
    file: File,
    path: std::path::PathBuf,
}

impl DoneLog {
    /// Opens (or creates) the log for appending.
    pub fn open(path: &Path) -> Result<Self, SweepError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| output(path, e))?;
        Ok(Self {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Records one run.
    pub fn push(&mut self, r: &RunResult) -> Result<(), SweepError> {
        let mut line = r.to_line();
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.flush())
            .map_err(|e| output(&self.path, e))
    }
}

pub(crate) fn output(path: &Path, e: impl std::fmt::Display) -> SweepError {
    SweepError::Output {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// Writes `results.parquet`: `run`, one column per parameter (named by its
/// key; typed int, float, bool or string), every statistic (float), and
/// `head_hash`.
pub fn write_parquet(path: &Path, params: &[Param], runs: &[RunResult]) -> Result<(), SweepError> {
    let mut fields = vec![Field::new("run", DataType::UInt64, false)];
    let mut columns: Vec<ArrayRef> = vec![Arc::new(UInt64Array::from_iter_values(
        runs.iter().map(|r| r.run as u64),
    ))];
    for (i, p) in params.iter().enumerate() {
        let (field, column) = param_column(&p.key, runs.iter().map(|r| &r.point[i]));
        fields.push(field);
        columns.push(column);
    }
    let keys: Vec<String> = runs
        .first()
        .map(|r| r.stats.keys().cloned().collect())
        .unwrap_or_default();
    for key in &keys {
        let mut b = Float64Builder::with_capacity(runs.len());
        for r in runs {
            b.append_option(r.stats.get(key).and_then(Json::as_f64));
        }
        fields.push(Field::new(key, DataType::Float64, true));
        columns.push(Arc::new(b.finish()));
    }
    let mut hashes = StringBuilder::new();
    for r in runs {
        hashes.append_value(&r.head_hash);
    }
    fields.push(Field::new("head_hash", DataType::Utf8, false));
    columns.push(Arc::new(hashes.finish()));
    write_columns(path, fields, columns)
}

/// Writes one record batch of `columns` to `path` (through a temporary
/// file, so a reader never sees half a file).
pub(crate) fn write_columns(
    path: &Path,
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
) -> Result<(), SweepError> {
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| output(path, e))?;
    let tmp = path.with_extension("parquet.tmp");
    let file = File::create(&tmp).map_err(|e| output(&tmp, e))?;
    let mut writer =
        ArrowWriter::try_new(file, batch.schema(), None).map_err(|e| output(path, e))?;
    writer.write(&batch).map_err(|e| output(path, e))?;
    writer.close().map_err(|e| output(path, e))?;
    std::fs::rename(&tmp, path).map_err(|e| output(path, e))
}

/// A parameter's column: the narrowest type all its values fit.
pub(crate) fn param_column<'a>(
    key: &str,
    values: impl Iterator<Item = &'a Value> + Clone,
) -> (Field, ArrayRef) {
    let all = |f: fn(&Value) -> bool| values.clone().all(f);
    if all(|v| matches!(v, Value::Int(_))) {
        let mut b = Int64Builder::new();
        for v in values {
            if let Value::Int(x) = v {
                b.append_value(*x);
            }
        }
        return (
            Field::new(key, DataType::Int64, false),
            Arc::new(b.finish()),
        );
    }
    if all(|v| matches!(v, Value::Int(_) | Value::Float(_))) {
        let mut b = Float64Builder::new();
        for v in values {
            match v {
                Value::Int(x) => b.append_value(*x as f64),
                Value::Float(x) => b.append_value(*x),
                _ => {}
            }
        }
        return (
            Field::new(key, DataType::Float64, false),
            Arc::new(b.finish()),
        );
    }
    if all(|v| matches!(v, Value::Bool(_))) {
        let mut b = BooleanBuilder::new();
        for v in values {
            if let Value::Bool(x) = v {
                b.append_value(*x);
            }
        }
        return (
            Field::new(key, DataType::Boolean, false),
            Arc::new(b.finish()),
        );
    }
    let mut b = StringBuilder::new();
    for v in values {
        match v {
            Value::Str(s) => b.append_value(s),
            other => b.append_value(other.to_string()),
        }
    }
    (Field::new(key, DataType::Utf8, false), Arc::new(b.finish()))
}
