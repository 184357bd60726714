//! The journal encoding of every engine input and output: each variant
//! round-trips through `encode`/`decode` bit for bit (NaN payloads, -0.0 and
//! subnormals included), strict prefixes and trailing bytes are errors,
//! decoding arbitrary bytes as any kind never panics, and unknown kinds and
//! other payload versions are refused.

use axon_engine::config::{Sizing, StrategyConfig};
use axon_engine::event::{
    CancelAck, CancelRequest, EVENT_VERSION, MarginCall, OrderIntent, Quantity, Timer, kind,
};
use axon_engine::{Event, Input, Output};
use proptest::prelude::*;

mod strategies;

use strategies::{input, output};

const CASES: u32 = 128;

// ---------------------------------------------------------------------------
// Every float of an event, as bits (PartialEq cannot compare NaNs).
// ---------------------------------------------------------------------------

fn push_opt(bits: &mut Vec<u64>, v: Option<f64>) {
    match v {
        // A marker that no float's bits are compared against by position
        // alone: the Debug comparison checks Some/None.
        Some(v) => bits.extend([1, v.to_bits()]),
        None => bits.push(0),
    }
}

fn push_all(bits: &mut Vec<u64>, vs: &[f64]) {
    bits.push(vs.len() as u64);
    bits.extend(vs.iter().map(|v| v.to_bits()));
}

fn intent_bits(bits: &mut Vec<u64>, o: &OrderIntent) {
    match o.quantity {
        Quantity::Units(u) | Quantity::EquityFraction(u) => bits.push(u.to_bits()),
    }
    bits.extend(o.order_type.prices().map(f64::to_bits));
    bits.push(o.reference_price.to_bits());
}

fn input_bits(i: &Input) -> Vec<u64> {
    let mut b = Vec::new();
    match i {
        Input::SessionStart(s) => {
            let c = &s.config;
            b.extend([c.cash.to_bits(), c.year_ns.to_bits()]);
            if let StrategyConfig::Bollinger { k, k_stop, .. } = c.strategy {
                b.extend([k.to_bits(), k_stop.to_bits()]);
            }
            match c.sizing {
                Sizing::AllIn => {}
                Sizing::Fixed(v) | Sizing::Fraction(v) => b.push(v.to_bits()),
            }
            push_opt(&mut b, c.risk.max_order_notional);
            push_opt(&mut b, c.risk.max_position);
            push_opt(&mut b, c.risk.max_drawdown_pct);
        }
        Input::Tick(t) => {
            b.extend([t.bid, t.ask, t.bid_size, t.ask_size, t.last, t.volume].map(f64::to_bits))
        }
        Input::Bar(x) => b.extend([x.open, x.high, x.low, x.close, x.volume].map(f64::to_bits)),
        Input::ModelSwap(s) => b.extend(s.params.iter().map(|(_, v)| v.to_bits())),
        Input::WeightOverride(w) => push_all(&mut b, &w.weights),
        Input::Fill(f) => b.extend([f.quantity, f.price, f.commission].map(f64::to_bits)),
        Input::OrderAck(_)
        | Input::Reject(_)
        | Input::CancelAck(_)
        | Input::Timer(_)
        | Input::EndOfData
        | Input::Instrument(_)
        | Input::ModelRejected(_)
        | Input::Operator(_) => {}
        Input::SizingBasis(x) => {
            b.extend([x.step.to_bits(), x.fee_rate.to_bits()]);
            if let Some((_, free)) = &x.quote {
                b.push(free.to_bits());
            }
        }
        Input::Reconcile(r) => {
            for (_, free, locked) in &r.balances {
                b.extend([free.to_bits(), locked.to_bits()]);
            }
            for o in &r.open_orders {
                b.extend([o.price, o.quantity, o.executed].map(f64::to_bits));
            }
        }
    }
    b
}

