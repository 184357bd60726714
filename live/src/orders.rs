//! The live session's view of its orders: venue updates arrive from two
//! paths (the REST answer and the user-data stream), possibly twice,
//! possibly out of order, possibly with gaps after a reconnect. This turns
//! them into engine inputs exactly once each: one ack, fills by cumulative
//! quantity (a repeated or already-counted execution adds nothing), one
//! terminal input.

use std::collections::BTreeMap;

use axon_adapters::exchange::client_id::parse_client_order_id;
use axon_adapters::exchange::venue::{OrderUpdate, UpdateKind};
use axon_engine::Input;
use axon_engine::event::{CancelAck, Fill, OrderAck, OrderReject};
use axon_engine::market::{InstrumentId, Side};

/// Quantities closer than this are equal (venues print 8 decimals).
const EPS: f64 = 1e-12;

#[derive(Debug, Clone)]
pub struct Tracked {
    pub instrument: InstrumentId,
    pub side: Side,
    pub acked: bool,
    pub filled: f64,
    pub done: bool,
}

#[derive(Debug, Default)]
pub struct Tracker {
    tag: String,
    orders: BTreeMap<u64, Tracked>,
}

impl Tracker {
    pub fn new(tag: String) -> Self {
        Self {
            tag,
            orders: BTreeMap::new(),
        }
    }

    /// An order the engine submitted.
    pub fn submitted(&mut self, client_id: u64, instrument: InstrumentId, side: Side) {
        self.orders.insert(
            client_id,
            Tracked {
                instrument,
                side,
                acked: false,
                filled: 0.0,
                done: false,
            },
        );
    }

    /// What a journaled input says about an order (resuming a session).
    pub fn replayed(&mut self, input: &Input) {
        match input {
            Input::OrderAck(a) => {
                if let Some(t) = self.orders.get_mut(&a.client_id) {
                    t.acked = true;
                }
            }
            Input::Fill(f) => {
                if let Some(t) = self.orders.get_mut(&f.client_id) {
                    t.acked = true;
                    t.filled += f.quantity;
                    t.done |= f.last;
                }
            }
            Input::Reject(OrderReject { client_id, .. })
            | Input::CancelAck(CancelAck { client_id }) => {
                if let Some(t) = self.orders.get_mut(client_id) {
                    t.done = true;
                }
            }
            _ => {}
        }
    }

    /// Orders still working, for a lookup after a stream gap.
    pub fn open(&self) -> impl Iterator<Item = (u64, &Tracked)> {
        self.orders
            .iter()
            .filter(|(_, t)| !t.done)
            .map(|(id, t)| (*id, t))
    }

    pub fn get(&self, client_id: u64) -> Option<&Tracked> {
        self.orders.get(&client_id)
    }

