//! The exchange adapters against the loopback mock exchange: connect,
//! place a limit and a market order, look one up by its client order id,
//! list open orders, cancel, rest a stop-loss at the venue (Binance
//! `STOP_LOSS`, an OKX trigger algo order), and read a few ticks and order
//! updates from the websockets.
//!
//! ```text
//! cargo run --example exchange
//! ```
//! Point `rest_url`/`ws_url` at a venue's testnet (and set real keys) to
//! run the same calls there. The calls go through the `Venue` port, as a
//! live session's do: `VenueKind::Okx` runs them against OKX's API.

use std::time::Duration;

use axon_adapters::VenueKind;
use axon_adapters::exchange::config::{ExchangeConfig, Secret};
use axon_adapters::exchange::request::{Order, OrderType, Side};
use axon_adapters::exchange::venue::{Placed, VenueEvent};
use axon_mockex::{MockConfig, MockExchange};
use rust_decimal::Decimal;
use tokio::sync::{mpsc, watch};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockExchange::start(MockConfig::default())?;
    println!("mock exchange: {}", mock.rest_url());
    let mut cfg = ExchangeConfig::new(vec!["BTCUSDT".into()]);
    cfg.api_key = Secret::new("mock-key");
    cfg.api_secret = Secret::new("mock-secret");
    cfg.testnet = true;
    cfg.rest_url = Some(mock.rest_url());
    cfg.ws_url = Some(mock.ws_url());
    let venue = VenueKind::Binance.open(cfg)?;
    venue.connect().await?;

    let (tx, mut rx) = mpsc::channel(1024);
    let (stop_tx, stop) = watch::channel(false);
    let market = venue.clone().spawn_market(tx.clone(), stop.clone());
    let user = venue
        .clone()
        .spawn_user(tx, stop)
        .ok_or("an exchange has an order-update stream")?;
    // Both sockets up before the first order, so its updates are seen.
    let mut up = 0;
    while up < 2 {
        match rx.recv().await.map(|s| s.event) {
            Some(VenueEvent::StreamUp { stream, .. }) => {
                println!("{stream} stream up");
                up += 1;
            }
            Some(_) => {}
            None => return Err("streams ended before connecting".into()),
        }
    }

    let limit = Order {
        symbol: "BTCUSDT".into(),
        side: Side::Buy,
        order_type: OrderType::Limit,
        price: Some(Decimal::new(40_000, 0)),
        quantity: Decimal::new(1, 3),
        stop_price: None,
        by_quote: false,
        client_order_id: "example-limit-1".into(),
        self_trade_prevention: None,
        iceberg_quantity: None,
    };
    println!(
        "limit buy 0.001 @ 40000: {:?}",
        venue.place_order(&limit).await?
    );
    let found = venue.query_order("BTCUSDT", "example-limit-1").await?;
    println!("looked up by client id: {found:?}");
    println!("open orders: {}", venue.open_orders().await?.len());
    println!(
        "cancelled: {}",
        venue.cancel_order("BTCUSDT", "example-limit-1").await?
    );

    let market_buy = Order {
        order_type: OrderType::Market,
        price: Some(Decimal::new(50_000, 0)), // reference for the notional check
        client_order_id: "example-market-1".into(),
        ..limit.clone()
    };
    match venue.place_order(&market_buy).await? {
        Placed::Accepted { venue_order_id } => {
            println!("market buy accepted: order {venue_order_id}")
        }
        Placed::Rejected { reason } => println!("market buy rejected: {reason}"),
    }
    // A rounding the symbol filters do before anything is sent:
    let tiny = Order {
        quantity: Decimal::new(1, 7),
        client_order_id: "example-tiny".into(),
        ..market_buy
    };
    println!("0.0000001 BTC: {:?}", venue.place_order(&tiny).await?);

    // A stop-loss for what was bought: a market sell once BTC trades at
    // 45,000 or below. It waits at the venue until then.
    let stop_loss = Order {
        side: Side::Sell,
        order_type: OrderType::StopMarket,
        price: None,
        stop_price: Some(Decimal::new(45_000, 0)),
        client_order_id: "example-stop-1".into(),
        ..limit
    };
    println!(
        "stop-loss sell 0.001 @ 45000: {:?}",
        venue.place_order(&stop_loss).await?
    );
    let resting = venue.query_order("BTCUSDT", "example-stop-1").await?;
    println!(
        "stop resting: {:?}",
        resting.map(|o| (o.status, o.executed))
    );
    println!(
        "stop cancelled: {}",
        venue.cancel_order("BTCUSDT", "example-stop-1").await?
    );

    let (mut ticks, mut updates) = (0, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    while let Ok(Some(s)) = tokio::time::timeout_at(deadline, rx.recv()).await {
        match s.event {
            VenueEvent::Tick(t) if ticks < 3 => {
                ticks += 1;
                println!("tick: bid {} ask {}", t.bid, t.ask);
            }
            VenueEvent::Tick(_) => ticks += 1,
            VenueEvent::Order(u) => {
                updates += 1;
                println!("order update: {} {:?}", u.client_order_id, u.kind);
            }
            other => println!("{other:?}"),
        }
    }
    println!("{ticks} ticks, {updates} order updates in 2 s");
    let _ = stop_tx.send(true);
    let _ = tokio::join!(market, user);
    mock.shutdown();
    Ok(())
}
