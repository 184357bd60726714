//! [`PythonStrategy`]: the engine's side of a Python strategy. On every
//! market event it sends the host the bar, the account (equity, positions)
//! and what happened to the strategy's orders since (fills, orders gone),
//! and applies the orders `next()` placed, each through the desk's checks
//! and into the journal like any strategy's.

use std::collections::HashMap;

use axon_engine::event::{Action as Vote, Decision, Fill, OrderType, Output, Quantity};
use axon_engine::market::{InstrumentId, Side};
use axon_engine::strategy::{Context, LegKind, MarketEvent, OrderRequest, Strategy};
use serde::{Deserialize, Serialize};

use crate::host::{Host, HostError};

/// A Python strategy running in its host.
#[derive(Debug)]
pub struct PythonStrategy {
    host: Host,
    /// How messages name the strategy's folder.
    folder: String,
    /// Instruments declared and not yet told to the host.
    new_symbols: Vec<(InstrumentId, String)>,
    symbols: usize,
    /// Working orders: the desk's client id for each host order id.
    orders: HashMap<u64, u64>,
    /// Host order ids by client id (fills name client ids).
    by_client: HashMap<u64, u64>,
    /// Fills since the last event: (host order id or -1, instrument,
    /// signed units, price, commission).
    fills: Vec<(i64, InstrumentId, f64, f64, f64)>,
    /// Host orders that finished (filled, cancelled, refused) since.
    done: Vec<u64>,
    seeded: bool,
    fault: Option<String>,
}

#[derive(Serialize)]
struct BarMessage<'a> {
    t: &'static str,
    i: InstrumentId,
    ts: i64,
    o: f64,
    h: f64,
    l: f64,
    c: f64,
    v: Option<f64>,
    eq: f64,
    pos: &'a [f64],
    fills: &'a [(i64, InstrumentId, f64, f64, f64)],
    done: &'a [u64],
    new: &'a [(InstrumentId, String)],
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
}

#[derive(Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
enum Reply {
    Ok {
        acts: Vec<Action>,
    },
    Error(HostError),
    /// `self.model("slotN").predict(x)` during `next()`: answered before
    /// the host goes on.
    Predict {
        slot: usize,
        x: Vec<f32>,
    },
}

/// What `next()` asked for, in order.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Action {
    /// `buy`/`sell`: `size` signed; below 1 in magnitude a fraction of
    /// equity, else units.
    Order {
        id: u64,
        i: InstrumentId,
        size: f64,
        limit: Option<f64>,
        stop: Option<f64>,
        sl: Option<f64>,
        tp: Option<f64>,
    },
    /// `order.cancel()`.
    Cancel { id: u64 },
    /// `position.close(portion)`, `trade.close(portion)`: `units` of the
    /// position (all of it when absent) with a reduce-only market order.
    Reduce {
        id: u64,
        i: InstrumentId,
        units: Option<f64>,
    },
    /// `trade.sl = price` / `trade.tp = price`: moves the instrument's
    /// working stop-losses (take-profits), or places one for the position.
    Sl {
        id: u64,
        i: InstrumentId,
        price: f64,
    },
    Tp {
        id: u64,
        i: InstrumentId,
        price: f64,
    },
}

impl PythonStrategy {
    /// The engine's side of a strategy `host` has loaded; `folder` is how
    /// messages name the strategy's folder.
    pub fn new(host: Host, folder: String) -> Self {
        Self {
            host,
            folder,
            new_symbols: Vec::new(),
            symbols: 0,
            orders: HashMap::new(),
            by_client: HashMap::new(),
            fills: Vec::new(),
            done: Vec::new(),
            seeded: false,
            fault: None,
        }
    }

    fn fail(&mut self, place: String, message: String) {
        self.fault = Some(format!("{place}: {message}"));
    }

    fn placed(&mut self, id: u64, result: Result<u64, axon_engine::strategy::OrderError>) {
        match result {
            Ok(client_id) => {
                self.orders.insert(id, client_id);
                self.by_client.insert(client_id, id);
            }
            // Refused (and journaled) by the checks: gone at once.
            Err(_) => self.done.push(id),
        }
    }

    fn apply(&mut self, ctx: &mut Context<'_>, action: Action) {
        match action {
            Action::Order {
                id,
                i,
                size,
                limit,
                stop,
                sl,
                tp,
            } => {
                let side = if size > 0.0 { Side::Buy } else { Side::Sell };
                let magnitude = size.abs();
                let quantity = if magnitude < 1.0 {
                    let price = stop.or(limit).unwrap_or_else(|| ctx.portfolio().mark(i));
                    ctx.equity_fraction(i, magnitude, price)
                } else {
                    Quantity::Units(magnitude)
                };
                let mut request = match (limit, stop) {
                    (Some(limit), Some(stop)) => {
                        OrderRequest::stop_limit(i, side, quantity, stop, limit)
                    }
                    (Some(limit), None) => OrderRequest::limit(i, side, quantity, limit),
                    (None, Some(stop)) => OrderRequest::stop(i, side, quantity, stop),
                    (None, None) => {
                        OrderRequest::market(i, side, quantity, ctx.portfolio().mark(i))
                    }
                };
                if let Some(sl) = sl {
                    request = request.with_stop_loss(sl);
                }
                if let Some(tp) = tp {
                    request = request.with_take_profit(tp);
                }
                let result = ctx.submit(request);
                self.placed(id, result);
            }
            Action::Cancel { id } => {
                if let Some(&client_id) = self.orders.get(&id) {
                    let _ = ctx.cancel(client_id);
                }
            }
            Action::Reduce { id, i, units } => {
                let result = ctx.reduce_position(i, units.unwrap_or(f64::INFINITY));
                self.placed(id, result);
            }
            Action::Sl { id, i, price } => self.move_leg(ctx, id, i, LegKind::StopLoss, price),
            Action::Tp { id, i, price } => self.move_leg(ctx, id, i, LegKind::TakeProfit, price),
        }
    }