    /// The engine inputs an update makes (none if it repeats what is known,
    /// or belongs to an order of another session).
    pub fn inputs(&mut self, u: &OrderUpdate) -> Vec<Input> {
        let mut out = Vec::new();
        let Some(client_id) = parse_client_order_id(&self.tag, &u.client_order_id) else {
            tracing::debug!(client_order_id = %u.client_order_id, "update for an order of another session");
            return out;
        };
        let Some(t) = self.orders.get_mut(&client_id) else {
            tracing::warn!(client_order_id = %u.client_order_id, "update for an order this session never sent");
            return out;
        };
        if t.done {
            return out;
        }
        let ack = |t: &mut Tracked, out: &mut Vec<Input>| {
            if !t.acked {
                t.acked = true;
                out.push(Input::OrderAck(OrderAck {
                    client_id,
                    venue_order_id: u.venue_order_id.clone(),
                }));
            }
        };
        match &u.kind {
            UpdateKind::New => ack(t, &mut out),
            UpdateKind::Trade {
                price,
                cumulative,
                commission,
                last,
                quantity,
                ..
            } => {
                let add = cumulative - t.filled;
                if add <= EPS && !*last {
                    return out;
                }
                ack(t, &mut out);
                if add > EPS {
                    if (add - quantity).abs() > EPS {
                        tracing::warn!(
                            client_id,
                            missed = add - quantity,
                            "fills were missed; counting them at this price"
                        );
                    }
                    t.filled = *cumulative;
                    out.push(Input::Fill(Fill {
                        client_id,
                        instrument: t.instrument,
                        side: t.side,
                        quantity: add,
                        price: *price,
                        commission: *commission,
                        last: *last,
                    }));
                }
                t.done = *last;
            }
            UpdateKind::Canceled => {
                t.done = true;
                out.push(Input::CancelAck(CancelAck { client_id }));
            }
            UpdateKind::Rejected(reason) => {
                t.done = true;
                out.push(Input::Reject(OrderReject {
                    client_id,
                    reason: reason.clone(),
                }));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axon_adapters::exchange::client_id::client_order_id;

    fn update(id: &str, kind: UpdateKind) -> OrderUpdate {
        OrderUpdate {
            client_order_id: id.into(),
            venue_order_id: "7".into(),
            kind,
        }
    }

    fn trade(qty: f64, cum: f64, last: bool) -> UpdateKind {
        UpdateKind::Trade {
            trade_id: format!("t{cum}"),
            quantity: qty,
            price: 100.0,
            cumulative: cum,
            commission: 0.1,
            last,
        }
    }

    #[test]
    fn each_update_counts_once_whatever_path_or_order_it_comes_by() {
        let mut t = Tracker::new("abcdef0123".into());
        t.submitted(1, 0, Side::Buy);
        let id = client_order_id("abcdef0123", 1);
        // Stream NEW, then the REST answer's NEW again.
        assert_eq!(t.inputs(&update(&id, UpdateKind::New)).len(), 1);
        assert!(t.inputs(&update(&id, UpdateKind::New)).is_empty());
        // A partial fill, repeated, then the final one.
        let first = t.inputs(&update(&id, trade(0.5, 0.5, false)));
        assert!(matches!(&first[..], [Input::Fill(f)] if f.quantity == 0.5 && !f.last));
        assert!(t.inputs(&update(&id, trade(0.5, 0.5, false))).is_empty());
        let last = t.inputs(&update(&id, trade(0.5, 1.0, true)));
        assert!(matches!(&last[..], [Input::Fill(f)] if f.quantity == 0.5 && f.last));
        // Nothing after the order is done.
        assert!(t.inputs(&update(&id, UpdateKind::Canceled)).is_empty());
    }

    #[test]
    fn a_fill_before_the_ack_acks_first_and_a_gap_is_filled_from_the_cumulative() {
        let mut t = Tracker::new("abcdef0123".into());
        t.submitted(2, 0, Side::Sell);
        let id = client_order_id("abcdef0123", 2);
        // The first execution (0.3) was missed: the next one carries cum 0.8.
        let inputs = t.inputs(&update(&id, trade(0.5, 0.8, false)));
        assert!(matches!(&inputs[0], Input::OrderAck(a) if a.client_id == 2));
        assert!(matches!(&inputs[1], Input::Fill(f) if (f.quantity - 0.8).abs() < 1e-12));
    }

    #[test]
    fn foreign_and_unknown_orders_make_no_inputs() {
        let mut t = Tracker::new("abcdef0123".into());
        assert!(
            t.inputs(&update("someone-else", UpdateKind::New))
                .is_empty()
        );
        let unknown = client_order_id("abcdef0123", 99);
        assert!(t.inputs(&update(&unknown, UpdateKind::New)).is_empty());
        let other_session = client_order_id("0000000000", 1);
        t.submitted(1, 0, Side::Buy);
        assert!(
            t.inputs(&update(&other_session, UpdateKind::New))
                .is_empty()
        );
    }
}
