//! Executions seen only through a lookup (after a stream gap or a restart)
//! carry the venue's commission: both adapters read an order's trades from
//! the loopback mock exchange, in the quote currency the way the streams
//! convert them.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axon_adapters::exchange::binance::BinanceAdapter;
use axon_adapters::exchange::config::{ExchangeConfig, Secret};
use axon_adapters::exchange::okx::OkxAdapter;
use axon_adapters::exchange::request::{Order, OrderType, Side};
use axon_adapters::exchange::venue::{
    OrderStatus, Placed, UpdateKind, VenueError, VenueOrder, VenueTrade,
};
use axon_mockex::{FeeAsset, MockConfig, MockExchange, MockOrder};
use rust_decimal::Decimal;

/// Commissions are printed with 8 decimals (Binance) or 10 (OKX).
const PRINTED: f64 = 1e-8;

fn mock(partial_fills: u32, fee_asset: FeeAsset) -> MockExchange {
    MockExchange::start(MockConfig {
        partial_fills,
        fee_asset,
        tick_interval_ms: 5,
        balances: vec![
            ("USDT".into(), 100_000.0),
            ("BTC".into(), 1.0),
            ("BNB".into(), 10.0),
        ],
        ..MockConfig::default()
    })
    .expect("mock exchange on loopback")
}

enum Adapter {
    Binance(BinanceAdapter),
    Okx(OkxAdapter),
}

impl Adapter {
    async fn connect(m: &MockExchange, okx: bool) -> Self {
        let symbol = if okx { "BTC-USDT" } else { "BTCUSDT" };
        let mut cfg = ExchangeConfig::new(vec![symbol.into()]);
        cfg.api_key = Secret::new("mock-key");
        cfg.api_secret = Secret::new("mock-secret");
        cfg.passphrase = Secret::new("mock-pass");
        cfg.testnet = true;
        cfg.rest_url = Some(m.rest_url());
        cfg.ws_url = Some(m.ws_url());
        let a = if okx {
            Self::Okx(OkxAdapter::new(cfg).unwrap())
        } else {
            Self::Binance(BinanceAdapter::new(cfg).unwrap())
        };
        match &a {
            Self::Binance(b) => b.connect().await.unwrap(),
            Self::Okx(o) => o.connect().await.unwrap(),
        }
        a
    }

    fn symbol(&self) -> &'static str {
        match self {
            Self::Binance(_) => "BTCUSDT",
            Self::Okx(_) => "BTC-USDT",
        }
    }

    /// A market order of `quantity` BTC, placed and then filled at the mock.
    async fn filled(&self, m: &MockExchange, side: Side, quantity: &str, id: &str) -> VenueOrder {
        let order = Order {
            symbol: self.symbol().into(),
            side,
            order_type: OrderType::Market,
            price: Some(Decimal::new(50_000, 0)),
            quantity: quantity.parse().unwrap(),
            stop_price: None,
            by_quote: false,
            client_order_id: id.into(),
            self_trade_prevention: None,
            iceberg_quantity: None,
        };
        let placed = match self {
            Self::Binance(b) => b.place_order(&order).await,
            Self::Okx(o) => o.place_order(&order).await,
        };
        assert!(matches!(placed, Ok(Placed::Accepted { .. })), "{placed:?}");
        let deadline = Instant::now() + Duration::from_secs(5);
        while mock_order(m, id).status != "FILLED" {
            assert!(Instant::now() < deadline, "{id} never filled");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let found = match self {
            Self::Binance(b) => b.query_order(self.symbol(), id).await,
            Self::Okx(o) => o.query_order(self.symbol(), id).await,
        };
        let o = found.unwrap().expect("the venue has the order");
        assert_eq!(o.status, OrderStatus::Filled);
        o
    }

    async fn trades(&self, o: &VenueOrder) -> Result<Vec<VenueTrade>, VenueError> {
        match self {
            Self::Binance(b) => b.order_trades(o).await,
            Self::Okx(a) => a.order_trades(o).await,
        }
    }
}

fn mock_order(m: &MockExchange, client_id: &str) -> MockOrder {
    m.orders()
        .into_iter()
        .find(|o| o.client_id == client_id)
        .expect("booked")
}

/// (quantity, commission) the updates add to an order of which `counted`
/// was already counted, as the live session counts them: by cumulative
/// quantity, so executions seen before add nothing.
fn added(updates: &[UpdateKind], counted: f64) -> (f64, f64) {
    let (mut filled, mut commission) = (counted, 0.0);
    for u in updates {
        let UpdateKind::Trade {
            cumulative,
            commission: c,
            ..
        } = u
        else {
            panic!("not a trade: {u:?}");
        };
        if *cumulative > filled + 1e-12 {
            filled = *cumulative;
            commission += c;
        }
    }
    (filled - counted, commission)
}

