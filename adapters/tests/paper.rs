//! Paper trading behind the `Venue` port: the engine's orders are booked
//! as they are decided and fill at the next tick's quote, in step with the
//! market data; the session's portfolio is the account; nothing goes to
//! the exchange by request.

use std::sync::Arc;

use axon_adapters::exchange::config::ExchangeConfig;
use axon_adapters::exchange::request::{Order, OrderType as VenueOrderType, Side as VenueSide};
use axon_adapters::exchange::venue::VenueError;
use axon_adapters::sim::{FillModel, SimConfig};
use axon_adapters::{PaperVenue, Venue, VenueKind};
use axon_engine::event::{
    CancelAck, CancelRequest, Fill, OrderIntent, OrderSubmitted, OrderType, Quantity,
};
use axon_engine::market::{Side, Tick};
use axon_engine::{Input, Output, Portfolio};
use rust_decimal::Decimal;

fn paper() -> PaperVenue {
    // The exchange's adapter is built but never connected: paper orders
    // never reach it.
    let data = VenueKind::Binance
        .open(ExchangeConfig::new(vec!["BTCUSDT".into()]))
        .expect("an adapter for the market data");
    PaperVenue::new(
        data,
        SimConfig {
            fill: FillModel::NextTick,
            commission_bps: 10.0,
            slippage: 0.0,
        },
        1,
    )
}

fn tick(bid: f64, ask: f64) -> Tick {
    Tick {
        instrument: 0,
        bid,
        ask,
        bid_size: 1.0,
        ask_size: 1.0,
        last: (bid + ask) / 2.0,
        volume: 0.0,
    }
}

fn buy(client_id: u64, units: f64) -> Output {
    Output::OrderSubmitted(OrderSubmitted {
        order: OrderIntent {
            client_id,
            instrument: 0,
            side: Side::Buy,
            quantity: Quantity::Units(units),
            order_type: OrderType::Market,
            reference_price: 100.0,
            reduce_only: false,
        },
    })
}

#[test]
fn orders_fill_at_the_next_tick_in_step() {
    let venue = paper();
    let portfolio = Portfolio::new(10_000.0, 1);
    venue.after_tick(&tick(99.0, 100.0));
    assert!(venue.take_outputs(&[buy(7, 0.25)]), "paper books in step");
    // Nothing fills before the next tick arrives.
    assert_eq!(venue.immediate(&portfolio), None);
    let next = tick(100.0, 101.0);
    let fill = venue.before_tick(&next, &portfolio);
    assert_eq!(
        fill,
        Some(Input::Fill(Fill {
            client_id: 7,
            instrument: 0,
            side: Side::Buy,
            quantity: 0.25,
            price: 101.0,
            commission: 0.25 * 101.0 * 10.0 / 10_000.0,
            last: true,
        }))
    );
    assert_eq!(venue.before_tick(&next, &portfolio), None, "filled once");
}

#[test]
fn cancels_are_acknowledged_at_once() {
    let venue = paper();
    let portfolio = Portfolio::new(10_000.0, 1);
    venue.after_tick(&tick(99.0, 100.0));
    venue.take_outputs(&[buy(3, 1.0)]);
    venue.take_outputs(&[Output::CancelRequest(CancelRequest { client_id: 3 })]);
    assert_eq!(
        venue.immediate(&portfolio),
        Some(Input::CancelAck(CancelAck { client_id: 3 }))
    );
    assert_eq!(venue.before_tick(&tick(100.0, 101.0), &portfolio), None);
}

#[tokio::test]
async fn the_portfolio_is_the_account_and_nothing_goes_by_request() {
    let venue = paper();
    assert!(venue.account().await.expect("no request made").is_none());
    assert!(
        Arc::new(paper())
            .spawn_user(
                tokio::sync::mpsc::channel(1).0,
                tokio::sync::watch::channel(false).1
            )
            .is_none()
    );
    let order = Order {
        symbol: "BTCUSDT".into(),
        side: VenueSide::Buy,
        order_type: VenueOrderType::Market,
        price: None,
        quantity: Decimal::ONE,
        stop_price: None,
        by_quote: false,
        client_order_id: "x".into(),
        self_trade_prevention: None,
        iceberg_quantity: None,
    };
    let err = venue.place_order(&order).await.unwrap_err();
    assert!(matches!(err, VenueError::InStep { .. }), "{err}");
}
