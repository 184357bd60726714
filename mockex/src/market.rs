//! Market data: a seeded random walk per symbol with a five-level book around
//! it, published once per tick as book diffs, best quotes and now and then a
//! trade.

use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::MockSymbol;
use crate::util::round_to;

/// Book depth on each side.
pub(crate) const LEVELS: usize = 5;
/// A market trade is printed every this many ticks.
const TRADE_EVERY: u64 = 5;
/// Largest step of the walk, as a fraction of price (0.01 %).
const WALK_STEP: f64 = 1e-4;

/// One price level: (price, quantity).
pub(crate) type Level = (f64, f64);
/// A level keyed by price in ticks, so that comparisons are exact.
type Keyed = (i64, f64);

/// What one tick published for one symbol.
#[derive(Debug)]
pub(crate) struct TickData {
    pub sym: usize,
    pub ts: u64,
    /// Binance `U`: first update id in this event.
    pub first_id: u64,
    /// Binance `u` / OKX `seqId`: last update id in this event.
    pub last_id: u64,
    /// Full book after the update, best first.
    pub bids: Vec<Level>,
    pub asks: Vec<Level>,
    /// Changed levels; quantity 0 removes a level.
    pub bid_diff: Vec<Level>,
    pub ask_diff: Vec<Level>,
    /// Last trade (price, size) as of this tick.
    pub last: Level,
}

/// A market trade printed by the walk.
#[derive(Debug)]
pub(crate) struct TradeData {
    pub sym: usize,
    pub id: u64,
    pub px: f64,
    pub qty: f64,
    /// True when the seller was the aggressor (Binance `m`).
    pub buyer_maker: bool,
    pub ts: u64,
}

/// Broadcast to every market data subscriber.
#[derive(Debug, Clone)]
pub(crate) enum MdEvent {
    Tick(Arc<TickData>),
    Trade(Arc<TradeData>),
}

/// Live state of one symbol.
#[derive(Debug)]
pub(crate) struct Market {
    pub sym: MockSymbol,
    /// Best bid in ticks; the ask is one tick above.
    bid_ticks: i64,
    bid_qty: [f64; LEVELS],
    ask_qty: [f64; LEVELS],
    /// The book as last published, keyed by price in ticks.
    published_bids: Vec<Keyed>,
    published_asks: Vec<Keyed>,
    /// Last published update id; REST depth snapshots carry it.
    pub update_id: u64,
    pub last_px: f64,
    pub last_sz: f64,
    ticks: u64,
    next_trade_id: u64,
    rng: ChaCha8Rng,
}

