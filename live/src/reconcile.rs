//! Reconciliation at a live session's start: the venue's balances and
//! open orders against the journal's state, every difference named.

use axon_adapters::exchange::client_id::parse_client_order_id;
use axon_adapters::exchange::venue::{Balance, VenueOrder};
use axon_engine::event::{Reconcile, VenueOpenOrder};
use axon_engine::market::Side;

use crate::orders::Tracker;

/// The base asset of a symbol: OKX writes `BTC-USDT`; for Binance's
/// `BTCUSDT` the longest known asset that begins it.
fn base_asset(symbol: &str, assets: &[&str]) -> Option<String> {
    if let Some((base, _)) = symbol.split_once('-') {
        return Some(base.to_string());
    }
    assets
        .iter()
        .filter(|a| symbol.len() > a.len() && symbol.starts_with(**a))
        .max_by_key(|a| a.len())
        .map(|a| a.to_string())
}

/// What the journal says of the session, to compare the venue with.
#[derive(Debug)]
pub struct Journaled<'a> {
    /// The session's order-id tag.
    pub tag: &'a str,
    /// The orders the journal holds.
    pub tracker: &'a Tracker,
    /// The engine's position per instrument.
    pub positions: &'a [f64],
    /// The reconciliation journaled when the session first started.
    pub first: Option<&'a Reconcile>,
}

/// The venue's balances and open orders against the journal's state.
/// A new journal holds no position and no order, so whatever the venue
/// holds of the traded symbols is reported. A resumed one is compared: each
/// open order must be one the journal holds as working, and each base
/// asset's balance must have moved since the session's first start by the
/// journal's position.
pub fn reconcile(
    venue: &str,
    symbols: &[String],
    journaled: &Journaled<'_>,
    balances: Vec<Balance>,
    open: Vec<VenueOrder>,
) -> Reconcile {
    let now: Vec<(String, f64, f64)> = balances
        .iter()
        .map(|b| (b.asset.clone(), b.free, b.locked))
        .collect();
    let mut differences = order_differences(venue, journaled, &open);
    differences.extend(balance_differences(venue, symbols, journaled, &now));
    Reconcile {
        venue: venue.to_string(),
        balances: now,
        open_orders: open
            .iter()
            .map(|o| VenueOpenOrder {
                symbol: o.symbol.clone(),
                client_order_id: o.client_order_id.clone(),
                side: if o.buy { Side::Buy } else { Side::Sell },
                price: o.price,
                quantity: o.quantity,
                executed: o.executed,
            })
            .collect(),
        differences,
    }
}

/// Open orders at the venue that the journal holds as done, or never sent.
fn order_differences(venue: &str, j: &Journaled<'_>, open: &[VenueOrder]) -> Vec<String> {
    let mut differences = Vec::new();
    for o in open {
        let what = format!(
            "{} ({} {} {} @ {}, {} executed)",
            o.client_order_id,
            if o.buy { "buy" } else { "sell" },
            o.quantity,
            o.symbol,
            o.price,
            o.executed
        );
        match parse_client_order_id(j.tag, &o.client_order_id) {
            Some(id) if j.tracker.get(id).is_some_and(|t| !t.done) => {}
            Some(_) => differences.push(format!(
                "{venue} still has order {what} open; the journal holds it as done"
            )),
            None => differences.push(format!(
                "{venue} has open order {what} that this journal did not send"
            )),
        }
    }
    differences
}

/// Base-asset balances that do not match the journal's positions: any
/// holding for a new journal, a move other than the position for a
/// resumed one.
fn balance_differences(
    venue: &str,
    symbols: &[String],
    j: &Journaled<'_>,
    now: &[(String, f64, f64)],
) -> Vec<String> {
    let total = |list: &[(String, f64, f64)], asset: &str| {
        list.iter()
            .filter(|(a, ..)| a == asset)
            .map(|(_, f, l)| f + l)
            .sum::<f64>()
    };
    let mut assets: Vec<&str> = now.iter().map(|(a, ..)| a.as_str()).collect();
    if let Some(f) = j.first {
        assets.extend(f.balances.iter().map(|(a, ..)| a.as_str()));
    }
    let mut differences = Vec::new();
    for (i, symbol) in symbols.iter().enumerate() {
        let Some(asset) = base_asset(symbol, &assets) else {
            continue;
        };
        let held = total(now, &asset);
        let position = j.positions.get(i).copied().unwrap_or(0.0);
        match j.first {
            None if held != 0.0 => differences.push(format!(
                "{venue} holds {held} {asset}; the engine starts flat"
            )),
            None => {}
            Some(f) => {
                let moved = held - total(&f.balances, &asset);
                if (moved - position).abs() > 1e-9 * position.abs().max(1.0) {
                    differences.push(format!(
                        "{asset}: the venue's balance moved by {moved} since the session started; the journal's position is {position}"
                    ));
                }
            }
        }
    }
    differences
}
