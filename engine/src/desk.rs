//! The order desk: the engine's working orders, their client ids, the
//! checks every order passes (its prices and quantity, then the risk
//! limits), the contingent orders attached to entries, and the live sizing
//! of relative entries. Strategies reach it through
//! [`crate::strategy::Context`].
//!
//! ## Brackets
//!
//! An entry may carry a stop-loss and a take-profit ([`OrderRequest::with_stop_loss`],
//! [`OrderRequest::with_take_profit`]); an [`Output::Bracket`] record
//! journals them after the entry's intent. Each fill of the entry makes
//! them orders of their own for the filled quantity, reduce-only, on the
//! other side: the stop-loss a stop order, the take-profit a limit order,
//! submitted in that order through the same checks as any order. The two
//! are one-cancels-other: the first fill of either cancels its sibling. A
//! leg whose side no longer reduces the position (the position went flat or
//! turned, by any fill) is cancelled, as a broker drops the stop-loss of a
//! closed trade. A cancel of the entry drops what it had not yet placed.
//!
//! ## Cancels and replacements
//!
//! A cancel journals a `CancelRequest`; the order stays working (and counts
//! for the risk limits) until the venue confirms (`CancelAck`), rejects it
//! or fills it, but strategies no longer see it among their open orders.
//! A replacement ([`Desk::modify`]) submits the new order first and
//! cancels the old one only when the new one passed the checks, so a
//! refused change leaves the old order working; a bracket leg keeps its
//! sibling, an entry its bracket.

use std::collections::BTreeMap;

use crate::event::{
    Bracket, CancelRequest, Fill, OrderIntent, OrderSubmitted, OrderType, Output, Quantity,
    RiskReason, RiskReject,
};
use crate::market::{InstrumentId, Side};
use crate::portfolio::Portfolio;
use crate::risk::{Risk, RiskBook};
use crate::sizing::LiveSizing;

/// An order the engine submitted and the venue has not finished.
#[derive(Debug, Clone)]
pub(crate) struct OpenOrder {
    pub(crate) intent: OrderIntent,
    pub(crate) filled: f64,
    /// A cancel was requested; the venue has not confirmed it.
    pub(crate) cancelling: bool,
}

/// An order a strategy wants, before it has a client id.
///
/// ```
/// use axon_engine::OrderRequest;
/// use axon_engine::event::Quantity;
/// use axon_engine::market::Side;
///
/// // Buy 10 units if the price reaches 105, protected by a stop-loss at 98
/// // and a take-profit at 120 once filled.
/// let entry = OrderRequest::stop(0, Side::Buy, Quantity::Units(10.0), 105.0)
///     .with_stop_loss(98.0)
///     .with_take_profit(120.0);
/// assert!(!entry.reduce_only);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderRequest {
    /// Instrument.
    pub instrument: InstrumentId,
    /// Side.
    pub side: Side,
    /// Size.
    pub quantity: Quantity,
    /// Type.
    pub order_type: OrderType,
    /// The price the risk checks value it at (the decision's price; for
    /// the constructors of priced orders, the limit or stop).
    pub reference_price: f64,
    /// Whether it may only shrink a position.
    pub reduce_only: bool,
    /// A stop-loss to place when this order fills (see the module docs).
    pub stop_loss: Option<f64>,
    /// A take-profit to place when this order fills.
    pub take_profit: Option<f64>,
}

impl OrderRequest {
    /// A market order, valued by the risk checks at `reference_price`.
    pub fn market(
        instrument: InstrumentId,
        side: Side,
        quantity: Quantity,
        reference_price: f64,
    ) -> Self {
        Self {
            instrument,
            side,
            quantity,
            order_type: OrderType::Market,
            reference_price,
            reduce_only: false,
            stop_loss: None,
            take_profit: None,
        }
    }

    /// A limit order: a buy fills at `price` or below, a sell at or above.
    pub fn limit(instrument: InstrumentId, side: Side, quantity: Quantity, price: f64) -> Self {
        Self {
            order_type: OrderType::Limit(price),
            ..Self::market(instrument, side, quantity, price)
        }
    }

