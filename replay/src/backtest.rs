//! Backtest: Parquet market data -> simulated exchange -> sequencer ->
//! journal. The simulator's fills go through the sequencer like any input,
//! so the journal alone replays the session.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use axon_adapters::sim::{FillModel, SimExchange};
use axon_data::{Catalog, DataKind, MarketReader, ReaderOptions};
use axon_engine::EventLog;
use axon_engine::event::{DataSource, InstrumentDef, ModelSwap, SessionStart};
use axon_engine::market::{Bar, Tick};
use axon_engine::{Input, Sequencer, Summary, Trade};
use axon_inference::{ModelRegistry, swap_record};
use axon_journal::{ArtifactStore, ChainLog, Journal, JournalError};
use serde_json::json;

use crate::error::ReplayError;
use crate::feed::{Feed, Rows};
use crate::observe::{LogTotals, RunMetrics};
use crate::plan::BacktestPlan;

/// What a backtest produced.
#[derive(Debug, Clone)]
pub struct BacktestReport {
    /// Statistics.
    pub summary: Summary,
    /// Closed trades.
    pub trades: Vec<Trade>,
    /// Journal records written.
    pub events: u64,
    /// Market rows read.
    pub rows: u64,
    /// Wall-clock seconds.
    pub elapsed_secs: f64,
    /// Journal head hash, hex.
    pub head_hash: String,
    /// Symbols by instrument id.
    pub symbols: Vec<String>,
    /// Kind of data.
    pub kind: DataKind,
    /// Bytes of Parquet read for the market data (footers and the row
    /// groups read; a catalog query's pruned partitions and row groups are
    /// not read at all).
    pub data_bytes_read: u64,
}

impl BacktestReport {
    /// The summary as JSON (fields relied on by scripts; add, never
    /// rename): every statistic of [`Summary`] (undefined ones, such as the
    /// win rate of a run without trades, are `null`), then the run's own
    /// figures and where its journal is.
    pub fn summary_json(&self, journal: &Path) -> serde_json::Value {
        let mut v = serde_json::to_value(&self.summary).unwrap_or_else(|_| json!({}));
        let run = json!({
            "rows": self.rows,
            "events": self.events,
            "events_per_sec": self.events as f64 / self.elapsed_secs.max(1e-9),
            "rows_per_sec": self.rows as f64 / self.elapsed_secs.max(1e-9),
            "elapsed_secs": self.elapsed_secs,
            "head_hash": self.head_hash,
            "journal": journal.display().to_string(),
            "data_kind": self.kind.to_string(),
            "data_bytes_read": self.data_bytes_read,
            "symbols": self.symbols,
        });
        if let (Some(v), serde_json::Value::Object(run)) = (v.as_object_mut(), run) {
            v.extend(run);
        }
        v
    }
}

/// Progress callback: rows done so far, rows in total.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Runs a backtest.
pub fn run_backtest(
    plan: &BacktestPlan,
    progress: Progress<'_>,
) -> Result<BacktestReport, ReplayError> {
    let started = Instant::now();
    let (reader, data) = open_data(plan)?;
    let kind = reader.kind();
    let total = reader.total_rows();
    let (mut run, registry) = Run::open(plan)?;
    let fed = run
        .start(plan, data)
        .and_then(|()| run.feed(reader, total, progress))
        .and_then(|fed| {
            if plan.close_at_end {
                run.end()?;
            }
            Ok(fed)
        });
    let (rows, symbols, data_bytes_read) = match fed {
        Err(e @ ReplayError::StrategyFault { .. }) => {
            // The journal up to the failing input is kept, closed, and
            // replays to the same failure.
            let (_, journal) = run.seq.into_parts();
            journal.close()?;
            return Err(e);
        }
        r => r?,
    };
    swaps_built(&registry)?;
    let elapsed = started.elapsed().as_secs_f64();
    if let Some(m) = &mut run.metrics {
        m.finish(&run.seq, run.seq.records() as f64 / elapsed.max(1e-9));
    }
    let Run { seq, .. } = run;
    let (engine, journal) = seq.into_parts();
    let events = journal.next_seq();
    let closed = journal.close()?;
    Ok(BacktestReport {
        summary: engine.summary(),
        trades: engine.portfolio().trades().to_vec(),
        events,
        rows,
        elapsed_secs: started.elapsed().as_secs_f64(),
        head_hash: closed.head_hash,
        symbols,
        kind,
        data_bytes_read,
    })
}

