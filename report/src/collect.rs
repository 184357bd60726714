//! Reads a journal into what the report shows. Two passes: a scan of the
//! market records (span, event count, whether they fall on distinct
//! seconds) chooses the display grid; then the session is replayed through
//! its rebuilt engine ([`Replayer`]), sampling the account after every
//! market event, so the report needs nothing but the journal and shows
//! exactly the engine's equity, positions, trades and statistics.

use std::path::Path;

use axon_engine::calendar::day_number;
use axon_engine::event::{SessionStart, kind};
use axon_engine::{Input, Summary, Trade};
use axon_journal::JournalReader;
use axon_replay::{ReplayError, Replayer, SwapEntry};

use crate::downsample::{Candles, Grid, MinMaxLine, Point};
use crate::error::ReportError;

/// Everything the report is drawn from.
#[derive(Debug)]
pub struct RunData {
    /// The session-start record.
    pub session: SessionStart,
    /// Head hash of the whole journal, hex.
    pub head_hash: String,
    /// Records in the journal.
    pub records: u64,
    /// The display grid.
    pub grid: Grid,
    /// Whether the first instrument's market data is bars (else ticks).
    pub bars: bool,
    /// The first instrument's prices (candles; a tick's mid as a candle).
    pub price: Candles,
    /// Equity after each market event.
    pub equity: Vec<Point>,
    /// Drawdown from the running peak, percent (≤ 0).
    pub drawdown: Vec<Point>,
    /// Position in the first instrument (signed units).
    pub position: Vec<Point>,
    /// Closed trades, every instrument.
    pub trades: Vec<Trade>,
    /// The engine's statistics at the end.
    pub summary: Summary,
    /// Last equity of each UTC day: `(day number, equity)`.
    pub days: Vec<(i64, f64)>,
    /// Models loaded, in journal order (each one the replay loaded, so
    /// its bytes are in the store).
    pub models: Vec<SwapEntry>,
    /// Symbols by instrument id: the configuration's, then those the
    /// journal declared.
    pub symbols: Vec<String>,
    /// Market events, all instruments.
    pub market_events: u64,
    /// First and last market event times (ns).
    pub span_ns: (i64, i64),
}

/// What the first pass learns of the market records.
struct Scan {
    first_ns: i64,
    last_ns: i64,
    events: u64,
    distinct: bool,
    bars: bool,
}

fn scan(dir: &Path) -> Result<Scan, ReportError> {
    let reader = JournalReader::open(dir)?;
    let mut cursor = reader.cursor(0, false)?;
    let mut s = Scan {
        first_ns: 0,
        last_ns: 0,
        events: 0,
        distinct: true,
        bars: true,
    };
    let mut last_second = None;
    while let Some(rec) = cursor.next()? {
        if rec.kind != kind::TICK && rec.kind != kind::BAR {
            continue;
        }
        let input = Input::decode(rec.kind, rec.version, rec.payload).map_err(|source| {
            ReplayError::Decode {
                journal: dir.to_path_buf(),
                seq: rec.seq,
                source,
            }
        })?;
        let instrument = match &input {
            Input::Tick(t) => t.instrument,
            Input::Bar(b) => b.instrument,
            _ => continue,
        };
        if instrument != 0 {
            continue;
        }
        if s.events == 0 {
            s.first_ns = rec.time_ns;
            s.bars = rec.kind == kind::BAR;
        }
        s.last_ns = rec.time_ns;
        s.events += 1;
        let second = rec.time_ns.div_euclid(1_000_000_000);
        if last_second == Some(second) {
            s.distinct = false;
        }
        last_second = Some(second);
    }
    if s.events == 0 {
        return Err(ReportError::NoMarketData {
            journal: dir.to_path_buf(),
        });
    }
    Ok(s)
}

/// Replays the journal in `dir` and collects the report's series.
pub fn collect(dir: &Path) -> Result<RunData, ReportError> {
    let scan = scan(dir)?;
    let grid = Grid::choose(scan.events, scan.distinct, scan.first_ns, scan.last_ns);
    let mut replayer = Replayer::open(dir)?;
    let session = replayer.session().clone();
    let mut price = Candles::default();
    let mut equity = MinMaxLine::new(grid);
    let mut drawdown = MinMaxLine::new(grid);
    let mut position = MinMaxLine::new(grid);
    let mut days: Vec<(i64, f64)> = Vec::new();
    let mut models = Vec::new();
    let mut symbols = session.config.instruments.clone();
    let mut peak = f64::NEG_INFINITY;
    let (mut records, mut market_events) = (1u64, 0u64);
    let mut span_ns = (i64::MAX, i64::MIN);
    while let Some(step) = replayer.next()? {
        records += 1;
        let time_ns = step.record.time_ns;
        let ohlc = match step.input {
            Some(Input::Bar(b)) => (b.instrument, [b.open, b.high, b.low, b.close]),
            Some(Input::Tick(t)) => (t.instrument, [t.mid(); 4]),
            Some(Input::ModelSwap(s)) => {
                models.push(SwapEntry {
                    seq: step.record.seq,
                    time_ns,
                    swap: s.clone(),
                    in_store: true,
                });
                continue;
            }
            Some(Input::Instrument(def)) => {
                let id = def.id as usize;
                if symbols.len() <= id {
                    symbols.resize(id + 1, String::new());
                }
                symbols[id].clone_from(&def.symbol);
                continue;
            }
            _ => continue,
        };
        market_events += 1;
        span_ns = (span_ns.0.min(time_ns), span_ns.1.max(time_ns));
        let t = grid.time(time_ns);
        let portfolio = step.engine.portfolio();
        let e = portfolio.equity();
        peak = peak.max(e);
        if ohlc.0 == 0 {
            price.push(t, ohlc.1);
        }
        equity.push(t, e);
        drawdown.push(t, (e / peak - 1.0) * 100.0);
        position.push(t, portfolio.position(0));
        let day = day_number(time_ns);
        match days.last_mut() {
            Some((d, v)) if *d == day => *v = e,
            _ => days.push((day, e)),
        }
    }
    let head_hash = replayer.head_hash().map(hex::encode).unwrap_or_default();
    let engine = replayer.into_engine();
    // The close-out at the end of the data moves the final equity after the
    // last market event, as the statistics count it.
    let last = engine.portfolio().equity();
    equity.revalue_last(last);
    if let Some((_, v)) = days.last_mut() {
        *v = last;
    }
    peak = peak.max(last);
    drawdown.revalue_last((last / peak - 1.0) * 100.0);
    position.revalue_last(engine.portfolio().position(0));
    Ok(RunData {
        head_hash,
        records,
        grid,
        bars: scan.bars,
        price,
        equity: equity.finish(),
        drawdown: drawdown.finish(),
        position: position.finish(),
        trades: engine.portfolio().trades().to_vec(),
        summary: engine.summary(),
        days,
        models,
        symbols,
        market_events,
        span_ns,
        session,
    })
}