    /// A stop order: a market order once the price reaches `stop` (a buy:
    /// at or above it; a sell: at or below).
    pub fn stop(instrument: InstrumentId, side: Side, quantity: Quantity, stop: f64) -> Self {
        Self {
            order_type: OrderType::Stop(stop),
            ..Self::market(instrument, side, quantity, stop)
        }
    }

    /// A stop-limit order: a limit order at `limit` once the price reaches
    /// `stop`.
    pub fn stop_limit(
        instrument: InstrumentId,
        side: Side,
        quantity: Quantity,
        stop: f64,
        limit: f64,
    ) -> Self {
        Self {
            order_type: OrderType::StopLimit { stop, limit },
            ..Self::market(instrument, side, quantity, limit)
        }
    }

    /// A reduce-only order that closes `position` (non-zero) in full.
    pub fn close(
        instrument: InstrumentId,
        position: f64,
        order_type: OrderType,
        reference_price: f64,
    ) -> Self {
        let side = if position > 0.0 {
            Side::Sell
        } else {
            Side::Buy
        };
        Self {
            order_type,
            reduce_only: true,
            ..Self::market(
                instrument,
                side,
                Quantity::Units(position.abs()),
                reference_price,
            )
        }
    }

    /// The same order, with a stop-loss at `price` placed when it fills.
    pub fn with_stop_loss(self, price: f64) -> Self {
        Self {
            stop_loss: Some(price),
            ..self
        }
    }

    /// The same order, with a take-profit at `price` placed when it fills.
    pub fn with_take_profit(self, price: f64) -> Self {
        Self {
            take_profit: Some(price),
            ..self
        }
    }

    /// The same order, reduce-only.
    pub fn reduce_only(self) -> Self {
        Self {
            reduce_only: true,
            ..self
        }
    }

    fn into_intent(self, client_id: u64) -> OrderIntent {
        OrderIntent {
            client_id,
            instrument: self.instrument,
            side: self.side,
            quantity: self.quantity,
            order_type: self.order_type,
            reference_price: self.reference_price,
            reduce_only: self.reduce_only,
        }
    }

    fn bracket(&self, entry: u64) -> Option<Bracket> {
        (self.stop_loss.is_some() || self.take_profit.is_some()).then_some(Bracket {
            entry,
            stop_loss: self.stop_loss,
            take_profit: self.take_profit,
        })
    }

    /// Checks what no risk limit configures: finite, positive prices and
    /// quantities, and a bracket on the right sides of the entry.
    fn check(&self, client_id: u64) -> Result<(), RiskReject> {
        let reject = |reason, value, limit| RiskReject {
            client_id,
            reason,
            value,
            limit,
        };
        let valid = |p: f64| p.is_finite() && p > 0.0;
        if let Some(p) = self.order_type.prices().find(|p| !valid(*p)) {
            return Err(reject(RiskReason::InvalidPrice, p, 0.0));
        }
        match self.quantity {
            Quantity::Units(u) if !valid(u) => {
                return Err(reject(RiskReason::InvalidQuantity, u, 0.0));
            }
            Quantity::EquityFraction(f) if !(valid(f) && f <= 1.0) => {
                return Err(reject(RiskReason::InvalidQuantity, f, 1.0));
            }
            _ => {}
        }
        if self.stop_loss.is_none() && self.take_profit.is_none() {
            return Ok(());
        }
        let entry = self.order_type.price().unwrap_or(self.reference_price);
        for p in [self.stop_loss, self.take_profit, Some(entry)]
            .into_iter()
            .flatten()
        {
            if !valid(p) {
                return Err(reject(RiskReason::InvalidPrice, p, 0.0));
            }
        }
        // A buy's stop-loss below the entry and take-profit above it; a
        // sell's the other way round.
        let below = |p: f64| (p - entry) * self.side.sign() < 0.0;
        if let Some(sl) = self.stop_loss.filter(|p| !below(*p)) {
            return Err(reject(RiskReason::BracketSide, sl, entry));
        }
        if let Some(tp) = self.take_profit.filter(|p| below(*p) || *p == entry) {
            return Err(reject(RiskReason::BracketSide, tp, entry));
        }
        Ok(())
    }
}