/// Market data read into memory once, for many runs over it (a sweep's):
/// the batches as the reader gave them and the data's provenance.
#[derive(Debug)]
pub struct LoadedData {
    kind: DataKind,
    batches: Vec<crate::feed::Batch>,
    sources: Vec<DataSource>,
    rows: u64,
    symbols: Vec<String>,
    /// Parquet bytes read to load it.
    bytes_read: u64,
}

impl LoadedData {
    /// Reads the data `plan` names, checking its fill model fits it.
    pub fn load(plan: &BacktestPlan) -> Result<Self, ReplayError> {
        let (reader, sources) = open_data(plan)?;
        let kind = reader.kind();
        let mut feed = Feed::start(reader)
            .map_err(|e| ReplayError::Plan(format!("cannot start the reader thread: {e}")))?;
        let (mut batches, mut rows) = (Vec::new(), 0u64);
        while let Some(batch) = feed.next() {
            let batch = batch?;
            rows += batch.rows.count() as u64;
            batches.push(batch);
        }
        let (symbols, bytes_read) = feed
            .finish()
            .map(|r| (r.symbols().names().to_vec(), r.bytes_read()))
            .unwrap_or_default();
        Ok(Self {
            kind,
            batches,
            sources,
            rows,
            symbols,
            bytes_read,
        })
    }

    /// Rows in the data.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Event times of the first instrument's rows (the one the statistics
    /// and walk-forward windows count in), in data order.
    pub fn first_instrument_times(&self) -> Vec<i64> {
        self.batches
            .iter()
            .flat_map(|b| {
                let r = &b.rows;
                r.times().iter().zip(r.symbols()).filter(|(_, s)| **s == 0)
            })
            .map(|(t, _)| *t)
            .collect()
    }

    /// The rows with times in `[from_ns, to_ns)`: every instrument's, in
    /// data order, the symbols declared at the start in the data's id
    /// order (so ids stay the data's).
    pub fn window(&self, from_ns: i64, to_ns: i64) -> Self {
        let mut batches = Vec::new();
        let mut symbols: Vec<String> = Vec::new();
        let mut rows = 0u64;
        for b in &self.batches {
            symbols.extend(b.new_symbols.iter().cloned());
            let times = b.rows.times();
            let start = times.partition_point(|&t| t < from_ns);
            let end = times.partition_point(|&t| t < to_ns);
            if start < end {
                rows += (end - start) as u64;
                batches.push(crate::feed::Batch {
                    rows: b.rows.slice(start..end),
                    new_symbols: Vec::new(),
                });
            }
            if times.last().is_some_and(|&t| t >= to_ns) {
                break;
            }
        }
        if let Some(first) = batches.first_mut() {
            first.new_symbols = symbols;
        }
        Self {
            kind: self.kind,
            batches,
            sources: self.sources.clone(),
            rows,
            symbols: self.symbols.clone(),
            bytes_read: self.bytes_read,
        }
    }

    /// Bars or ticks.
    pub fn kind(&self) -> DataKind {
        self.kind
    }
}

