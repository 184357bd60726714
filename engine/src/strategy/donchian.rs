//! Donchian channel breakout: the classic trend-following rule (the
//! Turtles' entry and exit, one position at a time).
//!
//! With `n` (entry channel), `exit_n` (exit channel) and `short`, on every
//! bar once `max(n, exit_n)` bars are known:
//!
//! - **Flat:** a buy stop at the highest high of the last `n` bars
//!   (this one included), with a stop-loss at the lowest low of the last
//!   `exit_n` bars; with `short`, also a sell stop at the lowest low of the
//!   last `n` bars, with a stop-loss at the highest high of the last
//!   `exit_n` bars. When the channel moves, a working entry is re-placed
//!   (cancel + new order).
//! - **Entered** (one entry filled): the other entry is cancelled at once.
//! - **In a position:** the stop-loss trails the exit channel: on every
//!   bar it is moved ([`Context::set_stop_loss`]-style cancel + replace) to
//!   the lowest low of the last `exit_n` bars when that is higher than
//!   where it is (a short's: the highest high, when lower). It is never
//!   loosened. The stop-loss is the only exit; once it fills, the position
//!   is flat and the entries are placed again on that bar.
//!
//! Entries are sized as the session's `[execution] sizing` says. No order
//! is placed while the stop-loss would not lie strictly beyond the entry
//! (a channel with no range). On ticks every tick is a bar whose open,
//! high, low and close are its mid, so the channels span the last `n`
//! (`exit_n`) mids. The model slots are not consulted.
//!
//! The same rules written for backtesting.py are in
//! `tests/oracle/builtin_backtesting.py`, which `tests/oracle_builtins.rs`
//! compares with this strategy trade for trade.

use std::collections::VecDeque;

use crate::event::{Fill, OrderType};
use crate::market::{InstrumentId, Side};

use super::{Context, LegKind, MarketEvent, OrderRequest, Strategy};

/// An entry order the strategy placed: its stop and its stop-loss.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    client_id: u64,
    stop: f64,
    stop_loss: f64,
}

/// One instrument's channel and entries.
#[derive(Debug, Clone, Default)]
struct Book {
    /// The last `max(n, exit_n)` highs and lows, oldest first.
    highs: VecDeque<f64>,
    lows: VecDeque<f64>,
    long: Option<Entry>,
    short: Option<Entry>,
}

impl Book {
    fn highest(&self, bars: usize) -> f64 {
        self.highs
            .iter()
            .rev()
            .take(bars)
            .fold(f64::NEG_INFINITY, |a, &b| a.max(b))
    }

    fn lowest(&self, bars: usize) -> f64 {
        self.lows
            .iter()
            .rev()
            .take(bars)
            .fold(f64::INFINITY, |a, &b| a.min(b))
    }
}

/// The Donchian breakout strategy (see the module docs).
#[derive(Debug, Clone)]
pub struct Donchian {
    n: usize,
    exit_n: usize,
    short: bool,
    /// Indexed by instrument id.
    books: Vec<Book>,
}

impl Donchian {
    /// Entry channel `n`, exit channel `exit_n` (both >= 1), and whether to
    /// trade downside breakouts.
    pub fn new(n: usize, exit_n: usize, short: bool) -> Self {
        Self {
            n: n.max(1),
            exit_n: exit_n.max(1),
            short,
            books: Vec::new(),
        }
    }
}

impl Strategy for Donchian {
    fn on_market(&mut self, ctx: &mut Context<'_>, e: &MarketEvent) {
        let i = e.instrument as usize;
        if self.books.len() <= i {
            self.books.resize_with(i + 1, Book::default);
        }
        let window = self.n.max(self.exit_n);
        let book = &mut self.books[i];
        book.highs.push_back(e.high);
        book.lows.push_back(e.low);
        if book.highs.len() > window {
            book.highs.pop_front();
            book.lows.pop_front();
        }
        if book.highs.len() < window {
            return;
        }
        // Entries that filled, or that the venue refused, are gone.
        for entry in [&mut book.long, &mut book.short] {
            if entry.is_some_and(|x| ctx.order(x.client_id).is_none()) {
                *entry = None;
            }
        }
        let (entry_high, entry_low) = (book.highest(self.n), book.lowest(self.n));
        let (exit_high, exit_low) = (book.highest(self.exit_n), book.lowest(self.exit_n));
        let position = ctx.position(e.instrument);
        if position == 0.0 {
            place(
                ctx,
                e.instrument,
                &mut book.long,
                Side::Buy,
                entry_high,
                exit_low,
            );
            if self.short {
                place(
                    ctx,
                    e.instrument,
                    &mut book.short,
                    Side::Sell,
                    entry_low,
                    exit_high,
                );
            }
            return;
        }
        for entry in [&mut book.long, &mut book.short] {
            if let Some(x) = entry.take() {
                let _ = ctx.cancel(x.client_id);
            }
        }
        // Trail: a long's stop only rises, a short's only falls.
        let (trail, side) = if position > 0.0 {
            (exit_low, Side::Buy)
        } else {
            (exit_high, Side::Sell)
        };
        let tighter: Vec<u64> = ctx
            .bracket_legs(e.instrument)
            .filter(|l| l.kind == LegKind::StopLoss && (trail - l.price) * side.sign() > 0.0)
            .map(|l| l.client_id)
            .collect();
        for id in tighter {
            let _ = ctx.modify(id, OrderType::Stop(trail));
        }
    }

    fn on_fill(&mut self, ctx: &mut Context<'_>, fill: &Fill) {
        if let Some(book) = self.books.get_mut(fill.instrument as usize) {
            super::entry_filled(ctx, fill, [&mut book.long, &mut book.short], |x| {
                x.client_id
            });
        }
    }
}

/// Keeps a stop entry at `stop` with its stop-loss at `stop_loss`: places
/// it, or re-places it where it moved, or cancels it when the stop-loss
/// would not lie beyond the entry.
fn place(
    ctx: &mut Context<'_>,
    instrument: InstrumentId,
    slot: &mut Option<Entry>,
    side: Side,
    stop: f64,
    stop_loss: f64,
) {
    if slot.is_some_and(|x| x.stop == stop && x.stop_loss == stop_loss) {
        return;
    }
    if let Some(x) = slot.take() {
        let _ = ctx.cancel(x.client_id);
    }
    if (stop - stop_loss) * side.sign() <= 0.0 {
        return;
    }
    let quantity = ctx.entry_quantity(instrument, stop);
    let request = OrderRequest::stop(instrument, side, quantity, stop).with_stop_loss(stop_loss);
    if let Ok(client_id) = ctx.submit(request) {
        *slot = Some(Entry {
            client_id,
            stop,
            stop_loss,
        });
    }
}
