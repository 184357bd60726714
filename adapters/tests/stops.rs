//! Stops through the adapters against the loopback mock exchange: a stop
//! the last price has already reached, which Binance refuses ("would
//! trigger immediately"), goes out again under the same client id as the
//! market order it has become; a stop-limit that has not been reached rests
//! at the venue with its trigger.

use axon_adapters::exchange::binance::BinanceAdapter;
use axon_adapters::exchange::config::{ExchangeConfig, Secret};
use axon_adapters::exchange::request::{Order, OrderType, Side};
use axon_adapters::exchange::venue::{OrderStatus, Placed};
use axon_mockex::{MockConfig, MockExchange};
use rust_decimal::Decimal;

fn order(id: &str, order_type: OrderType, stop: i64, price: Option<i64>) -> Order {
    Order {
        symbol: "BTCUSDT".into(),
        side: Side::Sell,
        order_type,
        price: price.map(|p| Decimal::new(p, 0)),
        stop_price: Some(Decimal::new(stop, 0)),
        quantity: Decimal::new(1, 3),
        by_quote: false,
        client_order_id: id.into(),
        self_trade_prevention: None,
        iceberg_quantity: None,
    }
}

#[tokio::test]
async fn a_reached_stop_goes_out_as_the_order_it_became() {
    let m = MockExchange::start(MockConfig::default()).expect("mock exchange on loopback");
    let mut cfg = ExchangeConfig::new(vec!["BTCUSDT".into()]);
    cfg.api_key = Secret::new("mock-key");
    cfg.api_secret = Secret::new("mock-secret");
    cfg.testnet = true;
    cfg.rest_url = Some(m.rest_url());
    cfg.ws_url = Some(m.ws_url());
    let b = BinanceAdapter::new(cfg).unwrap();
    b.connect().await.unwrap();

    // The mock trades near 50,000: a sell stop at 60,000 is already reached.
    let placed = b
        .place_order(&order("reached1", OrderType::StopMarket, 60_000, None))
        .await
        .unwrap();
    assert!(matches!(placed, Placed::Accepted { .. }), "{placed:?}");
    let booked = m.orders();
    assert_eq!(booked.len(), 1, "one order booked, the refused stop is not");
    assert_eq!(booked[0].client_id, "reached1");
    assert_eq!(booked[0].order_type, "MARKET");
    assert_eq!(booked[0].status, "FILLED");

    // A stop-limit not reached yet rests, with its trigger on the tick grid.
    let placed = b
        .place_order(&order(
            "resting1",
            OrderType::StopLimit,
            40_000,
            Some(39_990),
        ))
        .await
        .unwrap();
    assert!(matches!(placed, Placed::Accepted { .. }), "{placed:?}");
    let o = b.query_order("BTCUSDT", "resting1").await.unwrap().unwrap();
    assert_eq!(o.status, OrderStatus::New);
    assert_eq!(o.executed, 0.0);
    let booked = m.orders();
    let resting = booked.iter().find(|o| o.client_id == "resting1").unwrap();
    assert_eq!(resting.order_type, "STOP_LOSS_LIMIT");
    assert_eq!(resting.stop_price, Some(40_000.0));
    assert_eq!(resting.price, Some(39_990.0));
    assert!(b.cancel_order("BTCUSDT", "resting1").await.unwrap());
    m.shutdown();
}