async fn quote_commission_from_the_trades(okx: bool) {
    let m = mock(3, FeeAsset::Quote);
    let a = Adapter::connect(&m, okx).await;
    let o = a.filled(&m, Side::Buy, "0.003", "lk1").await;
    let charged = mock_order(&m, "lk1");
    assert_eq!(charged.commission_asset, "USDT");
    assert!(charged.commission > 0.0);

    let trades = a.trades(&o).await.unwrap();
    assert_eq!(trades.len(), 3, "three executions: {trades:?}");
    let quantity: f64 = trades.iter().map(|t| t.quantity).sum();
    assert!((quantity - 0.003).abs() < 1e-12);
    let commission: f64 = trades.iter().map(|t| t.commission).sum();
    assert!(
        (commission - charged.commission).abs() < 3.0 * PRINTED,
        "{commission} vs the mock's {}",
        charged.commission
    );
    for t in &trades {
        assert_eq!(t.fee_asset, "USDT");
        assert!(t.commission > 0.0 && t.commission == t.fee, "{t:?}");
    }

    // The order's executions, as a lookup reports them: all three if none
    // was seen, only the later two if the stream brought the first.
    let updates = o.executions(&trades);
    assert!(
        matches!(updates.last(), Some(UpdateKind::Trade { last: true, cumulative, .. }) if *cumulative == o.executed)
    );
    let (q, c) = added(&updates, 0.0);
    assert!((q - 0.003).abs() < 1e-12 && (c - commission).abs() < 1e-12);
    let (q, c) = added(&updates, trades[0].quantity);
    assert!((q - (0.003 - trades[0].quantity)).abs() < 1e-12);
    assert!((c - (trades[1].commission + trades[2].commission)).abs() < 1e-12);

    // Nothing executed: no trades, and no request for them.
    let mut idle = o.clone();
    idle.executed = 0.0;
    assert!(a.trades(&idle).await.unwrap().is_empty());
}

#[tokio::test]
async fn binance_lookup_fills_carry_the_commission_charged_in_quote() {
    quote_commission_from_the_trades(false).await;
}

#[tokio::test]
async fn okx_lookup_fills_carry_the_commission_charged_in_quote() {
    quote_commission_from_the_trades(true).await;
}

/// A buy's commission charged in the base asset is priced at each trade's
/// price; one charged in BNB cannot be priced and counts as zero, with the
/// charge itself kept on the trade.
async fn commission_in_another_asset(okx: bool) {
    let m = mock(2, FeeAsset::Received);
    let a = Adapter::connect(&m, okx).await;
    let o = a.filled(&m, Side::Buy, "0.002", "base1").await;
    let charged = mock_order(&m, "base1");
    assert_eq!(charged.commission_asset, "BTC");
    let trades = a.trades(&o).await.unwrap();
    assert_eq!(trades.len(), 2);
    let fee: f64 = trades.iter().map(|t| t.fee).sum();
    assert!((fee - charged.commission).abs() < 2.0 * PRINTED, "{fee}");
    for t in &trades {
        assert_eq!(t.fee_asset, "BTC");
        assert!((t.commission - t.fee * t.price).abs() < 1e-9, "{t:?}");
        assert!(t.commission > 0.0);
    }
    // The sell side pays in the quote asset it receives.
    let sold = a.filled(&m, Side::Sell, "0.001", "base2").await;
    let trades = a.trades(&sold).await.unwrap();
    assert!(
        trades
            .iter()
            .all(|t| t.fee_asset == "USDT" && t.commission == t.fee)
    );

    let m = mock(
        1,
        FeeAsset::Other {
            asset: "BNB".into(),
            price: 600.0,
        },
    );
    let a = Adapter::connect(&m, okx).await;
    let o = a.filled(&m, Side::Buy, "0.002", "bnb1").await;
    let charged = mock_order(&m, "bnb1");
    let trades = a.trades(&o).await.unwrap();
    assert_eq!(trades.len(), 1);
    let t = &trades[0];
    assert_eq!(t.fee_asset, "BNB");
    assert!((t.fee - charged.commission).abs() < PRINTED && t.fee > 0.0);
    assert_eq!(t.commission, 0.0, "BNB has no price here");
}

#[tokio::test]
async fn binance_commissions_in_base_or_bnb_are_converted_or_kept_apart() {
    commission_in_another_asset(false).await;
}

#[tokio::test]
async fn okx_commissions_in_base_or_bnb_are_converted_or_kept_apart() {
    commission_in_another_asset(true).await;
}

#[tokio::test]
async fn binance_order_trades_weigh_five_against_the_minute_budget() {
    let m = mock(1, FeeAsset::Quote);
    let a = Adapter::connect(&m, false).await;
    let o = a.filled(&m, Side::Buy, "0.001", "w1").await;
    let Adapter::Binance(b) = &a else {
        unreachable!()
    };
    let stats = b.stats();
    assert_eq!(stats.weight_limit.load(Ordering::Relaxed), 6000);
    let before = stats.used_weight.load(Ordering::Relaxed);
    b.order_trades(&o).await.unwrap();
    let after = stats.used_weight.load(Ordering::Relaxed);
    // The venue's count after the request (5 more, or 5 in a new minute).
    assert!(after == before + 5 || after == 5, "{before} -> {after}");
}
