//! `axon models`: run and describe model files, list a journal's model
//! swaps, and restore a model from a journal's store (rollback).

use std::path::{Path, PathBuf};

use anyhow::Context;
use axon_inference::{Device, InferenceBackend, ModelConfig, load_backend, sha256_hex};
use axon_journal::JournalReader;
use serde_json::{Value, json};

use crate::exit::Failure;

/// How to load a model from the command line.
#[derive(Debug, Clone)]
pub struct LoadArgs {
    pub model: PathBuf,
    pub backend: Option<InferenceBackend>,
    pub input_shape: Option<Vec<usize>>,
    pub device: Device,
    pub threads: usize,
    pub fp16: bool,
}

impl LoadArgs {
    fn config(&self, shape_hint: Option<Vec<usize>>) -> Result<ModelConfig, Failure> {
        let backend = self
            .backend
            .or_else(|| InferenceBackend::from_path(&self.model))
            .ok_or_else(|| {
                Failure::input(format!(
                    "{}: cannot tell the backend from the file name; give --backend onnx|tch|candle",
                    self.model.display()
                ))
            })?;
        Ok(ModelConfig {
            path: self.model.clone(),
            backend,
            device: self.device,
            input_shape: self.input_shape.clone().or(shape_hint).unwrap_or_default(),
            output_dim: 3,
            fp16: self.fp16,
            num_threads: self.threads.max(1),
            opt_level: Default::default(),
        })
    }
}

/// Loads the model the arguments name (`hint`: an input shape for models
/// that declare none).
pub fn load_model(
    args: &LoadArgs,
    hint: Option<Vec<usize>>,
) -> Result<Box<dyn axon_inference::Backend>, Failure> {
    let mut config = args.config(hint)?;
    // Any output width is fine for a one-off prediction.
    config.output_dim = 0;
    load_backend(&config).map_err(|e| Failure::input(e.to_string()))
}

/// `axon models predict`: prints the output vector as a JSON array.
pub fn predict(args: &LoadArgs, input: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(input)
        .map_err(|e| Failure::input(format!("{}: {e}", input.display())))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::input(format!("{}: not JSON: {e}", input.display())))?;
    let (shape, values) =
        flatten(&value).map_err(|e| Failure::input(format!("{}: {e}", input.display())))?;
    // TorchScript declares no input shape: the input's own shape is it.
    let tch = args.config(None)?.backend == InferenceBackend::Tch;
    let hint = (tch && shape.len() > 1).then(|| shape.clone());
    let model = load_model(args, hint)?;
    let info = model.info();
    if values.len() != info.input_len() {
        return Err(Failure::input(format!(
            "{}: the input has shape {shape:?} ({} values); the model takes {:?}",
            input.display(),
            values.len(),
            info.input_shape
        ))
        .into());
    }
    let y = model
        .predict(&values)
        .map_err(|e| Failure::input(e.to_string()))?;
    println!("{}", serde_json::to_string(&y)?);
    Ok(())
}

