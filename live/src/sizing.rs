//! The basis of a live session's `all_in` and `fraction` sizing. An order
//! to a venue needs its quantity when it is sent, so the engine sizes a
//! relative entry when it creates it (see `axon_engine::sizing`) from a
//! journaled `SizingBasis` per instrument: the venue's quantity step for
//! market orders, the configured commission as headroom, and outside paper
//! mode the venue's free quote balance, which the engine then moves by
//! the session's own fills. Replay reads the same inputs and never the
//! venue, so it computes the very quantities the session sent.

use axon_adapters::exchange::venue::Balance;
use axon_engine::Input;
use axon_engine::config::Sizing;
use axon_engine::event::SizingBasis;

use axon_adapters::Venue;
use axon_config::LivePlan;

use crate::error::LiveError;

/// The inputs to journal before the first tick: one basis per instrument
/// when the session or its strategy sizes relatively (none otherwise). `balances`
/// are the venue's (testnet, production); `None` in paper mode, where the
/// simulated account is the balance.
pub fn basis(
    plan: &LivePlan,
    venue: &dyn Venue,
    balances: Option<&[Balance]>,
) -> Result<Vec<Input>, LiveError> {
    let engine = &plan.session.engine;
    if matches!(engine.sizing, Sizing::Fixed(_)) && !engine.strategy.sizes_in_fractions() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (id, symbol) in plan.exchange.symbols.iter().enumerate() {
        let info = venue.symbol_info(symbol)?;
        let quote = balances.map(|b| {
            let free = b
                .iter()
                .find(|x| x.asset == info.quote)
                .map_or(0.0, |x| x.free);
            (info.quote.clone(), free)
        });
        let basis = SizingBasis {
            instrument: id as u32,
            // Decimal text parses to the nearest double.
            step: (info.filters.quantity_step(true).normalize().to_string())
                .parse()
                .unwrap_or(0.0),
            fee_rate: plan.session.sim.commission_bps / 10_000.0,
            quote,
        };
        tracing::info!(
            symbol,
            step = basis.step,
            fee_rate = basis.fee_rate,
            quote = ?basis.quote,
            "sizing entries from"
        );
        out.push(Input::SizingBasis(basis));
    }
    Ok(out)
}
