//! Orders, fills and balances, shared by both venues.
//!
//! Market orders fill at the touch (ask for buys, bid for sells); limit
//! orders fill at their own price once the opposite quote reaches it. With
//! `partial_fills = k` an order fills in `k` executions, the first at once
//! (if it can) and then one per tick. Binance stop orders wait until the
//! last trade price reaches their stop price (a buy: at or above it; a
//! sell: at or below), then trade as a market (`STOP_LOSS`) or limit
//! (`STOP_LOSS_LIMIT`) order. OKX trigger orders are the same stops booked
//! as algo orders (`algo`): the regular order they place when triggered is
//! the same booked order, shown with the algo's ids.

use crate::state::{Shared, State};
use crate::util::{floor_to, now_ms};
use crate::{FeeAsset, MockOrder, Venue};

/// Tolerance for price comparisons, far below any tick size.
const EPS: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Buy,
    Sell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrdKind {
    Market,
    Limit,
    /// Binance `LIMIT_MAKER`, OKX `post_only`.
    LimitMaker,
    /// Binance `STOP_LOSS`: a market order once the stop price trades.
    StopLoss,
    /// Binance `STOP_LOSS_LIMIT`: a limit order once the stop price trades.
    StopLossLimit,
}

impl OrdKind {
    pub(crate) fn is_stop(self) -> bool {
        matches!(self, Self::StopLoss | Self::StopLossLimit)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tif {
    Gtc,
    Ioc,
    Fok,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    Expired,
}

impl Status {
    pub(crate) fn binance(self) -> &'static str {
        match self {
            Status::New => "NEW",
            Status::PartiallyFilled => "PARTIALLY_FILLED",
            Status::Filled => "FILLED",
            Status::Canceled => "CANCELED",
            Status::Expired => "EXPIRED",
        }
    }

    pub(crate) fn okx(self) -> &'static str {
        match self {
            Status::New => "live",
            Status::PartiallyFilled => "partially_filled",
            Status::Filled => "filled",
            Status::Canceled | Status::Expired => "canceled",
        }
    }
}

/// One execution of an order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Exec {
    pub qty: f64,
    pub px: f64,
    /// Commission, in the order's `fee_asset`.
    pub fee: f64,
    pub trade_id: u64,
    /// OKX `billId`: unique across the venue's executions.
    pub bill_id: u64,
    pub ts: u64,
}

/// A booked order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub venue: Venue,
    pub sym: usize,
    /// Venue's symbol name.
    pub symbol: String,
    pub quote_asset: String,
    /// The asset its commissions are charged in.
    pub fee_asset: String,
    pub client_id: String,
    pub id: u64,
    pub side: Side,
    pub kind: OrdKind,
    pub tif: Tif,
    pub price: Option<f64>,
    /// A stop order's trigger price.
    pub stop: Option<f64>,
    /// Whether a stop order has triggered (always true for the others).
    pub working: bool,
    /// An OKX algo (trigger) order: `client_id` is its `algoClOrdId`.
    pub algo: bool,
    /// Base quantity.
    pub qty: f64,
    /// Quote amount the client asked for (Binance `quoteOrderQty`, OKX
    /// market buy `sz` in quote currency).
    pub quote_qty: Option<f64>,
    pub filled: f64,
    pub cum_quote: f64,
    pub cum_fee: f64,
    pub status: Status,
    pub created: u64,
    pub updated: u64,
    splits: u32,
    execs_left: u32,
    pub fills: Vec<Exec>,
    /// OKX `cancelSource` when the mock itself canceled the order.
    pub cancel_source: Option<&'static str>,
}

impl Order {
    pub(crate) fn is_open(&self) -> bool {
        matches!(self.status, Status::New | Status::PartiallyFilled)
    }

    pub(crate) fn avg_px(&self) -> f64 {
        if self.filled > 0.0 {
            self.cum_quote / self.filled
        } else {
            0.0
        }
    }

    pub(crate) fn to_public(&self) -> MockOrder {
        MockOrder {
            venue: self.venue,
            symbol: self.symbol.clone(),
            client_id: self.client_id.clone(),
            venue_id: self.id.to_string(),
            side: match self.side {
                Side::Buy => "BUY",
                Side::Sell => "SELL",
            }
            .into(),
            order_type: match self.kind {
                OrdKind::Market => "MARKET",
                OrdKind::Limit => "LIMIT",
                OrdKind::LimitMaker => "LIMIT_MAKER",
                OrdKind::StopLoss => "STOP_LOSS",
                OrdKind::StopLossLimit => "STOP_LOSS_LIMIT",
            }
            .into(),
            price: self.price,
            stop_price: self.stop,
            quantity: self.qty,
            filled: self.filled,
            status: self.status.binance().into(),
            commission: self.cum_fee,
            commission_asset: self.fee_asset.clone(),
        }
    }
}