/// A backtest over data in memory: the same records as [`run_backtest`]
/// on the same plan and data, so the same head hash; written to the plan's
/// journal folder when `journal`, else only hashed (nothing on disk).
pub fn run_backtest_loaded(
    plan: &BacktestPlan,
    data: &LoadedData,
    journal: bool,
) -> Result<BacktestReport, ReplayError> {
    let started = Instant::now();
    match (plan.session.sim.fill, data.kind) {
        (FillModel::NextOpen, DataKind::Bars) | (FillModel::NextTick, DataKind::Ticks) => {}
        (f, k) => {
            return Err(ReplayError::Plan(format!(
                "execution.fill = {f:?} does not fit {k} data (use next_open for bars, next_tick for ticks)"
            )));
        }
    }
    let report = |engine: axon_engine::Engine, events, rows, head_hash| BacktestReport {
        summary: engine.summary(),
        trades: engine.portfolio().trades().to_vec(),
        events,
        rows,
        elapsed_secs: started.elapsed().as_secs_f64(),
        head_hash,
        symbols: data.symbols.clone(),
        kind: data.kind,
        data_bytes_read: data.bytes_read,
    };
    if journal {
        let (mut run, registry) = Run::open(plan)?;
        let rows = run.step_all(plan, data);
        let (engine, journal) = run.seq.into_parts();
        let events = journal.next_seq();
        let closed = journal.close()?;
        let rows = rows?;
        swaps_built(&registry)?;
        return Ok(report(engine, events, rows, closed.head_hash));
    }
    let (mut run, registry) = Run::with_log(plan, ChainLog::default(), ArtifactStore::in_memory())?;
    let rows = run.step_all(plan, data)?;
    swaps_built(&registry)?;
    let (engine, log) = run.seq.into_parts();
    let head = hex::encode(log.head_hash());
    Ok(report(engine, log.next_seq(), rows, head))
}

/// Fails when model swaps could not be built.
fn swaps_built(registry: &ModelRegistry) -> Result<(), ReplayError> {
    let failed = registry.errors();
    if failed.is_empty() {
        return Ok(());
    }
    Err(ReplayError::Plan(format!(
        "model swaps failed: {}",
        failed.join("; ")
    )))
}

/// Opens the market data, checks the fill model fits it, and describes
/// it for the session-start record (paths relative to the data's root).
fn open_data(plan: &BacktestPlan) -> Result<(MarketReader, Vec<DataSource>), ReplayError> {
    let options = ReaderOptions {
        default_symbol: plan.default_symbol.clone(),
        ..ReaderOptions::default()
    };
    let reader = match &plan.catalog {
        Some(query) => Catalog::new(&plan.data_path).open(query, options)?,
        None => MarketReader::open(&plan.data_path, options)?,
    };
    match (reader.kind(), plan.session.sim.fill) {
        (DataKind::Bars, FillModel::NextOpen) | (DataKind::Ticks, FillModel::NextTick) => {}
        (k, f) => {
            return Err(ReplayError::Plan(format!(
                "execution.fill = {f:?} does not fit {k} data (use next_open for bars, next_tick for ticks)"
            )));
        }
    }
    let data = reader
        .provenance()
        .into_iter()
        .map(|p| DataSource {
            path: relative_to_root(&plan.data_path, &p.path),
            bytes: p.bytes,
            sha256: p.sha256,
            rows: p.rows,
        })
        .collect();
    Ok((reader, data))
}

/// The plan's models as swaps: their bytes put into the journal's store,
/// versions counted per slot, in time order (stable: config order among
/// equal times; slots loaded at start come first).
fn planned_swaps(
    plan: &BacktestPlan,
    store: &ArtifactStore,
) -> Result<Vec<(i64, ModelSwap)>, ReplayError> {
    let mut swaps = Vec::with_capacity(plan.session.models.len());
    let mut versions = std::collections::BTreeMap::new();
    for m in &plan.session.models {
        let sha = store.put(&m.bytes)?;
        let version = versions
            .entry(m.slot)
            .and_modify(|v| *v += 1)
            .or_insert(1u32);
        swaps.push((m.at_ns, swap_record(m.slot, *version, sha, &m.config)));
    }
    swaps.sort_by_key(|(at, _)| at.unwrap_or(i64::MIN));
    Ok(swaps
        .into_iter()
        .map(|(at, s)| (at.unwrap_or(i64::MIN), s))
        .collect())
}

/// The loop's state: sequencer, simulator, instruments declared so far.
struct Run<L> {
    seq: Sequencer<L>,
    sim: SimExchange,
    declared: usize,
    last_time: i64,
    metrics: Option<RunMetrics>,
    /// Swaps not yet submitted, earliest first.
    swaps: std::collections::VecDeque<(i64, ModelSwap)>,
}

