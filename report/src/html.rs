//! The page: tables rendered here with minijinja (auto-escaping), charts
//! drawn in the browser by `assets/report.js` from inline JSON, with the
//! vendored charting library inline too, so the file opens with no network.

use axon_engine::Trade;
use axon_engine::config::StrategyConfig;
use minijinja::{Environment, context};
use serde_json::{Value, json};

use crate::analytics::{RollingSharpe, YearRow, monthly_returns, rolling_sharpe};
use crate::collect::RunData;
use crate::downsample::{Grid, MAX_RAW};
use crate::error::ReportError;
use crate::format::{number, stat_rows, time};

const TEMPLATE: &str = include_str!("../assets/report.html.j2");
const SCRIPT: &str = include_str!("../assets/report.js");
const LIBRARY: &str = include_str!("../assets/lightweight-charts.standalone.production.js");
const LICENCES: [&str; 2] = [
    include_str!("../assets/LICENSE-lightweight-charts"),
    include_str!("../assets/LICENSE-fancy-canvas"),
];
/// The vendored charting library's version (`scripts/vendor-charts.sh`).
pub const CHARTS_VERSION: &str = "5.3.0";

/// Trades listed in the table; the rest are counted.
pub const MAX_TRADE_ROWS: usize = 10_000;
/// Trades marked on the price chart; beyond this none are (they would
/// cover it).
pub const MAX_MARKED_TRADES: usize = 2_500;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Renders the report page for `run`, read from the journal `journal`.
pub fn render(run: &RunData, journal: &str) -> Result<String, ReportError> {
    let symbol = run.symbols.first().cloned().unwrap_or_default();
    let strategy = match &run.session.config.strategy {
        StrategyConfig::Python { class, file, .. } => format!("{class} ({file})"),
        other => other.kind().to_owned(),
    };
    let title = format!("{strategy} on {symbol}");
    let subtitle = format!(
        "{} → {} · {} market events · journal {journal}",
        time(run.span_ns.0),
        time(run.span_ns.1),
        run.market_events
    );
    let sharpe = rolling_sharpe(&run.days);
    let sharpe_note = match &sharpe {
        None => Some(format!(
            "Needs at least 40 daily returns; this run has {}.",
            run.days.len().saturating_sub(1)
        )),
        Some(s) => Some(format!(
            "Daily returns over a {}-day window, annualised over {} days; no risk-free rate.",
            s.window, s.annualisation
        )),
    };
    let display_note = match run.grid {
        Grid::Raw => None,
        Grid::Buckets { width, .. } => Some(format!(
            "Downsampled for display: one column per {width} s, each keeping its lowest and \
             highest value (runs of more than {MAX_RAW} events, or with several events in one \
             second). Statistics and trades are exact."
        )),
    };
    let marked = marked_trades(&run.trades);
    let trades_note = if run.trades.len() > MAX_TRADE_ROWS {
        Some(format!(
            "The first {MAX_TRADE_ROWS} of {} trades; `axon journal export` has every fill.",
            run.trades.len()
        ))
    } else if marked.is_empty() && !run.trades.is_empty() {
        Some(format!(
            "More than {MAX_MARKED_TRADES} trades: entries and exits are not marked on the price chart."
        ))
    } else {
        None
    };
    let data = chart_data(run, &symbol, sharpe.as_ref(), &marked)
        .to_string()
        // Inline JSON must not close its script element.
        .replace("</", "<\\/");
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    let page = env.get_template("report.html")?.render(context! {
        title,
        subtitle,
        display_note,
        sharpe_note,
        has_sharpe => sharpe.is_some(),
        stats => stat_rows(&run.summary),
        month_names => MONTHS,
        monthly => monthly_rows(&monthly_returns(run.session.config.cash, &run.days)),
        identity => identity(run, journal),
        trades_total => run.trades.len(),
        trades_note,
        trades => serde_json::to_string(&trade_rows(run))
            .unwrap_or_default()
            .replace("</", "<\\/"),
        config_text => run.session.config_text.clone(),
        charts_version => CHARTS_VERSION,
        data,
        library => LIBRARY,
        script => SCRIPT,
        licences => LICENCES.join("\n\n").replace("--", "- -"),
    })?;
    Ok(page)
}

/// Trades of the first instrument to mark, or none when there are too many.
fn marked_trades(trades: &[Trade]) -> Vec<&Trade> {
    let first: Vec<&Trade> = trades.iter().filter(|t| t.instrument == 0).collect();
    if first.len() > MAX_MARKED_TRADES {
        Vec::new()
    } else {
        first
    }
}