/// What happened to an order; pushed to user-data subscribers.
#[derive(Debug, Clone)]
pub(crate) enum EventKind {
    New,
    Trade(Exec),
    /// `cancel_id` is the client id of the cancel request (Binance `c`).
    Canceled {
        cancel_id: String,
    },
    Expired,
}

/// An order event with the order as it stands after it.
#[derive(Debug, Clone)]
pub(crate) struct OrderEvent {
    pub order: Order,
    pub kind: EventKind,
    pub ts: u64,
}

/// A validated placement request.
#[derive(Debug)]
pub(crate) struct NewOrder {
    pub venue: Venue,
    pub sym: usize,
    pub client_id: String,
    pub side: Side,
    pub kind: OrdKind,
    pub tif: Tif,
    pub price: Option<f64>,
    pub stop: Option<f64>,
    /// An OKX algo order (see [`Order::algo`]).
    pub algo: bool,
    pub qty: f64,
    pub quote_qty: Option<f64>,
}

/// Why a placement was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub(crate) enum PlaceError {
    #[error("duplicate client order id")]
    Duplicate,
    #[error("insufficient {0} balance")]
    Insufficient(String),
    #[error("maker order would take")]
    WouldTake,
    #[error("stop price would trigger immediately")]
    WouldTrigger,
}

impl Shared {
    /// The touch a `side` order trades against now: the ask for a buy,
    /// the bid for a sell.
    pub(crate) fn touch(&self, sym: usize, side: Side) -> f64 {
        let st = self.lock();
        let m = &st.markets[sym];
        if side == Side::Buy { m.ask() } else { m.bid() }
    }

    /// Books an order now (see [`State::place`]); the order as booked,
    /// after what filled at once.
    pub(crate) fn place(&self, order: NewOrder) -> Result<Order, PlaceError> {
        let mut st = self.lock();
        st.place(order, now_ms()).map(|i| st.orders[i].clone())
    }
}

impl State {
    /// Books an order and fills what can fill at once; returns its index.
    pub(crate) fn place(&mut self, o: NewOrder, ts: u64) -> Result<usize, PlaceError> {
        let (crossing, ref_px) = self.admit(&o)?;
        let idx = self.book(o, ts);
        let (kind, tif) = (self.orders[idx].kind, self.orders[idx].tif);
        if kind == OrdKind::LimitMaker && crossing {
            // OKX cancelSource 31: the post-only order would have taken liquidity.
            self.orders[idx].cancel_source = Some("31");
            self.cancel(idx, String::new(), ts);
        } else if tif != Tif::Gtc {
            if crossing {
                self.execute(idx, ref_px, ts, true);
            } else {
                self.orders[idx].status = Status::Expired;
                self.emit(idx, EventKind::Expired, ts);
            }
        } else if crossing {
            self.execute(idx, ref_px, ts, false);
        }
        Ok(idx)
    }

    /// Whether an order may be booked: whether it crosses the touch, and
    /// the price its balance is checked (and it fills) at.
    fn admit(&self, o: &NewOrder) -> Result<(bool, f64), PlaceError> {
        if !o.client_id.is_empty() && self.booked.contains(&(o.venue, o.client_id.clone())) {
            return Err(PlaceError::Duplicate);
        }
        let m = &self.markets[o.sym];
        let touch = match o.side {
            Side::Buy => m.ask(),
            Side::Sell => m.bid(),
        };
        // Binance refuses a stop the last price has reached; an OKX trigger
        // order is booked and triggers at the next tick.
        if let Some(stop) = o.stop
            && o.venue == Venue::Binance
            && triggers(o.side, m.last_px, stop)
        {
            return Err(PlaceError::WouldTrigger);
        }
        let crossing = match (o.kind, o.price) {
            (k, _) if k.is_stop() => false,
            (OrdKind::Market, _) | (_, None) => true,
            (_, Some(px)) => crosses(o.side, touch, px),
        };
        // Binance refuses a crossing LIMIT_MAKER outright; OKX books a
        // crossing post_only and cancels it (see `place`).
        if o.kind == OrdKind::LimitMaker && crossing && o.venue == Venue::Binance {
            return Err(PlaceError::WouldTake);
        }
        let (base, quote) = (&m.sym.base, &m.sym.quote);
        let ref_px = o.price.or(o.stop).unwrap_or(touch);
        match o.side {
            Side::Buy => {
                let need = o.qty * ref_px * (1.0 + self.fee_rate);
                if need > self.free(o.venue, quote) + EPS {
                    return Err(PlaceError::Insufficient(quote.clone()));
                }
            }
            Side::Sell => {
                if o.qty > self.free(o.venue, base) + EPS {
                    return Err(PlaceError::Insufficient(base.clone()));
                }
            }
        }
        Ok((crossing, ref_px))
    }