impl Run<Journal> {
    /// A new journal with the plan's engine, models and simulator; the
    /// registry reports swaps that failed to build.
    fn open(plan: &BacktestPlan) -> Result<(Self, Arc<ModelRegistry>), ReplayError> {
        let mut journal_opts = plan.session.journal.clone();
        if let Some(m) = &plan.metrics {
            let m = m.clone();
            journal_opts.on_sync = Some(Arc::new(move |d| m.record_fsync(d.as_secs_f64())));
        }
        let journal = Journal::create(&plan.session.journal_dir, journal_opts)?;
        write_config_source(&plan.session.journal_dir, &plan.session.config_source)?;
        let store = journal.artifacts().clone();
        Run::with_log(plan, journal, store)
    }
}

impl<L: EventLog<Error = JournalError> + LogTotals> Run<L> {
    /// A run logging into `log`, models and sources kept in `store`.
    fn with_log(
        plan: &BacktestPlan,
        log: L,
        store: ArtifactStore,
    ) -> Result<(Self, Arc<ModelRegistry>), ReplayError> {
        let registry = Arc::new(ModelRegistry::new(store.clone()));
        if let Some(m) = &plan.metrics {
            registry.set_observer(Arc::new(crate::observe::InferenceMetrics(m.clone())));
        }
        plan.session.store_sources(&store)?;
        let engine = plan.session.engine(Box::new(registry.clone()))?;
        let swaps = planned_swaps(plan, &store)?;
        let run = Self {
            seq: Sequencer::new(engine, log),
            sim: SimExchange::new(plan.session.sim, 0),
            declared: plan.session.engine.instruments.len(),
            last_time: 0,
            metrics: plan.metrics.clone().map(|m| RunMetrics::new(m, "sim")),
            swaps: swaps.into(),
        };
        Ok((run, registry))
    }

    /// Steps a whole run over loaded data; returns the rows stepped.
    fn step_all(&mut self, plan: &BacktestPlan, data: &LoadedData) -> Result<u64, ReplayError> {
        self.start(plan, data.sources.clone())?;
        let mut rows = 0;
        for batch in &data.batches {
            self.declare(&batch.new_symbols)?;
            rows += self.rows(&batch.rows)?;
        }
        if plan.close_at_end {
            self.end()?;
        }
        Ok(rows)
    }