/// Why an order operation of a strategy did nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderError {
    /// The checks refused the order (the intent and the rejection are
    /// journaled).
    #[error("order {} refused: {:?} (value {}, limit {})", .0.client_id, .0.reason, .0.value, .0.limit)]
    Rejected(RiskReject),
    /// No working order has this client id (it finished, or a cancel was
    /// already requested). Nothing is journaled.
    #[error("order {0} is not working")]
    NotWorking(u64),
    /// There is no position to close in this instrument. Nothing is
    /// journaled.
    #[error("no position in instrument {0}")]
    NoPosition(InstrumentId),
    /// The strategy is warming up (a walk-forward segment before it
    /// trades): orders are refused. Nothing is journaled.
    #[error("the strategy is warming up: no orders yet")]
    Warming,
}

/// Which contingent order of an entry a leg is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegKind {
    /// The stop order that limits the loss.
    StopLoss,
    /// The limit order that takes the profit.
    TakeProfit,
}

/// A working stop-loss or take-profit, as a strategy sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BracketLeg {
    /// Its client order id.
    pub client_id: u64,
    /// The entry it protects.
    pub entry: u64,
    /// Stop-loss or take-profit.
    pub kind: LegKind,
    /// Instrument.
    pub instrument: InstrumentId,
    /// Side (the entry's opposite).
    pub side: Side,
    /// Its stop (stop-loss) or limit (take-profit) price.
    pub price: f64,
    /// Units not yet filled.
    pub remaining: f64,
}

/// A leg's links.
#[derive(Debug, Clone, Copy)]
struct Leg {
    entry: u64,
    kind: LegKind,
    /// The other leg of the pair, while it works.
    sibling: Option<u64>,
}

/// Working orders, client ids, risk, brackets and live sizing.
#[derive(Debug)]
pub(crate) struct Desk {
    pub(crate) orders: BTreeMap<u64, OpenOrder>,
    next_client_id: u64,
    pub(crate) risk: Risk,
    pub(crate) sizing: LiveSizing,
    /// Submitting the close-out of a margin call or the end of data, which
    /// even a halted kill switch lets through.
    pub(crate) forcing: bool,
    /// Working entries' brackets, placed when they fill.
    brackets: BTreeMap<u64, Bracket>,
    /// Working stop-losses and take-profits.
    legs: BTreeMap<u64, Leg>,
}

impl Desk {
    pub(crate) fn new(risk: Risk) -> Self {
        Self {
            orders: BTreeMap::new(),
            next_client_id: 1,
            risk,
            sizing: LiveSizing::default(),
            forcing: false,
            brackets: BTreeMap::new(),
            legs: BTreeMap::new(),
        }
    }

    /// Gives the order the next client id and journals the intent (and its
    /// bracket); the checks then either pass it (submitted, now working)
    /// or reject it. Returns the client id, or the rejection.
    pub(crate) fn submit(
        &mut self,
        time_ns: i64,
        request: OrderRequest,
        portfolio: &Portfolio,
        out: &mut Vec<Output>,
    ) -> Result<u64, RiskReject> {
        let intent = request.into_intent(self.next_client_id);
        self.next_client_id += 1;
        out.push(Output::OrderIntent(intent.clone()));
        let bracket = request.bracket(intent.client_id);
        if let Some(b) = bracket {
            out.push(Output::Bracket(b));
        }
        let book = RiskBook {
            equity: portfolio.equity(),
            projected_position: self.projected_position(request.instrument, portfolio),
            open_orders: self.orders.len(),
            mark: portfolio.mark(request.instrument),
            forced: self.forcing,
        };
        let verdict = request
            .check(intent.client_id)
            .and_then(|()| self.risk.check(time_ns, &intent, &book));
        match verdict {
            Ok(()) => {
                let id = intent.client_id;
                self.orders.insert(
                    id,
                    OpenOrder {
                        intent: intent.clone(),
                        filled: 0.0,
                        cancelling: false,
                    },
                );
                if let Some(b) = bracket {
                    self.brackets.insert(id, b);
                }
                out.push(Output::OrderSubmitted(OrderSubmitted { order: intent }));
                Ok(id)
            }
            Err(reject) => {
                out.push(Output::RiskReject(reject.clone()));
                Err(reject)
            }
        }
    }