    /// Books an admitted order with the venue's next id and reports it
    /// new; returns its index.
    fn book(&mut self, o: NewOrder, ts: u64) -> usize {
        let id_slot = self.next_order_id.entry(o.venue).or_insert(1);
        let id = *id_slot;
        *id_slot += 1;
        let sym = &self.markets[o.sym].sym;
        let (base, quote) = (sym.base.clone(), sym.quote.clone());
        let symbol = match o.venue {
            Venue::Binance => sym.binance_name(),
            Venue::Okx => sym.okx_name(),
        };
        let fee_asset = match (&self.fee_asset, o.side) {
            (FeeAsset::Received, Side::Buy) => base,
            (FeeAsset::Other { asset, .. }, _) => asset.clone(),
            _ => quote.clone(),
        };
        let client_id = if o.client_id.is_empty() && o.venue == Venue::Binance {
            // Binance makes one up when the client sends none.
            format!("mockex{id}")
        } else {
            o.client_id
        };
        let order = Order {
            venue: o.venue,
            sym: o.sym,
            symbol,
            quote_asset: quote,
            fee_asset,
            client_id: client_id.clone(),
            id,
            side: o.side,
            kind: o.kind,
            tif: o.tif,
            price: o.price,
            stop: o.stop,
            working: !o.kind.is_stop(),
            algo: o.algo,
            qty: o.qty,
            quote_qty: o.quote_qty,
            filled: 0.0,
            cum_quote: 0.0,
            cum_fee: 0.0,
            status: Status::New,
            created: ts,
            updated: ts,
            splits: self.partial_fills,
            execs_left: self.partial_fills,
            fills: Vec::new(),
            cancel_source: None,
        };
        if !client_id.is_empty() {
            self.booked.insert((o.venue, client_id));
        }
        if o.venue == Venue::Binance {
            self.order_times.push_back(ts);
        }
        self.orders.push(order);
        let idx = self.orders.len() - 1;
        self.emit(idx, EventKind::New, ts);
        idx
    }

    /// Cancels an open order; false when it is no longer open.
    pub(crate) fn cancel(&mut self, idx: usize, cancel_id: String, ts: u64) -> bool {
        let o = &mut self.orders[idx];
        if !o.is_open() {
            return false;
        }
        o.status = Status::Canceled;
        o.updated = ts;
        self.emit(idx, EventKind::Canceled { cancel_id }, ts);
        true
    }

    /// Triggers the stops the last trade price reached, then fills resting
    /// orders of one symbol against the current quotes.
    pub(crate) fn match_resting(&mut self, sym: usize, ts: u64) {
        let (bid, ask) = (self.markets[sym].bid(), self.markets[sym].ask());
        let last = self.markets[sym].last_px;
        while self
            .orders
            .get(self.first_open)
            .is_some_and(|o| !o.is_open())
        {
            self.first_open += 1;
        }
        for idx in self.first_open..self.orders.len() {
            let o = &mut self.orders[idx];
            if o.sym != sym || !o.is_open() {
                continue;
            }
            if !o.working {
                match o.stop {
                    Some(stop) if triggers(o.side, last, stop) => o.working = true,
                    _ => continue,
                }
                if o.algo {
                    // OKX: the algo placed its regular order.
                    self.emit(idx, EventKind::New, ts);
                }
            }
            let o = &self.orders[idx];
            let touch = if o.side == Side::Buy { ask } else { bid };
            let price = if o.kind == OrdKind::StopLoss {
                None
            } else {
                o.price
            };
            let px = match price {
                None => touch,
                Some(px) if crosses(o.side, touch, px) => px,
                Some(_) => continue,
            };
            self.execute(idx, px, ts, false);
        }
    }

