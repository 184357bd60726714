//! Backtests, journals, replays and audits from Python, through the same
//! code as the `axon` command.

use std::path::{Path, PathBuf};

use axon_config::{Config, ConfigError};
use axon_explain::{ReportFiles, ShapOptions};
use axon_journal::JournalReader;
use axon_replay::{AuditOptions, AuditTarget, ExplainOptions, RecordView};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{axon_error, io_error, value_error};

/// JSON text as Python objects.
pub fn from_json<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (v.to_string(),))
}

/// A bad config file or a journal that cannot be replayed is bad input.
fn config_error(e: ConfigError) -> PyErr {
    value_error(e)
}

fn replay_error(e: axon_replay::ReplayError) -> PyErr {
    value_error(e)
}

/// Runs the backtest a config file describes; returns its summary (the
/// fields of `axon backtest --summary-json`, `journal` among them).
#[pyfunction]
#[pyo3(signature = (config_path, journal=None))]
fn backtest<'py>(
    py: Python<'py>,
    config_path: PathBuf,
    journal: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let mut plan = Config::load(&config_path)
        .and_then(|c| c.backtest_plan())
        .map_err(config_error)?;
    if let Some(j) = journal {
        plan.session.journal_dir = j;
    }
    let report = py
        .detach(|| axon_replay::run_backtest(&plan, &mut |_, _| {}))
        .map_err(replay_error)?;
    let summary = report.summary_json(&plan.session.journal_dir);
    from_json(py, &summary)
}

/// Re-runs the engine from a journal and compares every output. With
/// `verify`, a difference raises `AxonError` naming the first record;
/// without, the outcome says where (`mismatch`).
#[pyfunction]
#[pyo3(signature = (path, verify=true))]
fn replay<'py>(py: Python<'py>, path: PathBuf, verify: bool) -> PyResult<Bound<'py, PyAny>> {
    let outcome = py
        .detach(|| axon_replay::verify_replay(&path, &mut |_, _| {}))
        .map_err(replay_error)?;
    if verify && let Some(m) = &outcome.mismatch {
        return Err(axon_error(format!(
            "{}: replay differs from the journal at record {}",
            path.display(),
            m.seq
        )));
    }
    let v = serde_json::to_value(&outcome).map_err(axon_error)?;
    from_json(py, &v)
}

/// Rebuilds one past decision (by its sequence number or by the client id
/// of its order) and checks it; with `html`/`pdf`/`json`, also explains its
/// ML model as `axon audit` does.
#[pyfunction]
#[pyo3(signature = (path, seq=None, order=None, slot=None, background=100, html=None, pdf=None, json=None))]
#[allow(
    clippy::too_many_arguments,
    reason = "the keyword arguments of axon audit"
)]
fn audit<'py>(
    py: Python<'py>,
    path: PathBuf,
    seq: Option<u64>,
    order: Option<u64>,
    slot: Option<u16>,
    background: usize,
    html: Option<PathBuf>,
    pdf: Option<PathBuf>,
    json: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let target = match (seq, order) {
        (Some(s), None) => AuditTarget::Seq(s),
        (None, Some(o)) => AuditTarget::Order(o),
        _ => return Err(value_error("audit: give exactly one of seq= or order=")),
    };
    let options = AuditOptions {
        background: background.max(1),
        ..AuditOptions::default()
    };
    let a = py
        .detach(|| axon_replay::audit(&path, target, options))
        .map_err(replay_error)?;
    let files = ReportFiles { html, pdf, json };
    if files.html.is_some() || files.pdf.is_some() || files.json.is_some() {
        let options = ExplainOptions {
            slot,
            background,
            shap: ShapOptions::default(),
            counterfactual_samples: 100,
        };
        let r = py
            .detach(|| axon_replay::explain_decision(&path, target, &options))
            .map_err(replay_error)?;
        r.report
            .write_files(&files, r.provenance.clone())
            .map_err(value_error)?;
        if let Some(why) = r.audit.difference() {
            return Err(axon_error(why));
        }
    }
    let slots: Vec<serde_json::Value> = a
        .slots
        .iter()
        .map(|s| {
            serde_json::json!({
                "slot": s.swap.slot,
                "version": s.swap.version,
                "backend": s.swap.backend,
                "sha256": hex::encode(s.swap.sha256),
                "input_verified": s.input_verified,
                "background_rows": s.background.len(),
            })
        })
        .collect();
    let v = serde_json::json!({
        "journal": a.journal.display().to_string(),
        "seq": a.seq,
        "time_ns": a.time_ns,
        "symbol": a.symbol,
        "decision": a.decision,
        "reproduced": a.reproduced,
        "first_mismatch": a.first_mismatch,
        "order": a.order,
        "slots": slots,
    });
    from_json(py, &v)
}

