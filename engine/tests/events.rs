//! The journal encoding of every engine input and output: each variant
//! round-trips through `encode`/`decode` bit for bit (NaN payloads, -0.0 and
//! subnormals included), strict prefixes and trailing bytes are errors,
//! decoding arbitrary bytes as any kind never panics, and unknown kinds and
//! other payload versions are refused.

use axon_engine::config::{DecisionLog, EngineConfig, RiskLimits, Sizing, StrategyConfig};
use axon_engine::event::{
    Action, CancelAck, CancelRequest, DataSource, Decision, EVENT_VERSION, Fill, InstrumentDef,
    KillSwitch, MarginCall, ModelOutput, ModelSwap, OrderAck, OrderIntent, OrderReject,
    OrderSubmitted, OrderType, Quantity, RiskReason, RiskReject, SessionStart, SwapRejected, Timer,
    WeightChange, WeightOverride, kind,
};
use axon_engine::market::{Bar, Side, Tick};
use axon_engine::{Event, Input, Output};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};

const CASES: u32 = 128;

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Floats with the awkward ones over-represented: NaNs with payloads and
/// either sign, signed zeros, subnormals, infinities, extremes.
fn float() -> BoxedStrategy<f64> {
    let specials = vec![
        0.0,
        -0.0,
        f64::NAN,
        -f64::NAN,
        f64::from_bits(0x7ff0_0000_0000_0001), // signalling NaN
        f64::from_bits(0x7ff8_dead_beef_0001), // quiet NaN with a payload
        f64::from_bits(0xfff4_0000_0000_0000), // negative signalling NaN
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::from_bits(1),                      // smallest subnormal
        -f64::from_bits(0x000f_ffff_ffff_ffff), // largest subnormal, negative
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        1.0,
        -1.5,
    ];
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        prop::sample::select(specials),
        any::<f64>(),
    ]
    .boxed()
}

fn floats(max: usize) -> BoxedStrategy<Vec<f64>> {
    prop::collection::vec(float(), 0..max).boxed()
}

fn text() -> BoxedStrategy<String> {
    prop::collection::vec(any::<char>(), 0..12)
        .prop_map(String::from_iter)
        .boxed()
}

fn side() -> BoxedStrategy<Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)].boxed()
}

fn opt_float() -> BoxedStrategy<Option<f64>> {
    prop::option::of(float()).boxed()
}

fn engine_config() -> BoxedStrategy<EngineConfig> {
    let sizing = prop_oneof![
        Just(Sizing::AllIn),
        float().prop_map(Sizing::Fixed),
        float().prop_map(Sizing::Fraction),
    ];
    let risk = (
        opt_float(),
        opt_float(),
        prop::option::of(any::<u32>()),
        opt_float(),
        prop::option::of(any::<u32>()),
        opt_float(),
        any::<bool>(),
    )
        .prop_map(|(n, p, r, d, o, b, halt)| RiskLimits {
            max_order_notional: n,
            max_position: p,
            max_orders_per_sec: r,
            max_drawdown_pct: d,
            max_open_orders: o,
            price_band_pct: b,
            kill_mode: if halt {
                axon_engine::config::KillMode::Halted
            } else {
                axon_engine::config::KillMode::Reducing
            },
        });
    let decisions = prop_oneof![Just(DecisionLog::Actions), Just(DecisionLog::All)];
    (
        float(),
        prop::collection::vec(text(), 0..4),
        any::<usize>(),
        any::<usize>(),
        sizing,
        risk,
        decisions,
        float(),
    )
        .prop_map(
            |(cash, instruments, fast, slow, sizing, risk, decisions, year_ns)| EngineConfig {
                cash,
                instruments,
                strategy: StrategyConfig::SmaCross { fast, slow },
                sizing,
                risk,
                decisions,
                year_ns,
                ensemble: axon_engine::EnsembleConfig {
                    threshold: year_ns.abs(),
                    weights: vec![cash],
                    dynamic: Some(axon_engine::DynamicWeights {
                        performance_window: fast,
                        min_observations: slow,
                        rebalance_every: fast as u64,
                        floor: cash,
                    }),
                },
            },
        )
        .boxed()
}

fn session_start() -> BoxedStrategy<SessionStart> {
    let source =
        (text(), any::<u64>(), text(), any::<u64>()).prop_map(|(path, bytes, sha256, rows)| {
            DataSource {
                path,
                bytes,
                sha256,
                rows,
            }
        });
    (
        engine_config(),
        text(),
        prop::collection::vec(source, 0..3),
        any::<u64>(),
        text(),
    )
        .prop_map(
            |(config, config_text, data, seed, engine_version)| SessionStart {
                config,
                config_text,
                data,
                seed,
                engine_version,
            },
        )
        .boxed()
}