    /// One execution at `px`: the next slice, or everything left if `whole`.
    fn execute(&mut self, idx: usize, px: f64, ts: u64, whole: bool) {
        let step = self.markets[self.orders[idx].sym].sym.step_size;
        let trade_id = self.markets[self.orders[idx].sym].next_trade_id();
        self.last_bill_id += 1;
        let bill_id = self.last_bill_id;
        let fee_rate = self.fee_rate;
        let fee_asset = self.fee_asset.clone();
        let o = &mut self.orders[idx];
        let remaining = o.qty - o.filled;
        let slice = floor_to(o.qty / f64::from(o.splits), step);
        let qty = if whole || o.execs_left <= 1 || slice <= 0.0 || slice >= remaining - step / 2.0 {
            remaining
        } else {
            slice
        };
        let notional = qty * px;
        let fee = match fee_asset {
            FeeAsset::Quote => notional * fee_rate,
            FeeAsset::Received if o.side == Side::Buy => qty * fee_rate,
            FeeAsset::Received => notional * fee_rate,
            FeeAsset::Other { price, .. } => notional * fee_rate / price,
        };
        o.execs_left = o.execs_left.saturating_sub(1);
        o.filled = if qty == remaining {
            o.qty
        } else {
            o.filled + qty
        };
        o.cum_quote += notional;
        o.cum_fee += fee;
        o.updated = ts;
        o.status = if o.filled >= o.qty {
            Status::Filled
        } else {
            Status::PartiallyFilled
        };
        let exec = Exec {
            qty,
            px,
            fee,
            trade_id,
            bill_id,
            ts,
        };
        o.fills.push(exec.clone());
        let (venue, side, fee_asset) = (o.venue, o.side, o.fee_asset.clone());
        let sym = &self.markets[o.sym].sym;
        let (base, quote) = (sym.base.clone(), sym.quote.clone());
        let book = self.balances.entry(venue).or_default();
        let (base_delta, quote_delta) = match side {
            Side::Buy => (qty, -notional),
            Side::Sell => (-qty, notional),
        };
        *book.entry(base).or_default() += base_delta;
        *book.entry(quote).or_default() += quote_delta;
        *book.entry(fee_asset).or_default() -= fee;
        self.emit(idx, EventKind::Trade(exec), ts);
    }

    fn emit(&self, idx: usize, kind: EventKind, ts: u64) {
        let ev = OrderEvent {
            order: self.orders[idx].clone(),
            kind,
            ts,
        };
        // Nobody listening is fine.
        let _ = self.order_tx.send(ev);
    }

    /// Total holding of `asset` on `venue`.
    pub(crate) fn total(&self, venue: Venue, asset: &str) -> f64 {
        self.balances
            .get(&venue)
            .and_then(|b| b.get(asset))
            .copied()
            .unwrap_or(0.0)
    }

    /// Part of `asset` held by open orders on `venue`.
    pub(crate) fn locked(&self, venue: Venue, asset: &str) -> f64 {
        self.orders
            .iter()
            .filter(|o| o.venue == venue && o.is_open())
            .map(|o| {
                let m = &self.markets[o.sym];
                let remaining = o.qty - o.filled;
                match o.side {
                    Side::Buy if m.sym.quote == asset => {
                        remaining * o.price.or(o.stop).unwrap_or(m.ask())
                    }
                    Side::Sell if m.sym.base == asset => remaining,
                    _ => 0.0,
                }
            })
            .sum()
    }

    pub(crate) fn free(&self, venue: Venue, asset: &str) -> f64 {
        self.total(venue, asset) - self.locked(venue, asset)
    }