/// Records read per refill of an iterator.
const CHUNK: u64 = 4096;

/// A journal, read: iterate its records as dicts, or read it whole as a
/// pyarrow Table or pandas DataFrame (the schema of `axon journal export`).
#[pyclass(name = "Journal", module = "axon_quant")]
#[derive(Debug)]
pub struct PyJournal {
    dir: PathBuf,
}

fn open(dir: &Path) -> PyResult<JournalReader> {
    JournalReader::open(dir).map_err(|e| replay_error(e.into()))
}

/// Records `[from, from + limit)` as a JSON array.
fn records(dir: &Path, from: u64, limit: u64) -> PyResult<serde_json::Value> {
    let reader = open(dir)?;
    let mut cursor = reader
        .cursor(from, false)
        .map_err(|e| replay_error(e.into()))?;
    let mut out = Vec::new();
    while (out.len() as u64) < limit {
        match cursor.next().map_err(|e| replay_error(e.into()))? {
            Some(rec) => out.push(serde_json::to_value(RecordView::of(&rec)).map_err(axon_error)?),
            None => break,
        }
    }
    Ok(serde_json::Value::Array(out))
}

#[pymethods]
impl PyJournal {
    #[new]
    fn new(path: PathBuf) -> PyResult<Self> {
        if !path.join("manifest.json").exists() {
            return Err(io_error(format!(
                "{}: not a journal (no manifest.json)",
                path.display()
            )));
        }
        open(&path)?;
        Ok(Self { dir: path })
    }

    /// Records `[from_seq, from_seq + limit)` as dicts: seq, time_ns,
    /// kind, event.
    #[pyo3(signature = (from_seq=0, limit=None))]
    fn records<'py>(
        &self,
        py: Python<'py>,
        from_seq: u64,
        limit: Option<u64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let v = py.detach(|| records(&self.dir, from_seq, limit.unwrap_or(u64::MAX)))?;
        from_json(py, &v)
    }

    fn __iter__(&self) -> PyJournalIter {
        PyJournalIter {
            dir: self.dir.clone(),
            next: 0,
            buffer: std::collections::VecDeque::new(),
            done: false,
        }
    }

    fn __len__(&self) -> PyResult<usize> {
        let reader = open(&self.dir)?;
        let mut cursor = reader
            .cursor(0, false)
            .map_err(|e| replay_error(e.into()))?;
        let mut n = 0;
        while cursor.next().map_err(|e| replay_error(e.into()))?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    /// The whole journal as a pyarrow Table (one row per record).
    fn to_arrow<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let pq = py.import("pyarrow.parquet")?;
        let tmp = py.import("tempfile")?.call_method0("mkdtemp")?;
        let dir: PathBuf = tmp.extract()?;
        let file = dir.join("journal.parquet");
        let result = py
            .detach(|| axon_replay::export_parquet(&self.dir, &file, &mut |_, _| {}))
            .map_err(replay_error)
            .and_then(|_| pq.call_method1("read_table", (file.clone(),)));
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    /// The whole journal as a pandas DataFrame.
    fn to_pandas<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.to_arrow(py)?.call_method0("to_pandas")
    }

    /// Manifest facts: records, head hash (when closed), segments.
    #[getter]
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let reader = open(&self.dir)?;
        let m = reader.manifest();
        let d = PyDict::new(py);
        d.set_item("path", self.dir.display().to_string())?;
        d.set_item("closed", m.closed.is_some())?;
        if let Some(c) = &m.closed {
            d.set_item("records", c.next_seq)?;
            d.set_item("head_hash", &c.head_hash)?;
        }
        Ok(d)
    }
}

/// Iterates a journal's records, reading them a chunk at a time.
#[pyclass(name = "JournalIterator", module = "axon_quant._native")]
#[derive(Debug)]
pub struct PyJournalIter {
    dir: PathBuf,
    next: u64,
    buffer: std::collections::VecDeque<Py<PyAny>>,
    done: bool,
}

#[pymethods]
impl PyJournalIter {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&mut self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        if self.buffer.is_empty() && !self.done {
            let v = records(&self.dir, self.next, CHUNK)?;
            let n = v.as_array().map_or(0, Vec::len) as u64;
            self.done = n < CHUNK;
            self.next += n;
            for item in from_json(py, &v)?.try_iter()? {
                self.buffer.push_back(item?.unbind());
            }
        }
        Ok(self.buffer.pop_front())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(backtest, m)?)?;
    m.add_function(wrap_pyfunction!(replay, m)?)?;
    m.add_function(wrap_pyfunction!(audit, m)?)?;
    m.add_class::<PyJournal>()?;
    m.add_class::<PyJournalIter>()?;
    Ok(())
}