/// `axon models info`: backend, shapes and SHA-256 as JSON.
pub fn info(args: &LoadArgs) -> anyhow::Result<()> {
    let bytes = std::fs::read(&args.model)
        .map_err(|e| Failure::input(format!("{}: {e}", args.model.display())))?;
    let model = load_model(args, None)?;
    let i = model.info();
    let out = json!({
        "path": args.model.display().to_string(),
        "backend": i.backend.name(),
        "input_shape": i.input_shape,
        "output_shape": [1, i.output_dim],
        "output_dim": i.output_dim,
        "sha256": sha256_hex(&bytes),
        "bytes": bytes.len(),
        "device": i.device,
        "fp16": i.fp16,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

/// `axon models list`: every model swap in a journal, and whether its
/// bytes are in the journal's store.
pub fn list(journal: &Path, as_json: bool) -> anyhow::Result<()> {
    let rows: Vec<Value> = axon_replay::model_history(journal)
        .map_err(Failure::from)?
        .into_iter()
        .map(|e| {
            json!({
                "seq": e.seq,
                "time_ns": e.time_ns,
                "slot": e.swap.slot,
                "version": e.swap.version,
                "backend": e.swap.backend,
                "sha256": hex::encode(e.swap.sha256),
                "input_shape": e.swap.input_shape,
                "in_store": e.in_store,
            })
        })
        .collect();
    if as_json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!(
        "{:>8}  {:>4}  {:>7}  {:<7}  {:<64}  store",
        "seq", "slot", "version", "backend", "sha256"
    );
    for r in &rows {
        println!(
            "{:>8}  {:>4}  {:>7}  {:<7}  {:<64}  {}",
            r["seq"].as_u64().unwrap_or(0),
            r["slot"].as_u64().unwrap_or(0),
            r["version"].as_u64().unwrap_or(0),
            r["backend"].as_str().unwrap_or(""),
            r["sha256"].as_str().unwrap_or(""),
            if r["in_store"] == true {
                "yes"
            } else {
                "MISSING"
            }
        );
    }
    Ok(())
}

/// `axon models restore`: writes a model from a journal's store to a file,
/// atomically (a hot reloader watching that file swaps it back in).
pub fn restore(journal: &Path, sha256: &str, out: &Path) -> anyhow::Result<()> {
    let hash: [u8; 32] = hex::decode(sha256)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Failure::input(format!("--sha256 {sha256:?} is not 64 hex digits")))?;
    let reader = JournalReader::open(journal).map_err(Failure::from)?;
    let bytes = reader.artifacts().get(&hash).map_err(Failure::from)?;
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, &bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(out)
        .with_context(|| format!("writing {}", out.display()))?;
    println!(
        "restored {sha256} ({} bytes) to {}",
        bytes.len(),
        out.display()
    );
    Ok(())
}

/// A nested JSON array of numbers: its shape and row-major values.
fn flatten(v: &Value) -> Result<(Vec<usize>, Vec<f32>), String> {
    fn walk(
        v: &Value,
        depth: usize,
        shape: &mut Vec<usize>,
        out: &mut Vec<f32>,
        path: &str,
    ) -> Result<(), String> {
        match v {
            Value::Array(items) => {
                if shape.len() == depth {
                    shape.push(items.len());
                } else if shape.get(depth) != Some(&items.len()) {
                    return Err(format!(
                        "{path} has {} items, its siblings {:?}: the array is not rectangular",
                        items.len(),
                        shape.get(depth)
                    ));
                }
                for (i, item) in items.iter().enumerate() {
                    walk(item, depth + 1, shape, out, &format!("{path}[{i}]"))?;
                }
                Ok(())
            }
            Value::Number(n) if shape.len() == depth => {
                out.push(
                    n.as_f64()
                        .ok_or_else(|| format!("{path} is not a number"))?
                        as f32,
                );
                Ok(())
            }
            other => Err(format!(
                "{path} is {other}, expected a number at depth {}",
                shape.len()
            )),
        }
    }
    let mut shape = Vec::new();
    let mut out = Vec::new();
    walk(v, 0, &mut shape, &mut out, "input")?;
    if shape.is_empty() {
        return Err("expected a JSON array".into());
    }
    Ok((shape, out))
}

/// Observations for a model taking `n` values: one (a JSON array shaped like
/// one input, batch dimension optional) or, with `many`, a JSON array of
/// them or a Parquet file whose rows are observations.
pub fn read_observations(path: &Path, n: usize, many: bool) -> Result<Vec<Vec<f32>>, Failure> {
    let bad = |m: String| Failure::input(format!("{}: {m}", path.display()));
    if many && path.extension().is_some_and(|e| e == "parquet") {
        return read_parquet_rows(path, n);
    }
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let (shape, values) = flatten(&value).map_err(bad)?;
    if !many {
        if values.len() != n {
            return Err(bad(format!(
                "the observation has shape {shape:?} ({} values); the model takes {n} values",
                values.len()
            )));
        }
        return Ok(vec![values]);
    }
    let rows = shape[0];
    if rows == 0 {
        return Err(bad(
            "the background is empty: give at least one observation".into(),
        ));
    }
    if values.len() != rows * n {
        return Err(bad(format!(
            "the background has shape {shape:?}: {rows} observations of {} values; the model takes {n}",
            values.len() / rows
        )));
    }
    Ok(values.chunks_exact(n).map(<[f32]>::to_vec).collect())
}

fn read_parquet_rows(path: &Path, n: usize) -> Result<Vec<Vec<f32>>, Failure> {
    let bad = |m: String| Failure::input(format!("{}: {m}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| bad(format!("not a Parquet file: {e}")))?;
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| bad(e.to_string()))?;
        if batch.num_columns() != n {
            return Err(bad(format!(
                "{} columns; each row must be one observation of {n} values",
                batch.num_columns()
            )));
        }
        let cols: Vec<Vec<Option<f64>>> = batch
            .columns()
            .iter()
            .zip(batch.schema().fields())
            .map(|(c, f)| {
                numeric_values(c.as_ref()).ok_or_else(|| {
                    bad(format!(
                        "column {:?} is {}, not a number type",
                        f.name(),
                        f.data_type()
                    ))
                })
            })
            .collect::<Result<_, Failure>>()?;
        for r in 0..batch.num_rows() {
            let mut row = Vec::with_capacity(n);
            for (c, col) in cols.iter().enumerate() {
                let Some(v) = col[r] else {
                    return Err(bad(format!("row {} column {c} is null", rows.len())));
                };
                row.push(v as f32);
            }
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Err(bad(
            "the background is empty: give at least one observation".into(),
        ));
    }
    Ok(rows)
}

/// The values of an integer or float column as f64 (`None` for nulls), or
/// `None` for a column of another type.
fn numeric_values(c: &dyn arrow_array::Array) -> Option<Vec<Option<f64>>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{
        Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
        UInt32Type, UInt64Type,
    };
    use arrow_schema::DataType;
    macro_rules! values {
        ($t:ty) => {
            c.as_primitive::<$t>()
                .iter()
                .map(|v| v.map(|v| v as f64))
                .collect()
        };
    }
    Some(match c.data_type() {
        DataType::Float64 => values!(Float64Type),
        DataType::Float32 => values!(Float32Type),
        DataType::Int8 => values!(Int8Type),
        DataType::Int16 => values!(Int16Type),
        DataType::Int32 => values!(Int32Type),
        DataType::Int64 => values!(Int64Type),
        DataType::UInt8 => values!(UInt8Type),
        DataType::UInt16 => values!(UInt16Type),
        DataType::UInt32 => values!(UInt32Type),
        DataType::UInt64 => values!(UInt64Type),
        _ => return None,
    })
}