impl Market {
    pub(crate) fn new(sym: MockSymbol, seed: u64, index: usize) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(index as u64));
        let bid_ticks = ((sym.start_price / sym.tick_size).round() as i64).max(1);
        let mut bid_qty = [1.5; LEVELS];
        let mut ask_qty = [2.0; LEVELS];
        for i in 1..LEVELS {
            bid_qty[i] = random_qty(&mut rng, sym.step_size);
            ask_qty[i] = random_qty(&mut rng, sym.step_size);
        }
        let mut m = Self {
            last_px: sym.start_price,
            last_sz: sym.step_size,
            sym,
            bid_ticks,
            bid_qty,
            ask_qty,
            published_bids: Vec::new(),
            published_asks: Vec::new(),
            update_id: 1000,
            ticks: 0,
            next_trade_id: 1,
            rng,
        };
        (m.published_bids, m.published_asks) = m.keyed_levels();
        m
    }

    pub(crate) fn bid(&self) -> f64 {
        self.bid_ticks as f64 * self.sym.tick_size
    }

    pub(crate) fn ask(&self) -> f64 {
        (self.bid_ticks + 1) as f64 * self.sym.tick_size
    }

    /// Current best quantities (bid, ask).
    pub(crate) fn best_qty(&self) -> (f64, f64) {
        (self.bid_qty[0], self.ask_qty[0])
    }

    /// Moves the best bid to `price` (on the tick grid), as if it had
    /// traded there (the last price stop orders trigger on); the walk goes
    /// on from there.
    pub(crate) fn set_price(&mut self, price: f64) {
        self.bid_ticks = ((price / self.sym.tick_size).round() as i64).max(1);
        self.last_px = self.bid();
    }

    /// The next trade id of this symbol (market prints and order fills share it).
    pub(crate) fn next_trade_id(&mut self) -> u64 {
        let id = self.next_trade_id;
        self.next_trade_id += 1;
        id
    }

    /// The book as last published: (update id, bids, asks), best first.
    pub(crate) fn snapshot(&self) -> (u64, Vec<Level>, Vec<Level>) {
        let t = self.sym.tick_size;
        let conv = |v: &[(i64, f64)]| v.iter().map(|&(p, q)| (p as f64 * t, q)).collect();
        (
            self.update_id,
            conv(&self.published_bids),
            conv(&self.published_asks),
        )
    }

    fn keyed_levels(&self) -> (Vec<Keyed>, Vec<Keyed>) {
        let bids = (0..LEVELS)
            .map(|i| (self.bid_ticks - i as i64, self.bid_qty[i]))
            .filter(|&(p, _)| p > 0)
            .collect();
        let asks = (0..LEVELS)
            .map(|i| (self.bid_ticks + 1 + i as i64, self.ask_qty[i]))
            .collect();
        (bids, asks)
    }

    /// Advances the walk one tick and publishes the resulting book change.
    pub(crate) fn step(&mut self, sym: usize, ts: u64) -> (TickData, Option<TradeData>) {
        let price = self.bid();
        let u: f64 = self.rng.random_range(-1.0..=1.0);
        let delta = (price * WALK_STEP * u / self.sym.tick_size).round() as i64;
        self.bid_ticks = (self.bid_ticks + delta).max(1);
        // Re-roll one deeper level so that every tick changes something even
        // when the walk rounds to no move.
        let level = self.rng.random_range(1..LEVELS);
        let step = self.sym.step_size;
        let side = if self.rng.random_bool(0.5) {
            &mut self.bid_qty
        } else {
            &mut self.ask_qty
        };
        let old = side[level];
        let mut qty = random_qty(&mut self.rng, step);
        if (qty - old).abs() < step / 2.0 {
            qty += step;
        }
        side[level] = qty;

        let (bids, asks) = self.keyed_levels();
        let bid_diff = diff(&self.published_bids, &bids);
        let ask_diff = diff(&self.published_asks, &asks);
        let changes = (bid_diff.len() + ask_diff.len()).max(1) as u64;
        let first_id = self.update_id + 1;
        self.update_id += changes;
        self.published_bids = bids;
        self.published_asks = asks;
        self.ticks += 1;
        let trade = self.ticks.is_multiple_of(TRADE_EVERY).then(|| {
            let buyer_maker = self.rng.random_bool(0.5);
            let px = if buyer_maker { self.bid() } else { self.ask() };
            let qty = round_to(self.rng.random_range(0.001..0.5), step).max(step);
            self.last_px = px;
            self.last_sz = qty;
            TradeData {
                sym,
                id: self.next_trade_id(),
                px,
                qty,
                buyer_maker,
                ts,
            }
        });
        let t = self.sym.tick_size;
        let conv = |v: Vec<(i64, f64)>| v.into_iter().map(|(p, q)| (p as f64 * t, q)).collect();
        let (_, bids, asks) = self.snapshot();
        let tick = TickData {
            sym,
            ts,
            first_id,
            last_id: self.update_id,
            bids,
            asks,
            bid_diff: conv(bid_diff),
            ask_diff: conv(ask_diff),
            last: (self.last_px, self.last_sz),
        };

        (tick, trade)
    }
}

fn random_qty(rng: &mut ChaCha8Rng, step: f64) -> f64 {
    round_to(rng.random_range(0.1..5.0), step).max(step)
}

/// Levels of `new` that differ from `old`, plus removed ones at quantity 0.
fn diff(old: &[Keyed], new: &[Keyed]) -> Vec<Keyed> {
    let mut out: Vec<Keyed> = old
        .iter()
        .filter(|(p, _)| !new.iter().any(|(np, _)| np == p))
        .map(|&(p, _)| (p, 0.0))
        .collect();
    out.extend(
        new.iter()
            .filter(|(p, q)| !old.iter().any(|(op, oq)| op == p && oq == q))
            .copied(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_ids_are_consecutive_and_diffs_rebuild_the_book() {
        let mut m = Market::new(MockSymbol::new("BTC", "USDT", 50_000.0), 1, 0);
        let (mut last, bids0, _) = m.snapshot();
        let mut book: Vec<Level> = bids0;
        for _ in 0..50 {
            let (t, _) = m.step(0, 0);
            assert_eq!(t.first_id, last + 1);
            last = t.last_id;
            for &(p, q) in &t.bid_diff {
                book.retain(|&(bp, _)| (bp - p).abs() > 1e-9);
                if q > 0.0 {
                    book.push((p, q));
                }
            }
            book.sort_by(|a, b| b.0.total_cmp(&a.0));
            assert_eq!(book, t.bids);
            assert!((t.asks[0].0 - t.bids[0].0 - 0.01).abs() < 1e-6);
        }
    }
}
