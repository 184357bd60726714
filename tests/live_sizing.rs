//! `sizing = "all_in"` and `"fraction"` in `axon live`, in paper mode and
//! against the mock exchange (testnet): each entry's quantity is decided
//! when the order is created, from the journaled sizing basis (the venue's
//! step, the commission headroom, the quote balance) and the journaled
//! fills, so replaying the journal by hand gives the very quantity of
//! every entry, the venue books exactly that quantity, and
//! `axon replay --verify` passes.

mod support;

use std::path::Path;

use axon_engine::config::ALL_IN_FRACTION;
use axon_engine::sizing::floor_to_step;
use axon_mockex::MockExchange;
use serde_json::Value;
use support::live::{
    config, finish, free_port, metric_sum, mock_with, records, replay_verifies, scrape,
    session_dir, spawn_live, summary, terminate, wait_for,
};

const CASH: f64 = 100_000.0;
const STEP: f64 = 0.00001;
const FEE: f64 = 0.001;

/// The mock live config with relative sizing and no position limit.
fn sized_config(mode: &str, sizing: &str, m: &MockExchange) -> String {
    config("binance", mode, "BTCUSDT", m)
        .replace("sizing = \"fixed\"\nunits = 0.002\n", sizing)
        .replace("max_position = 0.01\n", "")
}

/// An account replayed from the journal's fills, as the engine keeps it:
/// cash moved by realised PnL and commissions, positions as FIFO lots.
#[derive(Default)]
struct Book {
    cash: f64,
    /// Venue mode: the quote balance, moved by each fill's notional.
    free: f64,
    lots: Vec<(f64, f64)>,
}

impl Book {
    fn fill(&mut self, f: &Value) {
        let sign = if f["side"] == "Buy" { 1.0 } else { -1.0 };
        let (qty, price, commission) =
            (num(&f["quantity"]), num(&f["price"]), num(&f["commission"]));
        self.free -= sign * qty * price + commission;
        self.cash -= commission;
        let mut remaining = qty * sign;
        while remaining != 0.0 {
            let Some(lot) = self.lots.first_mut() else {
                break;
            };
            if lot.0.signum() == remaining.signum() {
                break;
            }
            let closed = if remaining.abs() >= lot.0.abs() {
                lot.0
            } else {
                -remaining
            };
            self.cash += closed * (price - lot.1);
            lot.0 -= closed;
            remaining += closed;
            if lot.0 == 0.0 {
                self.lots.remove(0);
            }
        }
        if remaining != 0.0 {
            self.lots.push((remaining, price));
        }
    }

    fn position(&self) -> f64 {
        self.lots.iter().map(|l| l.0).sum()
    }

    fn equity(&self, mark: f64) -> f64 {
        let mut e = self.cash;
        for l in &self.lots {
            e += l.0 * (mark - l.1);
        }
        e
    }
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Runs a session until it has sent `orders` orders; checks every entry's
/// quantity against the journal replayed by hand. Returns the entries'
/// quantities.
fn session(mode: &str, sizing: &str, fraction: f64, m: &MockExchange, orders: f64) -> Vec<f64> {
    let dir = session_dir(&sized_config(mode, sizing, m));
    let d = dir.path();
    let port = free_port();
    let child = spawn_live(
        d,
        &[
            "--max-duration",
            "120s",
            "--metrics-port",
            &port.to_string(),
        ],
    );
    wait_for("orders sent", || {
        metric_sum(&scrape(port), "trading_orders_total") >= orders
    });
    terminate(&child);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "axon live failed:\n{logs}");
    let journal = d.join("journal");
    let entries = check_entries(d, &journal, mode, fraction);
    // The first entry from a flat account, the next after a close.
    assert!(entries.len() >= 2, "{entries:?}: {}", summary(d));
    replay_verifies(d, &journal);
    entries
}

