//! The order desk: the engine's working orders, their client ids, the risk
//! checks every order passes and the live sizing of relative entries.
//! Strategies reach it through [`crate::strategy::Context::submit`].

use std::collections::BTreeMap;

use crate::event::{Fill, OrderIntent, OrderSubmitted, OrderType, Output, Quantity};
use crate::market::{InstrumentId, Side};
use crate::portfolio::Portfolio;
use crate::risk::{Risk, RiskBook};
use crate::sizing::LiveSizing;

/// An order the engine submitted and the venue has not finished.
#[derive(Debug, Clone)]
pub(crate) struct OpenOrder {
    pub(crate) intent: OrderIntent,
    pub(crate) filled: f64,
}

/// An order a strategy wants, before it has a client id.
#[derive(Debug, Clone, Copy)]
pub struct OrderRequest {
    /// Instrument.
    pub instrument: InstrumentId,
    /// Side.
    pub side: Side,
    /// Size.
    pub quantity: Quantity,
    /// Type.
    pub order_type: OrderType,
    /// The price the risk checks value it at (the decision's price).
    pub reference_price: f64,
    /// Whether it may only shrink a position.
    pub reduce_only: bool,
}

impl OrderRequest {
    /// A reduce-only order that closes `position` (non-zero) in full.
    pub fn close(
        instrument: InstrumentId,
        position: f64,
        order_type: OrderType,
        reference_price: f64,
    ) -> Self {
        Self {
            instrument,
            side: if position > 0.0 {
                Side::Sell
            } else {
                Side::Buy
            },
            quantity: Quantity::Units(position.abs()),
            order_type,
            reference_price,
            reduce_only: true,
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
}

/// Working orders, client ids, risk and live sizing.
#[derive(Debug)]
pub(crate) struct Desk {
    pub(crate) orders: BTreeMap<u64, OpenOrder>,
    next_client_id: u64,
    pub(crate) risk: Risk,
    pub(crate) sizing: LiveSizing,
    /// Submitting the close-out of a margin call or the end of data, which
    /// even a halted kill switch lets through.
    pub(crate) forcing: bool,
}

impl Desk {
    pub(crate) fn new(risk: Risk) -> Self {
        Self {
            orders: BTreeMap::new(),
            next_client_id: 1,
            risk,
            sizing: LiveSizing::default(),
            forcing: false,
        }
    }

    /// Gives the order the next client id and journals the intent; risk
    /// then either passes it (submitted, now working) or rejects it.
    pub(crate) fn submit(
        &mut self,
        time_ns: i64,
        request: OrderRequest,
        portfolio: &Portfolio,
        out: &mut Vec<Output>,
    ) {
        let intent = request.into_intent(self.next_client_id);
        self.next_client_id += 1;
        out.push(Output::OrderIntent(intent.clone()));
        let book = RiskBook {
            equity: portfolio.equity(),
            projected_position: self.projected_position(request.instrument, portfolio),
            open_orders: self.orders.len(),
            mark: portfolio.mark(request.instrument),
            forced: self.forcing,
        };
        match self.risk.check(time_ns, &intent, &book) {
            Ok(()) => {
                self.orders.insert(
                    intent.client_id,
                    OpenOrder {
                        intent: intent.clone(),
                        filled: 0.0,
                    },
                );
                out.push(Output::OrderSubmitted(OrderSubmitted { order: intent }));
            }
            Err(reject) => out.push(Output::RiskReject(reject)),
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

    /// Books a fill against its working order.
    pub(crate) fn on_fill(&mut self, f: &Fill) {
        self.sizing.on_fill(f);
        if f.last {
            self.orders.remove(&f.client_id);
        } else if let Some(o) = self.orders.get_mut(&f.client_id) {
            o.filled += f.quantity;
        }
    }
}