    /// Journals the session start and the swaps due at it.
    fn start(&mut self, plan: &BacktestPlan, data: Vec<DataSource>) -> Result<(), ReplayError> {
        let start = SessionStart {
            config: plan.session.engine.clone(),
            config_text: plan.session.config_text.clone(),
            data,
            seed: plan.session.seed,
            engine_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        self.submit(0, &Input::SessionStart(Box::new(start)))?;
        self.swaps_due(i64::MIN)
    }

    /// Steps every row of `reader` (read ahead on the feed thread);
    /// returns the rows read and the symbols by instrument id.
    fn feed(
        &mut self,
        reader: MarketReader,
        total: u64,
        progress: Progress<'_>,
    ) -> Result<(u64, Vec<String>, u64), ReplayError> {
        let mut rows = 0u64;
        let mut feed = Feed::start(reader)
            .map_err(|e| ReplayError::Plan(format!("cannot start the reader thread: {e}")))?;
        while let Some(batch) = feed.next() {
            let batch = batch?;
            self.declare(&batch.new_symbols)?;
            rows += self.rows(&batch.rows)?;
            progress(rows, total);
            feed.recycle(batch.rows);
        }
        let (symbols, bytes) = feed
            .finish()
            .map(|r| (r.symbols().names().to_vec(), r.bytes_read()))
            .unwrap_or_default();
        Ok((rows, symbols, bytes))
    }

    /// Steps one batch of rows; returns how many.
    fn rows(&mut self, rows: &Rows) -> Result<u64, ReplayError> {
        match rows {
            Rows::Bars(b) => {
                for row in b.iter() {
                    self.bar(row.ts, &crate::feed::engine_bar(&row))?;
                }
                Ok(b.len() as u64)
            }
            Rows::Ticks(b) => {
                for row in b.iter() {
                    self.tick(row.ts, &crate::feed::engine_tick(&row))?;
                }
                Ok(b.len() as u64)
            }
        }
    }

    #[inline]
    fn submit(&mut self, time_ns: i64, input: &Input) -> Result<(), ReplayError> {
        self.seq.submit(time_ns, input)?;
        if let Some(why) = self.seq.engine().strategy_fault() {
            let seq = self.seq.records() - 1 - self.seq.outputs().len() as u64;
            return Err(ReplayError::StrategyFault {
                seq,
                reason: why.to_owned(),
            });
        }
        self.sim.on_outputs(self.seq.outputs());
        if let Some(m) = &mut self.metrics {
            m.observe(time_ns, input, &self.seq);
        }
        self.last_time = time_ns;
        Ok(())
    }

    /// Journals instrument definitions for symbols the reader saw first.
    fn declare(&mut self, new_symbols: &[String]) -> Result<(), ReplayError> {
        for symbol in new_symbols {
            let def = InstrumentDef {
                id: self.declared as u32,
                symbol: symbol.clone(),
            };
            self.submit(self.last_time, &Input::Instrument(def))?;
            self.declared += 1;
        }
        self.sim.ensure(self.declared);
        Ok(())
    }

    /// Delivers the simulator's due events, each stepped before the next is asked for.
    fn drain_immediate(&mut self, time_ns: i64) -> Result<(), ReplayError> {
        while let Some(ev) = self.sim.immediate(self.seq.engine().portfolio()) {
            self.submit(time_ns, &ev)?;
        }
        Ok(())
    }

    /// Submits the swaps due at `time_ns`, before the market event there.
    #[inline]
    fn swaps_due(&mut self, time_ns: i64) -> Result<(), ReplayError> {
        while self.swaps.front().is_some_and(|(at, _)| *at <= time_ns) {
            if let Some((_, swap)) = self.swaps.pop_front() {
                let t = time_ns.max(self.last_time);
                self.submit(t, &Input::ModelSwap(swap))?;
            }
        }
        Ok(())
    }

    #[inline]
    fn bar(&mut self, time_ns: i64, bar: &Bar) -> Result<(), ReplayError> {
        self.swaps_due(time_ns)?;
        while let Some(ev) = self.sim.before_bar(bar, self.seq.engine().portfolio()) {
            self.submit(time_ns, &ev)?;
        }
        self.submit(time_ns, &Input::Bar(*bar))?;
        self.sim.after_bar(bar);
        self.drain_immediate(time_ns)
    }

    #[inline]
    fn tick(&mut self, time_ns: i64, tick: &Tick) -> Result<(), ReplayError> {
        self.swaps_due(time_ns)?;
        while let Some(ev) = self.sim.before_tick(tick, self.seq.engine().portfolio()) {
            self.submit(time_ns, &ev)?;
        }
        self.submit(time_ns, &Input::Tick(*tick))?;
        self.sim.after_tick(tick);
        self.drain_immediate(time_ns)
    }

    fn end(&mut self) -> Result<(), ReplayError> {
        let t = self.last_time;
        self.submit(t, &Input::EndOfData)?;
        self.drain_immediate(t)
    }
}

/// A data file's path relative to the folder holding the data path, so the
/// journal (and its head hash) does not depend on the working directory.
fn relative_to_root(data_path: &Path, file: &str) -> String {
    let root = data_path.parent().unwrap_or(Path::new(""));
    Path::new(file)
        .strip_prefix(root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| file.to_string())
}

/// File beside a journal holding the config file it was run from.
pub const CONFIG_SOURCE: &str = "config.toml";

/// Writes the config file's text beside the journal (nothing if empty).
/// It is provenance only: the head hash covers the canonical settings.
pub fn write_config_source(journal_dir: &Path, text: &str) -> Result<(), ReplayError> {
    if text.is_empty() {
        return Ok(());
    }
    let path = journal_dir.join(CONFIG_SOURCE);
    std::fs::write(&path, text).map_err(|e| ReplayError::Export {
        path,
        reason: e.to_string(),
    })
}