fn tick() -> BoxedStrategy<Tick> {
    (
        any::<u32>(),
        float(),
        float(),
        float(),
        float(),
        float(),
        float(),
    )
        .prop_map(
            |(instrument, bid, ask, bid_size, ask_size, last, volume)| Tick {
                instrument,
                bid,
                ask,
                bid_size,
                ask_size,
                last,
                volume,
            },
        )
        .boxed()
}

fn bar() -> BoxedStrategy<Bar> {
    (any::<u32>(), float(), float(), float(), float(), float())
        .prop_map(|(instrument, open, high, low, close, volume)| Bar {
            instrument,
            open,
            high,
            low,
            close,
            volume,
        })
        .boxed()
}

fn input() -> BoxedStrategy<Input> {
    let swap = (
        any::<u16>(),
        any::<[u8; 32]>(),
        any::<u32>(),
        text(),
        prop::collection::vec((text(), float()), 0..4),
        prop::collection::vec(any::<u32>(), 0..4),
        text(),
    )
        .prop_map(
            |(slot, sha256, version, backend, params, input_shape, device)| {
                Input::ModelSwap(ModelSwap {
                    slot,
                    sha256,
                    version,
                    backend,
                    params,
                    input_shape,
                    device,
                })
            },
        );
    let fill = (
        any::<u64>(),
        any::<u32>(),
        side(),
        float(),
        float(),
        float(),
        any::<bool>(),
    )
        .prop_map(
            |(client_id, instrument, side, quantity, price, commission, last)| {
                Input::Fill(Fill {
                    client_id,
                    instrument,
                    side,
                    quantity,
                    price,
                    commission,
                    last,
                })
            },
        );
    Union::new(vec![
        session_start()
            .prop_map(|s| Input::SessionStart(Box::new(s)))
            .boxed(),
        tick().prop_map(Input::Tick).boxed(),
        bar().prop_map(Input::Bar).boxed(),
        swap.boxed(),
        (floats(5), text())
            .prop_map(|(weights, reason)| Input::WeightOverride(WeightOverride { weights, reason }))
            .boxed(),
        (any::<u64>(), text())
            .prop_map(|(client_id, venue_order_id)| {
                Input::OrderAck(OrderAck {
                    client_id,
                    venue_order_id,
                })
            })
            .boxed(),
        fill.boxed(),
        (any::<u64>(), text())
            .prop_map(|(client_id, reason)| Input::Reject(OrderReject { client_id, reason }))
            .boxed(),
        any::<u64>()
            .prop_map(|client_id| Input::CancelAck(CancelAck { client_id }))
            .boxed(),
        any::<u32>()
            .prop_map(|id| Input::Timer(Timer { id }))
            .boxed(),
        Just(Input::EndOfData).boxed(),
        (any::<u32>(), text())
            .prop_map(|(id, symbol)| Input::Instrument(InstrumentDef { id, symbol }))
            .boxed(),
        (any::<u16>(), any::<[u8; 32]>(), text())
            .prop_map(|(slot, sha256, reason)| {
                Input::ModelRejected(axon_engine::event::ModelRejected {
                    slot,
                    sha256,
                    reason,
                })
            })
            .boxed(),
        (
            text(),
            float(),
            float(),
            text(),
            any::<bool>(),
            float(),
            text(),
        )
            .prop_map(|(asset, free, locked, id, buy, qty, diff)| {
                Input::Reconcile(axon_engine::event::Reconcile {
                    venue: "binance".into(),
                    balances: vec![(asset, free, locked)],
                    open_orders: vec![axon_engine::event::VenueOpenOrder {
                        symbol: "BTCUSDT".into(),
                        client_order_id: id,
                        side: if buy { Side::Buy } else { Side::Sell },
                        price: free,
                        quantity: qty,
                        executed: locked,
                    }],
                    differences: vec![diff],
                })
            })
            .boxed(),
        (
            any::<u32>(),
            float(),
            float(),
            proptest::option::of((text(), float())),
        )
            .prop_map(|(instrument, step, fee_rate, quote)| {
                Input::SizingBasis(axon_engine::event::SizingBasis {
                    instrument,
                    step,
                    fee_rate,
                    quote,
                })
            })
            .boxed(),
    ])
    .boxed()
}

