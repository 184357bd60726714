//! A strategy of your own, in Rust, through the `Strategy` port: it calls
//! the session's model slots through the engine, journals its decisions
//! (so `axon audit` can explain them), and trades breakouts with a
//! stop-loss and a take-profit attached. A `StrategyFactory` hands it to the
//! backtest driver, and the replay uses the same factory: the journal
//! replays bit for bit with it, and is reported as diverging with the
//! built-in strategy instead.
//!
//! `cargo run --example custom_strategy`

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use axon_config::Config;
use axon_data::import_csv;
use axon_engine::EngineConfig;
use axon_engine::ensemble::Evaluation;
use axon_engine::event::{Action, Decision, Output, Quantity};
use axon_engine::market::Side;
use axon_engine::model::ModelInput;
use axon_engine::strategy::{Context, MarketEvent, OrderRequest, Strategy, StrategyFactory};
use axon_replay::{run_backtest, verify_replay, verify_replay_with};

/// Buys a close above the highest high of the last `n` bars, but only when
/// the model slots vote Buy; exits by its stop-loss or take-profit.
#[derive(Debug)]
struct FilteredBreakout {
    n: usize,
    highs: VecDeque<f64>,
    eval: Evaluation,
}

impl FilteredBreakout {
    fn new(n: usize) -> Self {
        Self {
            n,
            highs: VecDeque::new(),
            eval: Evaluation {
                models: Vec::new(),
                score: 0.0,
                action: Action::Hold,
            },
        }
    }
}

impl Strategy for FilteredBreakout {
    fn on_market(&mut self, ctx: &mut Context<'_>, e: &MarketEvent) {
        let breakout = self.highs.len() == self.n
            && e.price > self.highs.iter().copied().fold(f64::MIN, f64::max);
        self.highs.push_back(e.high);
        if self.highs.len() > self.n {
            self.highs.pop_front();
        }
        // The models run through the engine, on every bar (a rule's state
        // needs every price), whatever the strategy then does.
        let input = ModelInput {
            instrument: e.instrument,
            time_ns: e.time_ns,
            price: e.price,
        };
        ctx.models().predict(&input, &mut self.eval);
        if !breakout || ctx.position(e.instrument) != 0.0 || ctx.open_orders().next().is_some() {
            return;
        }
        // Journal what the models said at the breakout, traded or not.
        ctx.models().annotate(&mut self.eval);
        let weights = ctx.models().weights().to_vec();
        ctx.record(Output::Decision(Decision {
            instrument: e.instrument,
            bar_index: e.index,
            price: e.price,
            models: self.eval.models.clone(),
            weights,
            score: self.eval.score,
            action: self.eval.action,
        }));
        if self.eval.action == Action::Buy {
            let order = OrderRequest::market(
                e.instrument,
                Side::Buy,
                Quantity::EquityFraction(0.5),
                e.price,
            )
            .with_stop_loss(e.price * 0.95)
            .with_take_profit(e.price * 1.10);
            // A refusal is journaled; nothing else to do here.
            let _ = ctx.submit(order);
        }
    }
}

/// Builds the strategy for every session (and for its replay).
#[derive(Debug)]
struct Mine;

impl StrategyFactory for Mine {
    fn build(
        &self,
        _config: &EngineConfig,
    ) -> Result<Box<dyn axon_engine::strategy::Strategy>, String> {
        Ok(Box::new(FilteredBreakout::new(20)))
    }
}

/// 1500 daily bars of a trending random walk (xorshift, seed 9).
fn bars(dir: &Path) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    let mut state = 9u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut csv = String::from("Date,Open,High,Low,Close,Volume\n");
    let mut close = 100.0_f64;
    let start = chrono::NaiveDate::from_ymd_opt(2016, 1, 1).ok_or("a valid date")?;
    for day in start.iter_days().take(1500) {
        let open = close;
        close = open * (1.0 + (uniform() - 0.47) * 0.03);
        let high = open.max(close) * (1.0 + uniform() * 0.01);
        let low = open.min(close) * (1.0 - uniform() * 0.01);
        writeln!(csv, "{day},{open:.4},{high:.4},{low:.4},{close:.4},1000")?;
    }
    let csv_path = dir.join("bars.csv");
    std::fs::write(&csv_path, csv)?;
    let out = dir.join("bars.parquet");
    import_csv(&csv_path, &out, "WALK")?;
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let data = bars(dir.path())?;
    let journal = dir.path().join("journal");
    // The `[strategy]` section still sets slot 0 (here the SMA rule the
    // strategy consults) and the statistics' warm-up.
    let text = format!(
        "[session]\ncash = 100000.0\n\n[data]\npath = {data:?}\n\n[strategy]\nkind = \"sma_cross\"\n\
         fast = 10\nslow = 30\n\n[execution]\nfill = \"next_open\"\nsizing = \"all_in\"\n\
         commission_bps = 2.0\n\n[journal]\npath = {journal:?}\ndurability = \"none\"\n"
    );
    let mut plan = Config::parse(text, &dir.path().join("custom.toml"))?.backtest_plan()?;
    plan.session.strategies = Arc::new(Mine);
    let report = run_backtest(&plan, &mut |_, _| {})?;
    let s = &report.summary;
    println!(
        "filtered breakout: {} trades, return {:.2} %, win rate {:.1} %, max drawdown {:.2} %",
        s.trades, s.return_pct, s.win_rate_pct, s.max_drawdown_pct
    );
    let mine = verify_replay_with(&journal, &Mine, &mut |_, _| {})?;
    println!(
        "replay with the same strategy: {}",
        match &mine.mismatch {
            None => "verified, bit for bit".to_string(),
            Some(m) => format!("DIVERGED at record {}", m.seq),
        }
    );
    let builtin = verify_replay(&journal, &mut |_, _| {})?;
    println!(
        "replay with the built-in strategy instead: {}",
        match &builtin.mismatch {
            None => "no difference (unexpected)".to_string(),
            Some(m) => format!("diverges at record {}, as it should", m.seq),
        }
    );
    Ok(())
}
