//! The broker against real backtesting.py, action for action.
//!
//! `oracle.py` runs backtesting.py 0.6.5 on seeded random walks with a
//! strategy that places random orders (every type, with SL/TP, some
//! invalid), closes trades and positions, moves SL/TP and cancels orders,
//! under ten broker configurations (commission rate, fixed + rate, a
//! function, spread, trade_on_close, hedging, exclusive_orders, margin,
//! finalize, out of money). It records every action with its outcome, the
//! broker after each bar, every commission call and the warnings. This
//! test replays the same actions on [`Broker`] and requires every number
//! to be bit-for-bit the same.
//!
//! Needs the project's Python environment (`scripts/setup-python.sh`);
//! fails, never skips, without it.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axon_engine::broker::{
    Broker, BrokerConfig, BrokerError, BrokerWarning, Commission, OrderSpec, Step,
};
use serde_json::Value;

use super::bar;

const BARS: usize = 150;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn oracle() -> Vec<Value> {
    let py = repo().join(".venv/bin/python");
    assert!(
        py.exists(),
        "{} is missing: run scripts/setup-python.sh to create the Python test \
         environment (backtesting.py) this test uses as its oracle",
        py.display()
    );
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/broker/oracle.py");
    let out = Command::new(&py)
        .arg(&script)
        .arg(BARS.to_string())
        .env("PYTHONHASHSEED", "0")
        .env("TQDM_DISABLE", "1")
        .output()
        .expect("running .venv/bin/python");
    assert!(
        out.status.success(),
        "{} failed ({}); if a module is missing, rerun scripts/setup-python.sh\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .expect("oracle output is JSON")
        .as_array()
        .expect("a list of cases")
        .clone()
}

/// A float written by `repr` (or `null`).
fn opt(v: &Value) -> Option<f64> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.parse().unwrap_or_else(|_| panic!("float {s:?}"))),
        other => panic!("not a float: {other}"),
    }
}

fn num(v: &Value) -> f64 {
    opt(v).unwrap_or(f64::NAN)
}

fn int(v: &Value) -> usize {
    v.as_u64().unwrap_or_else(|| panic!("not an int: {v}")) as usize
}

fn tag(v: &Value) -> Option<u64> {
    v.as_u64()
}

/// Bit-for-bit equal (any NaN equals any NaN).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn same_opt(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => same(a, b),
        _ => false,
    }
}

type Calls = Arc<Mutex<Vec<(f64, f64)>>>;

fn config(case: &Value, calls: &Calls) -> BrokerConfig {
    let c = &case["config"];
    let flag = |k: &str| c[k].as_bool().unwrap_or(false);
    let commission = match &c["commission"] {
        Value::Null => Commission::Linear {
            fixed: 0.0,
            rate: 0.0,
        },
        Value::String(s) if s == "custom" => {
            let log = Arc::clone(calls);
            Commission::Custom(Box::new(move |size, price| {
                log.lock().unwrap().push((size, price));
                if size > 0.0 {
                    1.0 + size.abs() * price * 0.001
                } else {
                    size.abs() * price * 0.0015
                }
            }))
        }
        Value::Array(p) => Commission::Linear {
            fixed: p[0].as_f64().unwrap(),
            rate: p[1].as_f64().unwrap(),
        },
        r => Commission::Linear {
            fixed: 0.0,
            rate: r.as_f64().unwrap(),
        },
    };
    BrokerConfig {
        cash: 10_000.0,
        commission,
        spread: c["spread"].as_f64().unwrap_or(0.0),
        margin: c["margin"].as_f64().unwrap_or(1.0),
        trade_on_close: flag("trade_on_close"),
        hedging: flag("hedging"),
        exclusive_orders: flag("exclusive_orders"),
    }
}

/// Replays one recorded action; returns Python's exception as
/// `(type, message)`.
fn act(b: &mut Broker, a: &Value) -> Result<(), (String, String)> {
    let r = match a["op"].as_str().unwrap() {
        "order" => {
            let size = num(&a["size"]);
            Broker::check_order_size(size).and_then(|()| {
                let long = a["long"].as_bool().unwrap();
                b.new_order(OrderSpec {
                    size: if long { size } else { -size },
                    limit: opt(&a["limit"]),
                    stop: opt(&a["stop"]),
                    sl: opt(&a["sl"]),
                    tp: opt(&a["tp"]),
                    tag: tag(&a["tag"]),
                })
                .map(|_| ())
            })
        }
        "close" => {
            let id = b.trades()[int(&a["k"])].id;
            b.close_trade(id, num(&a["portion"]))
        }
        "pclose" => b.close_position(num(&a["portion"])),
        "sl" => {
            let id = b.trades()[int(&a["k"])].id;
            b.set_sl(id, opt(&a["price"]))
        }
        "tp" => {
            let id = b.trades()[int(&a["k"])].id;
            b.set_tp(id, opt(&a["price"]))
        }
        "cancel" => {
            let id = b.orders()[int(&a["k"])].id;
            assert!(b.cancel_order(id));
            Ok(())
        }
        op => panic!("unknown op {op}"),
    };
    r.map_err(|e| {
        let kind = match e {
            BrokerError::Invalid(_) => "ValueError",
            BrokerError::Assertion(_) => "AssertionError",
            _ => "other",
        };
        (kind.to_string(), e.to_string())
    })
}