fn order_intent() -> BoxedStrategy<OrderIntent> {
    let quantity = prop_oneof![
        float().prop_map(Quantity::Units),
        float().prop_map(Quantity::EquityFraction),
    ];
    let order_type = prop_oneof![
        Just(OrderType::Market),
        float().prop_map(OrderType::Limit),
        Just(OrderType::MarketOnClose),
    ];
    (
        any::<u64>(),
        any::<u32>(),
        side(),
        quantity,
        order_type,
        float(),
        any::<bool>(),
    )
        .prop_map(
            |(client_id, instrument, side, quantity, order_type, reference_price, reduce_only)| {
                OrderIntent {
                    client_id,
                    instrument,
                    side,
                    quantity,
                    order_type,
                    reference_price,
                    reduce_only,
                }
            },
        )
        .boxed()
}

fn output() -> BoxedStrategy<Output> {
    let action = prop_oneof![Just(Action::Buy), Just(Action::Sell), Just(Action::Hold)];
    let model = (
        any::<u16>(),
        any::<u32>(),
        (float(), float(), float()),
        floats(4),
        any::<[u8; 32]>(),
    )
        .prop_map(
            |(slot, version, (b, s, h), features, input_sha256)| ModelOutput {
                slot,
                version,
                raw: [b, s, h],
                features,
                input_sha256,
            },
        );
    let decision = (
        any::<u32>(),
        any::<u64>(),
        float(),
        prop::collection::vec(model, 0..3),
        floats(3),
        float(),
        action,
    )
        .prop_map(
            |(instrument, bar_index, price, models, weights, score, action)| {
                Output::Decision(Decision {
                    instrument,
                    bar_index,
                    price,
                    models,
                    weights,
                    score,
                    action,
                })
            },
        );
    let reason = prop_oneof![
        Just(RiskReason::MaxOrderNotional),
        Just(RiskReason::MaxPosition),
        Just(RiskReason::MaxOrderRate),
        Just(RiskReason::KillSwitch),
        Just(RiskReason::MaxOpenOrders),
        Just(RiskReason::PriceBand),
        Just(RiskReason::Halted),
    ];
    Union::new(vec![
        decision.boxed(),
        (floats(4), text())
            .prop_map(|(weights, reason)| Output::WeightChange(WeightChange { weights, reason }))
            .boxed(),
        order_intent().prop_map(Output::OrderIntent).boxed(),
        (any::<u64>(), reason, float(), float())
            .prop_map(|(client_id, reason, value, limit)| {
                Output::RiskReject(RiskReject {
                    client_id,
                    reason,
                    value,
                    limit,
                })
            })
            .boxed(),
        order_intent()
            .prop_map(|order| Output::OrderSubmitted(OrderSubmitted { order }))
            .boxed(),
        any::<u64>()
            .prop_map(|client_id| Output::CancelRequest(CancelRequest { client_id }))
            .boxed(),
        (float(), float(), any::<bool>())
            .prop_map(|(drawdown_pct, limit_pct, halt)| {
                Output::KillSwitch(KillSwitch {
                    drawdown_pct,
                    limit_pct,
                    mode: if halt {
                        axon_engine::config::KillMode::Halted
                    } else {
                        axon_engine::config::KillMode::Reducing
                    },
                })
            })
            .boxed(),
        (any::<u16>(), any::<u32>(), text())
            .prop_map(|(slot, version, reason)| {
                Output::SwapRejected(SwapRejected {
                    slot,
                    version,
                    reason,
                })
            })
            .boxed(),
        float()
            .prop_map(|equity| Output::MarginCall(MarginCall { equity }))
            .boxed(),
    ])
    .boxed()
}

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
    if let OrderType::Limit(p) = o.order_type {
        bits.push(p.to_bits());
    }
    bits.push(o.reference_price.to_bits());
}

fn input_bits(i: &Input) -> Vec<u64> {
    let mut b = Vec::new();
    match i {
        Input::SessionStart(s) => {
            let c = &s.config;
            b.extend([c.cash.to_bits(), c.year_ns.to_bits()]);
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
        | Input::ModelRejected(_) => {}
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
const INPUT_KINDS: [u16; 15] = [
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
];
const OUTPUT_KINDS: [u16; 9] = [
    kind::DECISION,
    kind::WEIGHT_CHANGE,
    kind::ORDER_INTENT,
    kind::RISK_REJECT,
    kind::ORDER_SUBMITTED,
    kind::CANCEL_REQUEST,
    kind::KILL_SWITCH,
    kind::SWAP_REJECTED,
    kind::MARGIN_CALL,
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
        let kinds = INPUT_KINDS.iter().chain(&OUTPUT_KINDS).copied().chain([0, 13, 63, 73, other_kind]);
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
    assert_eq!(INPUT_KINDS.to_vec(), (1..=15).collect::<Vec<u16>>());
    assert_eq!(OUTPUT_KINDS.to_vec(), (64..=72).collect::<Vec<u16>>());
    assert_eq!(
        Output::MarginCall(MarginCall { equity: 0.0 }).kind(),
        kind::MARGIN_CALL
    );
}