fn output_bits(o: &Output) -> Vec<u64> {
    let mut b = Vec::new();
    match o {
        Output::Decision(d) => {
            b.push(d.price.to_bits());
            for m in &d.models {
                b.extend(m.raw.map(f64::to_bits));
                push_all(&mut b, &m.features);
            }
            push_all(&mut b, &d.weights);
            b.push(d.score.to_bits());
        }
        Output::WeightChange(w) => push_all(&mut b, &w.weights),
        Output::OrderIntent(i) => intent_bits(&mut b, i),
        Output::RiskReject(r) => b.extend([r.value, r.limit].map(f64::to_bits)),
        Output::OrderSubmitted(s) => intent_bits(&mut b, &s.order),
        Output::KillSwitch(k) => b.extend([k.drawdown_pct, k.limit_pct].map(f64::to_bits)),
        Output::MarginCall(m) => b.push(m.equity.to_bits()),
        Output::Bracket(x) => {
            push_opt(&mut b, x.stop_loss);
            push_opt(&mut b, x.take_profit);
        }
        Output::CancelRequest(_) | Output::SwapRejected(_) => {}
    }
    b
}

fn encode_input(i: &Input) -> Vec<u8> {
    let mut buf = Vec::new();
    i.encode(&mut buf);
    buf
}

fn encode_output(o: &Output) -> Vec<u8> {
    let mut buf = Vec::new();
    o.encode(&mut buf);
    buf
}

