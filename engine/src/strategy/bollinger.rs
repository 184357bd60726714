//! Bollinger band mean reversion: buy the lower band, take the profit at
//! the mean.
//!
//! With `n`, `k`, `k_stop` and `short`, on every bar once `n` closes are
//! known, with `m` the mean and `σ` the sample standard deviation (n − 1
//! in the denominator, as pandas' `rolling(n).std()`) of the last `n`
//! closes (this one included):
//!
//! - **Flat:** a limit buy at the lower band `m − k·σ`, with a
//!   take-profit at `m` and a stop-loss `k_stop·σ` below the entry
//!   (`m − k·σ − k_stop·σ`); with `short`, also a limit sell at the upper
//!   band `m + k·σ`, take-profit at `m`, stop-loss `k_stop·σ` above it.
//!   When the bands move, an unfilled entry is re-placed (cancel + new
//!   order) at the new band with the new take-profit and stop-loss.
//! - **Entered** (one entry filled): the other entry is cancelled at once;
//!   the take-profit and stop-loss, placed by the desk for the filled
//!   quantity, work until one of them fills (and cancels the other). They
//!   are not moved.
//! - **In a position** nothing else is placed; once flat again, the
//!   entries are placed on that bar.
//!
//! Entries are sized as the session's `[execution] sizing` says. While the
//! bands are degenerate (σ zero or not finite, or a price not positive)
//! no entry works. The mean and σ are computed from the window in order
//! (sum oldest first, then the squared deviations), so another
//! implementation that does the same gets the same bits. On ticks the
//! closes are the mids. The model slots are not consulted.
//!
//! The same rules written for backtesting.py are in
//! `tests/oracle/builtin_backtesting.py`, which `tests/oracle_builtins.rs`
//! compares with this strategy trade for trade.

use std::collections::VecDeque;

use crate::event::Fill;
use crate::market::{InstrumentId, Side};

use super::{Context, MarketEvent, OrderRequest, Strategy};

/// An entry order the strategy placed, and its bracket.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    client_id: u64,
    limit: f64,
    stop_loss: f64,
    take_profit: f64,
}

/// One instrument's closes and entries.
#[derive(Debug, Clone, Default)]
struct Book {
    /// The last `n` closes, oldest first.
    closes: VecDeque<f64>,
    long: Option<Entry>,
    short: Option<Entry>,
}

/// The Bollinger mean-reversion strategy (see the module docs).
#[derive(Debug, Clone)]
pub struct Bollinger {
    n: usize,
    k: f64,
    k_stop: f64,
    short: bool,
    /// Indexed by instrument id.
    books: Vec<Book>,
}

impl Bollinger {
    /// Window `n` (>= 2), band width `k` and stop distance `k_stop` in
    /// standard deviations, and whether to sell the upper band too.
    pub fn new(n: usize, k: f64, k_stop: f64, short: bool) -> Self {
        Self {
            n: n.max(2),
            k,
            k_stop,
            short,
            books: Vec::new(),
        }
    }
}

/// Mean and sample standard deviation of `xs` (two passes, in order).
fn mean_std(xs: &VecDeque<f64>) -> (f64, f64) {
    let n = xs.len() as f64;
    let mut sum = 0.0;
    for &x in xs {
        sum += x;
    }
    let mean = sum / n;
    let mut squares = 0.0;
    for &x in xs {
        let d = x - mean;
        squares += d * d;
    }
    (mean, (squares / (n - 1.0)).sqrt())
}

impl Strategy for Bollinger {
    fn on_market(&mut self, ctx: &mut Context<'_>, e: &MarketEvent) {
        let i = e.instrument as usize;
        if self.books.len() <= i {
            self.books.resize_with(i + 1, Book::default);
        }
        let book = &mut self.books[i];
        book.closes.push_back(e.price);
        if book.closes.len() > self.n {
            book.closes.pop_front();
        }
        if book.closes.len() < self.n {
            return;
        }
        for entry in [&mut book.long, &mut book.short] {
            if entry.is_some_and(|x| ctx.order(x.client_id).is_none()) {
                *entry = None;
            }
        }
        let (mean, sigma) = mean_std(&book.closes);
        let flat = ctx.position(e.instrument) == 0.0;
        let lower = mean - self.k * sigma;
        let long = Entry {
            client_id: 0,
            limit: lower,
            stop_loss: lower - self.k_stop * sigma,
            take_profit: mean,
        };
        keep(
            ctx,
            e.instrument,
            &mut book.long,
            Side::Buy,
            flat.then_some(long),
        );
        let upper = mean + self.k * sigma;
        let short = Entry {
            client_id: 0,
            limit: upper,
            stop_loss: upper + self.k_stop * sigma,
            take_profit: mean,
        };
        let want = (flat && self.short).then_some(short);
        keep(ctx, e.instrument, &mut book.short, Side::Sell, want);
    }

    fn on_fill(&mut self, ctx: &mut Context<'_>, fill: &Fill) {
        if let Some(book) = self.books.get_mut(fill.instrument as usize) {
            super::entry_filled(ctx, fill, [&mut book.long, &mut book.short], |x| {
                x.client_id
            });
        }
    }
}

/// Makes the working entry in `slot` the one wanted: leaves it if it is,
/// else cancels it and places `want` (if any, and if its prices are
/// positive and in order: stop-loss, entry, take-profit for a buy).
fn keep(
    ctx: &mut Context<'_>,
    instrument: InstrumentId,
    slot: &mut Option<Entry>,
    side: Side,
    want: Option<Entry>,
) {
    let same = |x: &Entry, w: &Entry| {
        (x.limit, x.stop_loss, x.take_profit) == (w.limit, w.stop_loss, w.take_profit)
    };
    if let (Some(x), Some(w)) = (slot.as_ref(), want.as_ref())
        && same(x, w)
    {
        return;
    }
    if let Some(x) = slot.take() {
        let _ = ctx.cancel(x.client_id);
    }
    let Some(w) = want else { return };
    let s = side.sign();
    let ordered = [w.stop_loss, w.limit, w.take_profit]
        .iter()
        .all(|p| p.is_finite() && *p > 0.0)
        && (w.limit - w.stop_loss) * s > 0.0
        && (w.take_profit - w.limit) * s > 0.0;
    if !ordered {
        return;
    }
    let quantity = ctx.entry_quantity(instrument, w.limit);
    let request = OrderRequest::limit(instrument, side, quantity, w.limit)
        .with_stop_loss(w.stop_loss)
        .with_take_profit(w.take_profit);
    if let Ok(client_id) = ctx.submit(request) {
        *slot = Some(Entry { client_id, ..w });
    }
}