    /// Assets of `venue`, sorted by name.
    pub(crate) fn assets(&self, venue: Venue) -> Vec<String> {
        let mut v: Vec<String> = self
            .balances
            .get(&venue)
            .map(|b| b.keys().cloned().collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Finds an order of `venue` by venue id, else by client id.
    pub(crate) fn find(
        &self,
        venue: Venue,
        sym: usize,
        id: Option<u64>,
        client_id: Option<&str>,
    ) -> Option<usize> {
        self.orders.iter().position(|o| {
            o.venue == venue
                && o.sym == sym
                && match (id, client_id) {
                    (Some(id), _) => o.id == id,
                    (None, Some(c)) => !c.is_empty() && o.client_id == c,
                    (None, None) => false,
                }
        })
    }
}

/// Whether the last trade price `last` reaches a `side` stop at `stop`.
fn triggers(side: Side, last: f64, stop: f64) -> bool {
    match side {
        Side::Buy => last >= stop - EPS,
        Side::Sell => last <= stop + EPS,
    }
}

/// Whether a `side` order at `px` trades against the opposite `touch`.
fn crosses(side: Side, touch: f64, px: f64) -> bool {
    match side {
        Side::Buy => touch <= px + EPS,
        Side::Sell => touch >= px - EPS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MockConfig;
    use crate::state::Shared;

    fn order(side: Side, kind: OrdKind, price: Option<f64>, qty: f64, id: &str) -> NewOrder {
        NewOrder {
            venue: Venue::Binance,
            sym: 0,
            client_id: id.into(),
            side,
            kind,
            tif: Tif::Gtc,
            price,
            stop: None,
            algo: false,
            qty,
            quote_qty: None,
        }
    }

    #[test]
    fn partial_fills_split_and_balances_follow() {
        let shared = Shared::new(MockConfig {
            partial_fills: 3,
            ..MockConfig::default()
        });
        let mut st = shared.lock();
        let ask = st.markets[0].ask();
        let idx = st
            .place(order(Side::Buy, OrdKind::Market, None, 0.1, "a"), 1)
            .unwrap();
        assert_eq!(st.orders[idx].status, Status::PartiallyFilled);
        assert!((st.orders[idx].filled - 0.03333).abs() < 1e-9);
        st.match_resting(0, 2);
        st.match_resting(0, 3);
        let o = &st.orders[idx];
        assert_eq!(o.status, Status::Filled);
        assert_eq!(o.fills.len(), 3);
        assert_eq!(o.filled, 0.1);
        let spent = 100_000.0 - st.total(Venue::Binance, "USDT");
        assert!((spent - 0.1 * ask * 1.001).abs() < 1e-6, "spent {spent}");
        assert!((st.total(Venue::Binance, "BTC") - 1.1).abs() < 1e-9);
    }

    #[test]
    fn limits_rest_until_crossed_and_ids_never_repeat() {
        let shared = Shared::new(MockConfig::default());
        let mut st = shared.lock();
        let bid = st.markets[0].bid();
        let idx = st
            .place(
                order(Side::Buy, OrdKind::Limit, Some(bid - 10.0), 0.01, "x"),
                1,
            )
            .unwrap();
        assert_eq!(st.orders[idx].status, Status::New);
        assert!(st.locked(Venue::Binance, "USDT") > 0.0);
        st.markets[0].set_price(bid - 20.0);
        st.match_resting(0, 2);
        assert_eq!(st.orders[idx].status, Status::Filled);
        assert_eq!(st.orders[idx].fills[0].px, bid - 10.0);
        assert!(
            !st.cancel(idx, String::new(), 3),
            "a filled order cannot be canceled"
        );
        let again = st.place(order(Side::Sell, OrdKind::Market, None, 0.01, "x"), 4);
        assert_eq!(again, Err(PlaceError::Duplicate));
        let maker = st.place(
            order(Side::Sell, OrdKind::LimitMaker, Some(bid - 30.0), 0.01, "y"),
            5,
        );
        assert_eq!(maker, Err(PlaceError::WouldTake));
        let broke = st.place(order(Side::Sell, OrdKind::Market, None, 5.0, "z"), 6);
        assert_eq!(broke, Err(PlaceError::Insufficient("BTC".into())));
    }

    #[test]
    fn stops_wait_for_the_last_price_then_trade() {
        let shared = Shared::new(MockConfig::default());
        let mut st = shared.lock();
        let last = st.markets[0].last_px;
        let stop = |side, kind, price, stop: f64, id: &str| NewOrder {
            stop: Some(stop),
            ..order(side, kind, price, 0.01, id)
        };
        // A sell stop at or above the last price would trigger at once.
        let refused = st.place(stop(Side::Sell, OrdKind::StopLoss, None, last, "a"), 1);
        assert_eq!(refused, Err(PlaceError::WouldTrigger));
        let sell = st
            .place(
                stop(Side::Sell, OrdKind::StopLoss, None, last - 50.0, "s"),
                1,
            )
            .unwrap();
        let buy = st
            .place(
                stop(
                    Side::Buy,
                    OrdKind::StopLossLimit,
                    Some(last + 60.0),
                    last + 50.0,
                    "b",
                ),
                1,
            )
            .unwrap();
        st.markets[0].set_price(last - 20.0);
        st.match_resting(0, 2);
        assert_eq!(st.orders[sell].status, Status::New, "not reached yet");
        assert!(!st.orders[sell].working);
        st.markets[0].set_price(last - 50.0);
        st.match_resting(0, 3);
        let o = &st.orders[sell];
        assert_eq!(o.status, Status::Filled);
        assert_eq!(
            o.fills[0].px,
            st.markets[0].bid(),
            "a stop market sells at the bid"
        );
        // The buy stop-limit triggers at its stop and fills at its limit.
        assert_eq!(st.orders[buy].status, Status::New);
        st.markets[0].set_price(last + 55.0);
        st.match_resting(0, 4);
        let o = &st.orders[buy];
        assert!(o.working);
        assert_eq!(o.status, Status::Filled);
        assert_eq!(o.fills[0].px, last + 60.0);
    }
}