/// Replays one case; panics at the first difference.
fn replay(case: &Value) {
    let name = format!("seed {} {}", case["seed"], case["config"]);
    let calls: Calls = Arc::default();
    let bars: Vec<_> = case["bars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| bar(num(&r[0]), num(&r[1]), num(&r[2]), num(&r[3])))
        .collect();
    let n = bars.len();
    let mut b = Broker::new(config(case, &calls), n).unwrap();
    let steps = case["steps"].as_array().unwrap();
    let mut steps = steps.iter();
    let mut broke = false;
    for i in 1..n {
        match b.next(i, bars[i], bars[i - 1].close) {
            Step::Equity(_) => {}
            Step::OutOfMoney => {
                broke = true;
                break;
            }
            Step::Failed(e) => panic!("{name}: bar {i}: {e}"),
        }
        let step = steps
            .next()
            .unwrap_or_else(|| panic!("{name}: no step {i}"));
        assert_eq!(int(&step["bar"]), i, "{name}");
        for a in step["actions"].as_array().unwrap() {
            let got = act(&mut b, a).err();
            let want = a["error"].as_array().map(|e| {
                (
                    e[0].as_str().unwrap().to_string(),
                    e[1].as_str().unwrap().to_string(),
                )
            });
            assert_eq!(got, want, "{name}: bar {i}: {a}");
        }
        let ctx = format!("{name}: after bar {i}");
        assert!(
            same(b.cash(), num(&step["cash"])),
            "{ctx}: cash {} vs {}",
            b.cash(),
            step["cash"]
        );
        assert!(
            same(b.equity(), num(&step["equity"])),
            "{ctx}: equity {} vs {}",
            b.equity(),
            step["equity"]
        );
        assert!(
            same(b.margin_available(), num(&step["margin"])),
            "{ctx}: margin {} vs {}",
            b.margin_available(),
            step["margin"]
        );
        let want = step["orders"].as_array().unwrap();
        assert_eq!(
            b.orders().len(),
            want.len(),
            "{ctx}: queue {:?} vs {want:?}",
            b.orders()
        );
        for (o, w) in b.orders().iter().zip(want) {
            let ok = same(o.size, num(&w[0]))
                && same_opt(o.limit, opt(&w[1]))
                && same_opt(o.stop, opt(&w[2]))
                && same_opt(o.sl, opt(&w[3]))
                && same_opt(o.tp, opt(&w[4]))
                && o.contingent == w[5].as_bool().unwrap()
                && o.int_size == w[6].as_bool().unwrap();
            assert!(ok, "{ctx}: order {o:?} vs {w}");
        }
    }
    assert!(steps.next().is_none(), "{name}: Python ran more bars");
    if case["finalize"].as_bool().unwrap() && !broke {
        b.finalize(n - 1, bars[n - 1], bars[n - 2].close).unwrap();
    }

    let want = case["closed"].as_array().unwrap();
    assert_eq!(b.closed_trades().len(), want.len(), "{name}: closed trades");
    for (c, w) in b.closed_trades().iter().zip(want) {
        let ok = same(c.size, num(&w[0]))
            && c.entry_bar == int(&w[1])
            && c.exit_bar == int(&w[2])
            && same(c.entry_price, num(&w[3]))
            && same(c.exit_price, num(&w[4]))
            && same(c.sl, num(&w[5]))
            && same(c.tp, num(&w[6]))
            && same(c.pnl, num(&w[7]))
            && same(c.commission, num(&w[8]))
            && same(c.return_pct, num(&w[9]))
            && c.tag == tag(&w[10])
            && c.int_size == w[11].as_bool().unwrap();
        assert!(ok, "{name}: closed {c:?} vs {w}");
    }
    let want = case["open"].as_array().unwrap();
    assert_eq!(b.trades().len(), want.len(), "{name}: open trades");
    for (t, w) in b.trades().iter().zip(want) {
        let ok = same(t.size, num(&w[0]))
            && t.entry_bar == int(&w[1])
            && same(t.entry_price, num(&w[2]))
            && same_opt(b.trade_sl(t.id), opt(&w[3]))
            && same_opt(b.trade_tp(t.id), opt(&w[4]))
            && t.tag == tag(&w[5])
            && t.int_size == w[6].as_bool().unwrap();
        assert!(ok, "{name}: open {t:?} vs {w}");
    }
    assert!(same(b.cash(), num(&case["cash"])), "{name}: final cash");
    let want: Vec<f64> = case["equity"].as_array().unwrap().iter().map(num).collect();
    assert_eq!(b.equity_curve().len(), want.len());
    for (k, (&e, &w)) in b.equity_curve().iter().zip(&want).enumerate() {
        assert!(same(e, w), "{name}: equity[{k}] {e} vs {w}");
    }
    let kinds: Vec<&str> = b
        .take_warning_records()
        .iter()
        .map(|w| match w {
            BrokerWarning::RelativeOrderCanceled { .. } => "relative",
            BrokerWarning::ContingentSameBar { .. } => "contingent",
        })
        .collect();
    let want: Vec<&str> = case["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(kinds, want, "{name}: warnings");
    let want: Vec<(f64, f64)> = case["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (num(&c[0]), num(&c[1])))
        .collect();
    let got = calls.lock().unwrap().clone();
    assert_eq!(got.len(), want.len(), "{name}: commission calls");
    for (k, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            same(g.0, w.0) && same(g.1, w.1),
            "{name}: call {k}: {g:?} vs {w:?}"
        );
    }
}

#[test]
fn random_runs_match_backtesting_py_bit_for_bit() {
    let cases = oracle();
    assert_eq!(cases.len(), 20);
    let mut oom = 0;
    let mut trades = 0;
    for case in &cases {
        replay(case);
        trades += case["closed"].as_array().unwrap().len();
        let eq = case["equity"].as_array().unwrap();
        oom += usize::from(num(&eq[eq.len() - 1]) == 0.0);
    }
    // The cases exercise what they claim to.
    assert!(trades > 500, "{trades} trades");
    assert!(oom >= 1, "no case ran out of money");
}
