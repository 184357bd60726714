//! A strategy of one's own through `SessionPlan::strategies`: the backtest
//! driver builds it, its journal replays bit for bit with the same factory,
//! and a replay with another strategy (the built-in) reports the first
//! differing output instead of hiding it.

use std::sync::Arc;

use axon_adapters::sim::FillModel;
use axon_data::write_bars;
use axon_engine::EngineConfig;
use axon_engine::config::Sizing;
use axon_engine::event::Quantity;
use axon_engine::market::Side;
use axon_engine::strategy::{Context, MarketEvent, OrderRequest, Strategy, StrategyFactory};
use axon_replay::{run_backtest, verify_replay, verify_replay_with};

mod common;
use common::{bars, plan};

/// Buys 3 units every 10th event of an instrument while flat, sells them
/// 5 events later.
#[derive(Debug, Default)]
struct Clockwork;

impl Strategy for Clockwork {
    fn on_market(&mut self, ctx: &mut Context<'_>, e: &MarketEvent) {
        let position = ctx.position(e.instrument);
        let side = match e.index % 10 {
            0 if position == 0.0 => Side::Buy,
            5 if position > 0.0 => Side::Sell,
            _ => return,
        };
        let order = OrderRequest::market(e.instrument, side, Quantity::Units(3.0), e.price);
        ctx.submit(order).expect("the checks pass a 3-unit order");
    }
}

#[derive(Debug)]
struct Factory;

impl StrategyFactory for Factory {
    fn build(&self, _: &EngineConfig) -> Result<Box<dyn Strategy>, String> {
        Ok(Box::new(Clockwork))
    }
}

#[test]
fn a_custom_strategy_backtests_and_replays_with_its_factory_only() {
    let dir = tempfile::tempdir().unwrap();
    let steps: Vec<i16> = (0..200).map(|i| (i * 37 % 61) as i16 - 30).collect();
    let (batch, symbols) = bars(&steps);
    let data = dir.path().join("bars.parquet");
    write_bars(&data, &batch, &symbols).unwrap();
    let journal = dir.path().join("run");
    let mut p = plan(&data, &journal, 3, 8, Sizing::AllIn, FillModel::NextOpen);
    p.session.strategies = Arc::new(Factory);
    let report = run_backtest(&p, &mut |_, _| {}).unwrap();
    // 100 events per instrument: a round trip every 10, on both.
    assert_eq!(report.summary.trades, 20);
    assert!(report.trades.iter().all(|t| t.size == 3.0));

    let same = verify_replay_with(&journal, &Factory, &mut |_, _| {}).unwrap();
    assert!(same.mismatch.is_none(), "{:?}", same.mismatch);
    let other = verify_replay(&journal, &mut |_, _| {}).unwrap();
    let m = other
        .mismatch
        .expect("the built-in strategy decides otherwise");
    assert!(m.seq > 0);
}

/// Trades on coin flips drawn from the context's generator.
#[derive(Debug, Default)]
struct Coin;

impl Strategy for Coin {
    fn on_market(&mut self, ctx: &mut Context<'_>, e: &MarketEvent) {
        let flip = ctx.rng().next_u32() % 4;
        let position = ctx.position(e.instrument);
        let side = match flip {
            0 if position == 0.0 => Side::Buy,
            1 if position > 0.0 => Side::Sell,
            _ => return,
        };
        let order = OrderRequest::market(e.instrument, side, Quantity::Units(2.0), e.price);
        ctx.submit(order).expect("the checks pass a 2-unit order");
    }
}

#[derive(Debug)]
struct Coins;

impl StrategyFactory for Coins {
    fn build(&self, _: &EngineConfig) -> Result<Box<dyn Strategy>, String> {
        Ok(Box::new(Coin))
    }
}

/// The generator is seeded from the session's seed: the same seed replays
/// bit for bit, another seed trades otherwise.
#[test]
fn a_strategys_random_numbers_come_from_the_session_seed() {
    let dir = tempfile::tempdir().unwrap();
    let steps: Vec<i16> = (0..200).map(|i| (i * 37 % 61) as i16 - 30).collect();
    let (batch, symbols) = bars(&steps);
    let data = dir.path().join("bars.parquet");
    write_bars(&data, &batch, &symbols).unwrap();
    let run = |seed: u64, name: &str| {
        let journal = dir.path().join(name);
        let mut p = plan(&data, &journal, 3, 8, Sizing::AllIn, FillModel::NextOpen);
        p.session.strategies = Arc::new(Coins);
        p.session.seed = seed;
        let report = run_backtest(&p, &mut |_, _| {}).unwrap();
        let replay = verify_replay_with(&journal, &Coins, &mut |_, _| {}).unwrap();
        assert!(replay.mismatch.is_none(), "{:?}", replay.mismatch);
        report
    };
    let (a, again, b) = (run(1, "a"), run(1, "again"), run(2, "b"));
    assert!(a.summary.trades > 5);
    let entries = |r: &axon_replay::BacktestReport| -> Vec<u64> {
        r.trades.iter().map(|t| t.entry_bar).collect()
    };
    assert_eq!(entries(&a), entries(&again));
    assert_ne!(entries(&a), entries(&b));
}
