//! Live sizing in the engine: with a journaled `SizingBasis`, an all-in or
//! fractional entry carries its units in the order intent, computed from
//! the basis and the journaled fills; without one (backtests) the intent
//! keeps the equity fraction for the simulated exchange to resolve.

use axon_engine::config::{ALL_IN_FRACTION, Sizing};
use axon_engine::event::{Fill, OrderIntent, Quantity, SizingBasis};
use axon_engine::market::Tick;
use axon_engine::sizing::floor_to_step;
use axon_engine::{Engine, EngineConfig, Input, Output};

fn tick(mid: f64) -> Input {
    Input::Tick(Tick {
        instrument: 0,
        bid: mid - 0.5,
        ask: mid + 0.5,
        bid_size: 1.0,
        ask_size: 1.0,
        last: mid,
        volume: 1.0,
    })
}

/// What the engine sent and what came back, in order.
enum Seen {
    Intent(OrderIntent),
    Fill(Fill),
}

/// Runs `prices` through the engine after `before`: each submitted order
/// fills whole at the next price (commission 0.1 %), so positions and
/// balances move as a venue's would.
fn run(sizing: Sizing, before: &[Input], prices: &[f64]) -> Vec<Seen> {
    let mut config = EngineConfig::sma(100_000.0, vec!["BTCUSDT".into()], 2, 4);
    config.sizing = sizing;
    let mut engine = Engine::from_session(&axon_engine::event::SessionStart {
        config,
        config_text: String::new(),
        data: Vec::new(),
        seed: 0,
        engine_version: "test".into(),
    })
    .unwrap();
    let mut out = Vec::new();
    for input in before {
        engine.step(0, input, &mut out);
    }
    let mut seen = Vec::new();
    let mut pending: Vec<OrderIntent> = Vec::new();
    for (i, &p) in prices.iter().enumerate() {
        let t = i as i64 + 1;
        for o in pending.drain(..) {
            let Quantity::Units(quantity) = o.quantity else {
                continue;
            };
            let f = Fill {
                client_id: o.client_id,
                instrument: 0,
                side: o.side,
                quantity,
                price: p,
                commission: quantity * p * 0.001,
                last: true,
            };
            engine.step(t, &Input::Fill(f.clone()), &mut out);
            seen.push(Seen::Fill(f));
        }
        out.clear();
        engine.step(t, &tick(p), &mut out);
        for o in &out {
            if let Output::OrderSubmitted(s) = o {
                seen.push(Seen::Intent(s.order.clone()));
                pending.push(s.order.clone());
            }
        }
    }
    seen
}

fn intents(seen: &[Seen]) -> Vec<&OrderIntent> {
    seen.iter()
        .filter_map(|s| match s {
            Seen::Intent(o) => Some(o),
            Seen::Fill(_) => None,
        })
        .collect()
}

fn fills(seen: &[Seen]) -> Vec<&Fill> {
    seen.iter()
        .filter_map(|s| match s {
            Seen::Fill(f) => Some(f),
            Seen::Intent(_) => None,
        })
        .collect()
}

/// Swings of ±1 % around 50 000: the crossover enters and reverses.
fn prices() -> Vec<f64> {
    (0..120)
        .map(|i| 50_000.0 * (1.0 + 0.01 * (i as f64 * std::f64::consts::TAU / 24.0).sin()))
        .map(|p: f64| p.round())
        .collect()
}

fn basis(quote: Option<(String, f64)>) -> Input {
    Input::SizingBasis(SizingBasis {
        instrument: 0,
        step: 0.00001,
        fee_rate: 0.001,
        quote,
    })
}

#[test]
fn without_a_basis_entries_keep_their_equity_fraction() {
    let seen = run(Sizing::Fraction(0.5), &[], &prices());
    let intents = intents(&seen);
    assert!(!intents.is_empty());
    assert!(
        intents
            .iter()
            .all(|o| o.quantity == Quantity::EquityFraction(0.5)),
        "{intents:?}"
    );
}

#[test]
fn a_venue_balance_sizes_each_entry_and_fills_move_it() {
    let before = [basis(Some(("USDT".into(), 20_000.0)))];
    let seen = run(Sizing::Fraction(0.5), &before, &prices());
    let entries = intents(&seen)
        .into_iter()
        .filter(|o| !o.reduce_only)
        .count();
    assert!(entries >= 3, "{entries} entries");
    // Replayed by hand: the balance moves by each fill; an entry that
    // follows a close counts the close's proceeds at the entry's price.
    let (mut free, mut position) = (20_000.0f64, 0.0f64);
    for s in &seen {
        let o = match s {
            Seen::Fill(f) => {
                free -= f.side.sign() * f.quantity * f.price + f.commission;
                position += f.side.sign() * f.quantity;
                continue;
            }
            Seen::Intent(o) => o,
        };
        if o.reduce_only {
            assert_eq!(o.quantity, Quantity::Units(position.abs()));
            continue;
        }
        let p = o.reference_price;
        let available = free + position * p - position.abs() * p * 0.001;
        let want = floor_to_step(0.5 * available / (p * 1.001), 0.00001);
        assert_eq!(o.quantity, Quantity::Units(want), "{o:?}");
        assert!(want > 0.0);
    }
}

#[test]
fn paper_sizes_all_in_from_the_simulated_account() {
    let seen = run(Sizing::AllIn, &[basis(None)], &prices());
    let (intents, fills) = (intents(&seen), fills(&seen));
    let first = intents.iter().find(|o| !o.reduce_only).unwrap();
    let p = first.reference_price;
    let want = floor_to_step(ALL_IN_FRACTION * 100_000.0 / (p * 1.001), 0.00001);
    assert_eq!(first.quantity, Quantity::Units(want));
    assert_eq!(fills[0].quantity, want);
    // The reversal: everything the account holds once the long is sold.
    let reverse = intents
        .iter()
        .filter(|o| !o.reduce_only)
        .nth(1)
        .expect("a reversal");
    let (entry, close) = (&fills[0], reverse.reference_price);
    let equity =
        100_000.0 - entry.commission + entry.side.sign() * entry.quantity * (close - entry.price);
    let want = floor_to_step(ALL_IN_FRACTION * equity / (close * 1.001), 0.00001);
    let Quantity::Units(got) = reverse.quantity else {
        panic!("{reverse:?}");
    };
    assert!((got - want).abs() <= 0.00001, "{got} vs {want}");
    assert_ne!(reverse.side, entry.side);
}