/// Kinds the engine knows, inputs then outputs.
const INPUT_KINDS: [u16; 16] = [
    kind::SESSION_START,
    kind::TICK,
    kind::BAR,
    kind::MODEL_SWAP,
    kind::WEIGHT_OVERRIDE,
    kind::ORDER_ACK,
    kind::FILL,
    kind::REJECT,
    kind::CANCEL_ACK,
    kind::TIMER,
    kind::END_OF_DATA,
    kind::INSTRUMENT,
    kind::MODEL_REJECTED,
    kind::RECONCILE,
    kind::SIZING_BASIS,
    kind::OPERATOR,
];
const OUTPUT_KINDS: [u16; 10] = [
    kind::DECISION,
    kind::WEIGHT_CHANGE,
    kind::ORDER_INTENT,
    kind::RISK_REJECT,
    kind::ORDER_SUBMITTED,
    kind::CANCEL_REQUEST,
    kind::KILL_SWITCH,
    kind::SWAP_REJECTED,
    kind::MARGIN_CALL,
    kind::BRACKET,
];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_input_round_trips_bit_for_bit(input in input()) {
        let bytes = encode_input(&input);
        let k = input.kind();
        prop_assert!(kind::is_input(k));
        prop_assert_ne!(kind::name(k), "Unknown");
        let back = Input::decode(k, EVENT_VERSION, &bytes)
            .map_err(|e| TestCaseError::fail(format!("{input:?}: {e}")))?;
        prop_assert_eq!(back.kind(), k);
        prop_assert_eq!(input_bits(&back), input_bits(&input));
        prop_assert_eq!(format!("{back:?}"), format!("{input:?}"));
        prop_assert_eq!(encode_input(&back), bytes.clone());
        // Through the kind-dispatching decoder as well.
        let ev = Event::decode(k, EVENT_VERSION, &bytes)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let Event::Input(ev) = ev else {
            return Err(TestCaseError::fail("an input kind decoded as an output"));
        };
        prop_assert_eq!(input_bits(&ev), input_bits(&input));
        // Truncated or padded payloads are errors, never a different value.
        for cut in 0..bytes.len() {
            prop_assert!(Input::decode(k, EVENT_VERSION, &bytes[..cut]).is_err(), "prefix {cut}");
        }
        let mut padded = bytes.clone();
        padded.push(0);
        prop_assert!(Input::decode(k, EVENT_VERSION, &padded).is_err());
        // Another version of the same payload is refused.
        for v in [0, EVENT_VERSION + 1, u16::MAX] {
            let err = Input::decode(k, v, &bytes).expect_err("wrong version decoded");
            prop_assert_eq!(err.version, v);
            prop_assert_eq!(err.kind, k);
        }
        // An input payload is never taken for an output.
        prop_assert!(Output::decode(k, EVENT_VERSION, &bytes).is_err());
    }

    #[test]
    fn every_output_round_trips_bit_for_bit(output in output()) {
        let bytes = encode_output(&output);
        let k = output.kind();
        prop_assert!(!kind::is_input(k));
        prop_assert_ne!(kind::name(k), "Unknown");
        let back = Output::decode(k, EVENT_VERSION, &bytes)
            .map_err(|e| TestCaseError::fail(format!("{output:?}: {e}")))?;
        prop_assert_eq!(back.kind(), k);
        prop_assert_eq!(output_bits(&back), output_bits(&output));
        prop_assert_eq!(format!("{back:?}"), format!("{output:?}"));
        prop_assert_eq!(encode_output(&back), bytes.clone());
        let ev = Event::decode(k, EVENT_VERSION, &bytes)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let Event::Output(ev) = ev else {
            return Err(TestCaseError::fail("an output kind decoded as an input"));
        };
        prop_assert_eq!(output_bits(&ev), output_bits(&output));
        for cut in 0..bytes.len() {
            prop_assert!(Output::decode(k, EVENT_VERSION, &bytes[..cut]).is_err(), "prefix {cut}");
        }
        let mut padded = bytes.clone();
        padded.push(0);
        prop_assert!(Output::decode(k, EVENT_VERSION, &padded).is_err());
        for v in [0, EVENT_VERSION + 1, u16::MAX] {
            let err = Output::decode(k, v, &bytes).expect_err("wrong version decoded");
            prop_assert_eq!(err.version, v);
            prop_assert_eq!(err.kind, k);
        }
        prop_assert!(Input::decode(k, EVENT_VERSION, &bytes).is_err());
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(
        bytes in prop::collection::vec(any::<u8>(), 0..96),
        other_kind in any::<u16>(),
        version in prop_oneof![Just(EVENT_VERSION), any::<u16>()],
    ) {
        let kinds = INPUT_KINDS.iter().chain(&OUTPUT_KINDS).copied().chain([0, 13, 63, 74, other_kind]);
        for k in kinds {
            // Ok or Err are both fine; a panic (or an abort) is not.
            let _ = Input::decode(k, version, &bytes);
            let _ = Output::decode(k, version, &bytes);
            if let Ok(ev) = Event::decode(k, version, &bytes) {
                let _ = ev.to_json();
            }
        }
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_prefix_never_panic(
        input in input(),
        tail in prop::collection::vec(any::<u8>(), 0..24),
        cut in any::<prop::sample::Index>(),
    ) {
        // Valid bytes up to a point, then garbage: reaches deep fields.
        let mut bytes = encode_input(&input);
        let at = cut.index(bytes.len() + 1);
        bytes.truncate(at);
        bytes.extend_from_slice(&tail);
        let _ = Input::decode(input.kind(), EVENT_VERSION, &bytes);
        let _ = Event::decode(input.kind(), EVENT_VERSION, &bytes);
    }
}

/// A string or vector length prefix far beyond the payload must be an error,
/// not an allocation of that size (which aborts the process).
#[test]
fn huge_length_prefixes_are_errors() {
    // bincode varints: 251 = u16 follows, 252 = u32, 253 = u64 (little-endian).
    let prefixes: [&[u8]; 4] = [
        &[253, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        &[253, 0, 0, 0, 0, 0, 0x01, 0, 0], // 2^48
        &[253, 0, 0, 0, 0, 0, 0, 0, 0x40],
        &[252, 0xff, 0xff, 0xff, 0x7f],
    ];
    for p in prefixes {
        // Instrument { id (varint), symbol (string) }.
        let mut payload = vec![0u8];
        payload.extend_from_slice(p);
        assert!(Input::decode(kind::INSTRUMENT, EVENT_VERSION, &payload).is_err());
        // OrderAck { client_id, venue_order_id }.
        assert!(Input::decode(kind::ORDER_ACK, EVENT_VERSION, &payload).is_err());
        // WeightOverride { weights: Vec<f64>, .. }: the length comes first.
        assert!(Input::decode(kind::WEIGHT_OVERRIDE, EVENT_VERSION, p).is_err());
        assert!(Output::decode(kind::WEIGHT_CHANGE, EVENT_VERSION, p).is_err());
        // SwapRejected { slot, version, reason }.
        let mut payload = vec![0u8, 0u8];
        payload.extend_from_slice(p);
        assert!(Output::decode(kind::SWAP_REJECTED, EVENT_VERSION, &payload).is_err());
    }
}

#[test]
fn unknown_kinds_are_errors() {
    let payload = encode_input(&Input::Timer(Timer { id: 3 }));
    for k in (0..=u16::MAX).filter(|k| !INPUT_KINDS.contains(k)) {
        let err = Input::decode(k, EVENT_VERSION, &payload).expect_err("unknown input kind");
        assert_eq!(err.kind, k);
    }
    for k in (0..=u16::MAX).filter(|k| !OUTPUT_KINDS.contains(k)) {
        let err = Output::decode(k, EVENT_VERSION, &payload).expect_err("unknown output kind");
        assert_eq!(err.kind, k);
    }
    for k in (0..=u16::MAX).filter(|k| !INPUT_KINDS.contains(k) && !OUTPUT_KINDS.contains(k)) {
        assert!(
            Event::decode(k, EVENT_VERSION, &payload).is_err(),
            "kind {k}"
        );
        assert_eq!(kind::name(k), "Unknown", "kind {k}");
    }
    // EndOfData carries no payload; one with bytes is not an EndOfData.
    assert_eq!(
        Input::decode(kind::END_OF_DATA, EVENT_VERSION, &[]),
        Ok(Input::EndOfData)
    );
    assert!(Input::decode(kind::END_OF_DATA, EVENT_VERSION, &[0]).is_err());
}

#[test]
fn wrong_versions_are_errors() {
    let input = Input::EndOfData;
    let output = Output::CancelRequest(CancelRequest { client_id: 9 });
    let out_bytes = encode_output(&output);
    for v in (0..=u16::MAX).filter(|&v| v != EVENT_VERSION) {
        let e = Input::decode(input.kind(), v, &[]).expect_err("input version");
        assert_eq!((e.kind, e.version), (kind::END_OF_DATA, v));
        assert!(e.to_string().contains("version"), "{e}");
        let e = Output::decode(output.kind(), v, &out_bytes).expect_err("output version");
        assert_eq!((e.kind, e.version), (kind::CANCEL_REQUEST, v));
        assert!(Event::decode(output.kind(), v, &out_bytes).is_err());
    }
    assert_eq!(
        Output::decode(output.kind(), EVENT_VERSION, &out_bytes),
        Ok(output)
    );
}

/// Kind numbers are on disk: they never change.
#[test]
fn kind_numbers_are_stable() {
    let inputs = [
        (Input::EndOfData.kind(), 11),
        (Input::Timer(Timer { id: 0 }).kind(), 10),
        (Input::CancelAck(CancelAck { client_id: 0 }).kind(), 9),
    ];
    for (got, want) in inputs {
        assert_eq!(got, want);
    }
    assert_eq!(INPUT_KINDS.to_vec(), (1..=16).collect::<Vec<u16>>());
    assert_eq!(OUTPUT_KINDS.to_vec(), (64..=73).collect::<Vec<u16>>());
    assert_eq!(
        Output::MarginCall(MarginCall { equity: 0.0 }).kind(),
        kind::MARGIN_CALL
    );
}