    /// Position plus what open fixed-size orders would add.
    fn projected_position(&self, instrument: InstrumentId, portfolio: &Portfolio) -> f64 {
        let mut p = portfolio.position(instrument);
        for o in self
            .orders
            .values()
            .filter(|o| o.intent.instrument == instrument)
        {
            if let Quantity::Units(u) = o.intent.quantity {
                p += (u - o.filled) * o.intent.side.sign();
            }
        }
        p
    }

    /// A working order that no cancel has been requested for.
    pub(crate) fn working(&self, client_id: u64) -> Option<&OpenOrder> {
        self.orders.get(&client_id).filter(|o| !o.cancelling)
    }

    /// Requests the cancel of a working order. A cancelled bracket leg
    /// leaves its sibling working.
    pub(crate) fn cancel(
        &mut self,
        client_id: u64,
        out: &mut Vec<Output>,
    ) -> Result<(), OrderError> {
        let o = self
            .orders
            .get_mut(&client_id)
            .filter(|o| !o.cancelling)
            .ok_or(OrderError::NotWorking(client_id))?;
        o.cancelling = true;
        out.push(Output::CancelRequest(CancelRequest { client_id }));
        self.unlink(client_id);
        Ok(())
    }

    /// Requests the cancel of every working order of an instrument (its
    /// stop-losses and take-profits among them).
    pub(crate) fn cancel_instrument(&mut self, instrument: InstrumentId, out: &mut Vec<Output>) {
        let ids: Vec<u64> = self
            .orders
            .iter()
            .filter(|(_, o)| !o.cancelling && o.intent.instrument == instrument)
            .map(|(&id, _)| id)
            .collect();
        for id in ids {
            let _ = self.cancel(id, out);
        }
    }

    /// Requests the cancel of every working order and forgets every
    /// bracket (the end of trading).
    pub(crate) fn cancel_all(&mut self, out: &mut Vec<Output>) {
        for (&client_id, o) in self.orders.iter_mut().filter(|(_, o)| !o.cancelling) {
            o.cancelling = true;
            out.push(Output::CancelRequest(CancelRequest { client_id }));
        }
        self.brackets.clear();
        self.legs.clear();
    }

    /// Replaces a working order by one of `order_type` for what it has left
    /// to fill: the new order first, then, once it passed, the cancel of
    /// the old one. Returns the new order's client id.
    pub(crate) fn modify(
        &mut self,
        time_ns: i64,
        client_id: u64,
        order_type: OrderType,
        portfolio: &Portfolio,
        out: &mut Vec<Output>,
    ) -> Result<u64, OrderError> {
        let old = self
            .working(client_id)
            .ok_or(OrderError::NotWorking(client_id))?;
        let i = &old.intent;
        let quantity = match i.quantity {
            Quantity::Units(u) => Quantity::Units(u - old.filled),
            q => q,
        };
        let bracket = self.brackets.get(&client_id);
        let request = OrderRequest {
            instrument: i.instrument,
            side: i.side,
            quantity,
            order_type,
            reference_price: order_type.price().unwrap_or(i.reference_price),
            reduce_only: i.reduce_only,
            stop_loss: bracket.and_then(|b| b.stop_loss),
            take_profit: bracket.and_then(|b| b.take_profit),
        };
        let new_id = self
            .submit(time_ns, request, portfolio, out)
            .map_err(OrderError::Rejected)?;
        if let Some(leg) = self.legs.remove(&client_id) {
            self.legs.insert(new_id, leg);
            if let Some(s) = leg.sibling.and_then(|s| self.legs.get_mut(&s)) {
                s.sibling = Some(new_id);
            }
        }
        self.brackets.remove(&client_id);
        self.cancel(client_id, out)?;
        Ok(new_id)
    }