fn check_entries(d: &Path, journal: &Path, mode: &str, fraction: f64) -> Vec<f64> {
    let recs = records(d, journal);
    let bases: Vec<&Value> = recs
        .iter()
        .filter(|r| r["kind"] == "SizingBasis")
        .map(|r| &r["event"]["Input"]["SizingBasis"])
        .collect();
    assert_eq!(bases.len(), 1, "one basis per instrument");
    let b = bases[0];
    assert_eq!((num(&b["step"]), num(&b["fee_rate"])), (STEP, FEE), "{b}");
    let mut book = Book {
        cash: CASH,
        ..Book::default()
    };
    match mode {
        "paper" => assert!(b["quote"].is_null(), "{b}"),
        _ => {
            assert_eq!(b["quote"][0], "USDT", "{b}");
            book.free = num(&b["quote"][1]);
            assert_eq!(book.free, 100_000.0, "the venue's free balance");
        }
    }
    let mut entries = Vec::new();
    for r in &recs {
        match r["kind"].as_str().unwrap() {
            "Fill" => book.fill(&r["event"]["Input"]["Fill"]),
            "OrderIntent" => {
                let o = &r["event"]["Output"]["OrderIntent"];
                let got = num(&o["quantity"]["Units"]);
                // (serde_json may read a float one bit off.)
                if o["reduce_only"] == true {
                    assert!((got - book.position().abs()).abs() < 1e-12, "{o}");
                    continue;
                }
                let p = num(&o["reference_price"]);
                let position = book.position();
                // Paper: the simulated account's equity at the mark; a
                // venue: its quote balance plus the proceeds of the close
                // sent just before, less that close's commission.
                let available = match mode {
                    "paper" => book.equity(p),
                    _ => book.free + position * p - position.abs() * p * FEE,
                };
                let want = floor_to_step(fraction * available.max(0.0) / (p * (1.0 + FEE)), STEP);
                assert_eq!(
                    (got / STEP).round(),
                    (want / STEP).round(),
                    "entry {o}: {got} units, want {want} from {available} at {p}"
                );
                assert!(got > 0.0, "{o}");
                entries.push(got);
            }
            _ => {}
        }
    }
    entries
}

/// Every order the mock booked has the quantity of an entry or a close
/// the journal holds: the venue got exactly what the engine decided.
fn booked_as_decided(m: &MockExchange, entries: &[f64]) {
    let booked = m.orders();
    assert!(!booked.is_empty());
    let entered = booked
        .iter()
        .filter(|o| entries.iter().any(|q| (q - o.quantity).abs() < 1e-12))
        .count();
    assert!(
        entered > 0,
        "no booked order has an entry's quantity: {booked:?} {entries:?}"
    );
}

fn balances() -> [(&'static str, f64); 2] {
    [("USDT", 100_000.0), ("BTC", 10.0)]
}

#[test]
fn paper_all_in_sizes_from_the_simulated_account() {
    let m = mock_with(&balances());
    let entries = session("paper", "sizing = \"all_in\"\n", ALL_IN_FRACTION, &m, 3.0);
    // All in at about 50 000: about two BTC, in 0.00001 steps.
    assert!(entries[0] > 1.9 && entries[0] < 2.01, "{entries:?}");
    assert!(m.orders().is_empty(), "paper orders never reach the venue");
}

#[test]
fn paper_fraction_sizes_from_the_simulated_account() {
    let m = mock_with(&balances());
    let entries = session(
        "paper",
        "sizing = \"fraction\"\nfraction = 0.25\n",
        0.25,
        &m,
        3.0,
    );
    assert!(entries[0] > 0.45 && entries[0] < 0.51, "{entries:?}");
}

#[test]
fn testnet_all_in_sizes_from_the_venue_balance() {
    let m = mock_with(&balances());
    let entries = session("testnet", "sizing = \"all_in\"\n", ALL_IN_FRACTION, &m, 3.0);
    booked_as_decided(&m, &entries);
}

#[test]
fn testnet_fraction_sizes_from_the_venue_balance() {
    let m = mock_with(&balances());
    let entries = session(
        "testnet",
        "sizing = \"fraction\"\nfraction = 0.3\n",
        0.3,
        &m,
        3.0,
    );
    assert!(entries[0] > 0.55 && entries[0] < 0.61, "{entries:?}");
    booked_as_decided(&m, &entries);
}
