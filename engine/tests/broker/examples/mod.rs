//! The examples of `docs/backtesting-py-semantics.md`, each with the
//! numbers backtesting.py 0.6.5 gives (orders placed at bar 1 fill from
//! bar 2 on, cash 10 000), by section of that document.

pub(super) use axon_engine::broker::{
    Broker, BrokerConfig, BrokerError, BrokerWarning, ClosedTrade, Commission, Ohlc, OrderSpec,
    Step,
};

pub(super) use super::{End, FULL, at, bar, cfg, o, run};

mod closing;
mod costs;
mod end;
mod fills;
mod placement;

pub(super) const F: Ohlc = Ohlc {
    open: 100.0,
    high: 101.0,
    low: 99.0,
    close: 100.0,
};

/// `(size, entry_bar, entry_price)` of each open trade.
pub(super) fn open(b: &Broker) -> Vec<(f64, usize, f64)> {
    b.trades()
        .iter()
        .map(|t| (t.size, t.entry_bar, t.entry_price))
        .collect()
}

/// `(size, entry_bar, exit_bar, entry_price, exit_price)` of each closed trade.
pub(super) fn closed(b: &Broker) -> Vec<(f64, usize, usize, f64, f64)> {
    b.closed_trades()
        .iter()
        .map(|c| (c.size, c.entry_bar, c.exit_bar, c.entry_price, c.exit_price))
        .collect()
}

pub(super) fn only_closed(b: &Broker) -> &ClosedTrade {
    assert_eq!(b.closed_trades().len(), 1, "{:?}", b.closed_trades());
    &b.closed_trades()[0]
}

pub(super) fn toc() -> BrokerConfig {
    BrokerConfig {
        trade_on_close: true,
        ..cfg()
    }
}

pub(super) fn limit(size: f64, limit: f64) -> OrderSpec {
    OrderSpec {
        limit: Some(limit),
        ..o(size)
    }
}

pub(super) fn stop(size: f64, stop: f64) -> OrderSpec {
    OrderSpec {
        stop: Some(stop),
        ..o(size)
    }
}

pub(super) fn buy(spec: OrderSpec) -> impl FnMut(&mut Broker) {
    move |b| {
        b.new_order(spec).expect("order");
    }
}