    /// The working stop-losses and take-profits of an instrument, oldest
    /// first.
    pub(crate) fn legs(&self, instrument: InstrumentId) -> impl Iterator<Item = BracketLeg> + '_ {
        self.legs.iter().filter_map(move |(&client_id, leg)| {
            let o = self.working(client_id)?;
            let i = &o.intent;
            let price = i.order_type.price()?;
            let remaining = match i.quantity {
                Quantity::Units(u) => u - o.filled,
                Quantity::EquityFraction(_) => return None,
            };
            (i.instrument == instrument).then_some(BracketLeg {
                client_id,
                entry: leg.entry,
                kind: leg.kind,
                instrument,
                side: i.side,
                price,
                remaining,
            })
        })
    }

    /// Forgets a leg, leaving its sibling without one.
    fn unlink(&mut self, client_id: u64) {
        if let Some(leg) = self.legs.remove(&client_id)
            && let Some(s) = leg.sibling.and_then(|s| self.legs.get_mut(&s))
        {
            s.sibling = None;
        }
    }

    /// An order the venue finished without (more) fills: rejected, or its
    /// cancel confirmed. What its bracket had not placed is dropped.
    pub(crate) fn on_gone(&mut self, client_id: u64) {
        self.orders.remove(&client_id);
        self.brackets.remove(&client_id);
        self.unlink(client_id);
    }

    /// Books a fill (the portfolio already holds it) against its working
    /// order; then cancels the filled leg's sibling and any leg that no
    /// longer reduces the position, and places the bracket of a filled
    /// entry.
    pub(crate) fn on_fill(
        &mut self,
        time_ns: i64,
        f: &Fill,
        portfolio: &Portfolio,
        out: &mut Vec<Output>,
    ) {
        self.sizing.on_fill(f);
        if f.last {
            self.orders.remove(&f.client_id);
        } else if let Some(o) = self.orders.get_mut(&f.client_id) {
            o.filled += f.quantity;
        }
        if let Some(sibling) = self
            .legs
            .get_mut(&f.client_id)
            .and_then(|leg| leg.sibling.take())
        {
            let _ = self.cancel(sibling, out);
        }
        if f.last {
            self.legs.remove(&f.client_id);
        }
        let position = portfolio.position(f.instrument);
        let stale: Vec<u64> = self
            .legs(f.instrument)
            .filter(|l| position * l.side.sign() >= 0.0)
            .map(|l| l.client_id)
            .collect();
        for client_id in stale {
            let _ = self.cancel(client_id, out);
        }
        let Some(bracket) = self.brackets.get(&f.client_id).copied() else {
            return;
        };
        if f.last {
            self.brackets.remove(&f.client_id);
        }
        // An entry that only reduced a position has nothing to protect.
        if position * f.side.sign() <= 0.0 {
            return;
        }
        let side = f.side.opposite();
        let quantity = Quantity::Units(f.quantity);
        let leg = |order_type: OrderType, price: f64| OrderRequest {
            order_type,
            reduce_only: true,
            ..OrderRequest::market(f.instrument, side, quantity, price)
        };
        let sl = bracket.stop_loss.and_then(|p| {
            self.submit(time_ns, leg(OrderType::Stop(p), p), portfolio, out)
                .ok()
        });
        let tp = bracket.take_profit.and_then(|p| {
            self.submit(time_ns, leg(OrderType::Limit(p), p), portfolio, out)
                .ok()
        });
        for (id, kind, sibling) in [(sl, LegKind::StopLoss, tp), (tp, LegKind::TakeProfit, sl)] {
            if let Some(id) = id {
                self.legs.insert(
                    id,
                    Leg {
                        entry: f.client_id,
                        kind,
                        sibling,
                    },
                );
            }
        }
    }
}