/// The display time of the candle at or before `time_ns` (the first one
/// before any), so markers and bars sit on the price series' times.
fn snap(run: &RunData, time_ns: i64) -> i64 {
    let t = run.grid.time(time_ns);
    let candles = &run.price.0;
    let i = candles.partition_point(|c| c.0 <= t);
    candles.get(i.saturating_sub(1)).map_or(t, |c| c.0)
}

fn chart_data(
    run: &RunData,
    symbol: &str,
    sharpe: Option<&RollingSharpe>,
    marked: &[&Trade],
) -> Value {
    let mut markers: Vec<(i64, &str)> = Vec::with_capacity(marked.len() * 2);
    for t in marked {
        let side = if t.size > 0.0 { "long" } else { "short" };
        markers.push((snap(run, t.entry_time_ns), side));
        markers.push((snap(run, t.exit_time_ns), "exit"));
    }
    markers.sort_by_key(|m| m.0);
    let mut pnl: Vec<(i64, f64)> = Vec::new();
    let mut by_exit: Vec<(i64, f64)> = run
        .trades
        .iter()
        .map(|t| (snap(run, t.exit_time_ns), t.pnl))
        .collect();
    by_exit.sort_by_key(|p| p.0);
    for (t, v) in by_exit {
        match pnl.last_mut() {
            Some(p) if p.0 == t => p.1 += v,
            _ => pnl.push((t, v)),
        }
    }
    let span_s = (run.span_ns.1 - run.span_ns.0) / 1_000_000_000;
    let per_event = span_s / (run.market_events.max(1) as i64);
    json!({
        "symbol": symbol,
        "candles": run.bars || run.grid.is_bucketed(),
        "intraday": per_event < 86_400 || run.grid.width() < 86_400 && run.grid.is_bucketed(),
        "seconds": per_event < 60 && !run.grid.is_bucketed(),
        "price": run.price,
        "equity": run.equity,
        "drawdown": run.drawdown,
        "position": run.position,
        "pnl": pnl,
        "markers": markers,
        "sharpe": sharpe,
    })
}

fn heat(v: f64) -> String {
    // Green for gains, red for losses; ±10% and beyond at full colour.
    let a = (v.abs() / 10.0).min(1.0) * 0.6 + 0.05;
    if v >= 0.0 {
        format!("rgba(38,166,154,{a:.2})")
    } else {
        format!("rgba(239,83,80,{a:.2})")
    }
}

fn monthly_rows(rows: &[YearRow]) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            let cells: Vec<(String, String)> = r
                .months
                .iter()
                .map(|m| match m {
                    Some(v) => (format!("{v:.1}"), heat(*v)),
                    None => (String::new(), "transparent".to_owned()),
                })
                .collect();
            json!({"year": r.year, "cells": cells, "total": (format!("{:.1}", r.total), heat(r.total))})
        })
        .collect()
}

fn identity(run: &RunData, journal: &str) -> Vec<(String, String)> {
    let s = &run.session;
    let mut rows = vec![
        ("journal".to_owned(), journal.to_owned()),
        ("head hash".to_owned(), run.head_hash.clone()),
        ("records".to_owned(), run.records.to_string()),
        ("engine".to_owned(), s.engine_version.clone()),
        ("seed".to_owned(), s.seed.to_string()),
        (
            "strategy".to_owned(),
            serde_json::to_string(&s.config.strategy).unwrap_or_default(),
        ),
        ("instruments".to_owned(), run.symbols.join(", ")),
        ("cash".to_owned(), number(s.config.cash)),
    ];
    for d in &s.data {
        rows.push((
            "data".to_owned(),
            format!(
                "{} ({} rows, {} bytes) sha256 {}",
                d.path, d.rows, d.bytes, d.sha256
            ),
        ));
    }
    for m in &run.models {
        let s = &m.swap;
        rows.push((
            format!("model slot {}", s.slot),
            format!(
                "v{} {} sha256 {} (seq {})",
                s.version,
                s.backend,
                hex::encode(s.sha256),
                m.seq
            ),
        ));
    }
    rows
}

fn trade_rows(run: &RunData) -> Vec<Vec<String>> {
    let symbols = &run.symbols;
    run.trades
        .iter()
        .take(MAX_TRADE_ROWS)
        .enumerate()
        .map(|(i, t)| {
            let ret = t.return_ratio() * 100.0;
            vec![
                (i + 1).to_string(),
                symbols
                    .get(t.instrument as usize)
                    .cloned()
                    .unwrap_or_else(|| t.instrument.to_string()),
                number(t.size),
                time(t.entry_time_ns),
                number(t.entry_price),
                time(t.exit_time_ns),
                number(t.exit_price),
                format!("{:.2}", t.pnl),
                format!("{ret:.2}"),
                format!("{:.2}", t.commission),
            ]
        })
        .collect()
}
