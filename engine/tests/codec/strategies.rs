//! proptest strategies for every engine input and output, with the
//! awkward floats (NaN payloads, signed zeros, subnormals) over-represented.

use axon_engine::bars::BarSpec;
use axon_engine::config::{DecisionLog, EngineConfig, RiskLimits, Segment, Sizing, StrategyConfig};
use axon_engine::event::{
    Action, Bracket, CancelAck, CancelRequest, DataSource, Decision, Fill, InstrumentDef,
    KillSwitch, MarginCall, ModelOutput, ModelSwap, Operator, OperatorCommand, OrderAck,
    OrderIntent, OrderReject, OrderSubmitted, OrderType, Quantity, RiskReason, RiskReject,
    SessionStart, SwapRejected, Timer, WeightChange, WeightOverride,
};
use axon_engine::market::{Bar, Side, Tick};
use axon_engine::{Input, Output};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};

/// Floats with the awkward ones over-represented: NaNs with payloads and
/// either sign, signed zeros, subnormals, infinities, extremes.
pub fn float() -> BoxedStrategy<f64> {
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

pub fn floats(max: usize) -> BoxedStrategy<Vec<f64>> {
    prop::collection::vec(float(), 0..max).boxed()
}

pub fn text() -> BoxedStrategy<String> {
    prop::collection::vec(any::<char>(), 0..12)
        .prop_map(String::from_iter)
        .boxed()
}

pub fn side() -> BoxedStrategy<Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)].boxed()
}

pub fn opt_float() -> BoxedStrategy<Option<f64>> {
    prop::option::of(float()).boxed()
}

pub fn engine_config() -> BoxedStrategy<EngineConfig> {
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
    let strategy = prop_oneof![
        (any::<usize>(), any::<usize>())
            .prop_map(|(fast, slow)| StrategyConfig::SmaCross { fast, slow }),
        (any::<u64>(), any::<i64>(), any::<i64>(), any::<usize>()).prop_map(
            |(warmup, warm_from_ns, trade_from_ns, n)| StrategyConfig::WalkForward {
                warmup,
                segments: vec![Segment {
                    warm_from_ns,
                    trade_from_ns,
                    strategy: StrategyConfig::SmaCross { fast: n, slow: n },
                }],
            }
        ),
        (any::<usize>(), any::<usize>(), any::<bool>()).prop_map(|(n, exit_n, short)| {
            StrategyConfig::Donchian {
                n,
                exit_n,
                short,
                bars: vec![BarSpec::Ticks(n as u64)],
            }
        }),
        (any::<usize>(), float(), float(), any::<bool>()).prop_map(|(n, k, k_stop, short)| {
            StrategyConfig::Bollinger {
                n,
                k,
                k_stop,
                short,
                bars: vec![
                    BarSpec::Volume(k),
                    BarSpec::Time {
                        interval_ns: n as i64,
                    },
                ],
            }
        }),
    ];
    (
        float(),
        prop::collection::vec(text(), 0..4),
        (any::<usize>(), any::<usize>(), strategy),
        sizing,
        risk,
        decisions,
        float(),
    )
        .prop_map(
            |(cash, instruments, (fast, slow, strategy), sizing, risk, decisions, year_ns)| {
                EngineConfig {
                    cash,
                    instruments,
                    strategy,
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
                }
            },
        )
        .boxed()
}

pub fn session_start() -> BoxedStrategy<SessionStart> {
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

pub fn tick() -> BoxedStrategy<Tick> {
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

pub fn bar() -> BoxedStrategy<Bar> {
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

fn operator_command() -> impl Strategy<Value = OperatorCommand> {
    prop_oneof![
        Just(OperatorCommand::Pause),
        Just(OperatorCommand::Resume),
        Just(OperatorCommand::CancelAll),
        any::<bool>().prop_map(|on| OperatorCommand::KillSwitch { on }),
        proptest::option::of(any::<u32>())
            .prop_map(|instrument| OperatorCommand::Flatten { instrument }),
    ]
}

pub fn input() -> BoxedStrategy<Input> {
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
        (operator_command(), text())
            .prop_map(|(command, who)| Input::Operator(Operator { command, who }))
            .boxed(),
    ])
    .boxed()
}

pub fn order_intent() -> BoxedStrategy<OrderIntent> {
    let quantity = prop_oneof![
        float().prop_map(Quantity::Units),
        float().prop_map(Quantity::EquityFraction),
    ];
    let order_type = prop_oneof![
        Just(OrderType::Market),
        float().prop_map(OrderType::Limit),
        Just(OrderType::MarketOnClose),
        float().prop_map(OrderType::Stop),
        (float(), float()).prop_map(|(stop, limit)| OrderType::StopLimit { stop, limit }),
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

pub fn output() -> BoxedStrategy<Output> {
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
        Just(RiskReason::InvalidPrice),
        Just(RiskReason::InvalidQuantity),
        Just(RiskReason::BracketSide),
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
        (any::<u64>(), opt_float(), opt_float())
            .prop_map(|(entry, stop_loss, take_profit)| {
                Output::Bracket(Bracket {
                    entry,
                    stop_loss,
                    take_profit,
                })
            })
            .boxed(),
    ])
    .boxed()
}