    /// Moves the instrument's working legs of `kind` to `price`; with none,
    /// places one for the whole position (reduce-only).
    fn move_leg(
        &mut self,
        ctx: &mut Context<'_>,
        id: u64,
        i: InstrumentId,
        kind: LegKind,
        price: f64,
    ) {
        let order_type = match kind {
            LegKind::StopLoss => OrderType::Stop(price),
            LegKind::TakeProfit => OrderType::Limit(price),
        };
        let moved = match kind {
            LegKind::StopLoss => ctx.set_stop_loss(i, price),
            LegKind::TakeProfit => ctx.set_take_profit(i, price),
        };
        match moved {
            Ok(0) => {
                let position = ctx.position(i);
                if position != 0.0 && position.is_finite() {
                    let result = ctx.submit(OrderRequest::close(i, position, order_type, price));
                    self.placed(id, result);
                    return;
                }
                self.done.push(id);
            }
            _ => self.done.push(id),
        }
    }
}

impl Strategy for PythonStrategy {
    fn on_instrument(&mut self, id: InstrumentId, symbol: &str) {
        self.new_symbols.push((id, symbol.to_owned()));
        self.symbols = self.symbols.max(id as usize + 1);
    }

    fn on_market(&mut self, ctx: &mut Context<'_>, e: &MarketEvent) {
        if self.fault.is_some() {
            return;
        }
        // Orders the desk no longer works (filled in full, cancelled,
        // refused by the venue) are gone for the strategy too.
        let gone: Vec<u64> = self
            .orders
            .iter()
            .filter(|(_, c)| ctx.order(**c).is_none())
            .map(|(&id, _)| id)
            .collect();
        for id in gone {
            if let Some(client_id) = self.orders.remove(&id) {
                self.by_client.remove(&client_id);
            }
            self.done.push(id);
        }
        self.done.sort_unstable();
        let positions: Vec<f64> = (0..self.symbols)
            .map(|i| ctx.position(i as InstrumentId))
            .collect();
        // The host's generators are seeded from the session's (drawn once,
        // at the first event, so replays draw the same).
        let seed = (!self.seeded).then(|| ctx.rng().next_u64());
        self.seeded = true;
        let message = BarMessage {
            t: "bar",
            i: e.instrument,
            ts: e.time_ns,
            o: e.open,
            h: e.high,
            l: e.low,
            c: e.price,
            v: e.volume.is_finite().then_some(e.volume),
            eq: ctx.portfolio().equity(),
            pos: &positions,
            fills: &self.fills,
            done: &self.done,
            new: &self.new_symbols,
            seed,
        };
        let mut reply: Result<Reply, _> = self.host.request(&message);
        self.fills.clear();
        self.done.clear();
        self.new_symbols.clear();
        while let Ok(Reply::Predict { slot, x }) = reply {
            let answer = predict(ctx, e, slot, &x);
            reply = self.host.request(&answer);
        }
        match reply {
            Ok(Reply::Ok { acts }) => {
                for action in acts {
                    self.apply(ctx, action);
                }
            }
            Ok(Reply::Error(e)) => {
                let (place, message) = e.describe(&self.folder);
                self.fail(place, message);
            }
            Ok(Reply::Predict { .. }) => unreachable!("answered above"),
            Err(e) => self.fail("the strategy".into(), e.to_string()),
        }
    }

    fn on_fill(&mut self, _ctx: &mut Context<'_>, fill: &Fill) {
        let id = self
            .by_client
            .get(&fill.client_id)
            .map_or(-1, |&id| id as i64);
        let units = fill.quantity * fill.side.sign();
        self.fills
            .push((id, fill.instrument, units, fill.price, fill.commission));
    }

    fn fault(&self) -> Option<&str> {
        self.fault.as_deref()
    }
}

/// Runs a model slot on the strategy's input and journals the call as a
/// decision (its output, the input and its digest), which `axon audit`
/// explains like any other; the host gets the output, or why there is none.
fn predict(ctx: &mut Context<'_>, e: &MarketEvent, slot: usize, x: &[f32]) -> serde_json::Value {
    match ctx.models().evaluate_input(slot, x) {
        Ok(output) => {
            let raw = output.raw;
            let score = raw[0] - raw[1];
            let threshold = ctx.config().ensemble.threshold;
            let action = if score > threshold {
                Vote::Buy
            } else if score < -threshold {
                Vote::Sell
            } else {
                Vote::Hold
            };
            // The strategy's decision rests on this model alone.
            let mut weights = vec![0.0; ctx.models().len()];
            weights[slot] = 1.0;
            ctx.record(Output::Decision(Decision {
                instrument: e.instrument,
                bar_index: e.index,
                price: e.price,
                models: vec![output],
                weights,
                score,
                action,
            }));
            serde_json::json!({"t": "prediction", "y": raw})
        }
        Err(reason) => {
            serde_json::json!({"t": "refused", "message": format!("slot {slot}: {reason}")})
        }
    }
}
