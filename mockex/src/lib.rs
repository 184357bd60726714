//! A mock exchange on loopback for integration tests of the live exchange
//! adapters.
//!
//! One HTTP server answers a subset of Binance spot (`/api/v3/...`, `/ws/...`,
//! `/stream`) and OKX v5 (`/api/v5/...`, `/ws/v5/...`) on the same port. Both
//! venues quote a seeded random walk per symbol, book and fill orders against
//! it, push user-data events, and can be told to misbehave through [`Fault`]s.
//!
//! ```no_run
//! use axon_mockex::{Fault, MockConfig, MockExchange};
//!
//! let mock = MockExchange::start(MockConfig::default()).unwrap();
//! println!("{} {}", mock.rest_url(), mock.ws_url());
//! mock.inject(Fault::RateLimit { status: 429, retry_after_secs: 1, count: 1 });
//! mock.shutdown();
//! ```

mod binance;
mod faults;
mod load;
mod market;
mod matching;
mod okx;
mod server;
mod state;
mod util;

pub use faults::Fault;
pub use server::MockExchange;

/// One tradable pair, quoted on both venues.
#[derive(Debug, Clone, PartialEq)]
pub struct MockSymbol {
    /// Base asset, e.g. `BTC`.
    pub base: String,
    /// Quote asset, e.g. `USDT`; fees are charged in it unless
    /// [`MockConfig::fee_asset`] says otherwise.
    pub quote: String,
    /// Price grid; also the quoted spread.
    pub tick_size: f64,
    /// Quantity grid (Binance `stepSize`, OKX `lotSz` and `minSz`).
    pub step_size: f64,
    /// Smallest order notional Binance accepts (`NOTIONAL` filter).
    pub min_notional: f64,
    /// Where the random walk starts (the best bid).
    pub start_price: f64,
}

impl MockSymbol {
    /// A pair with BTC/USDT-like filters: tick 0.01, step 0.00001, min notional 5.
    pub fn new(base: &str, quote: &str, start_price: f64) -> Self {
        Self {
            base: base.to_owned(),
            quote: quote.to_owned(),
            tick_size: 0.01,
            step_size: 0.00001,
            min_notional: 5.0,
            start_price,
        }
    }

    /// The Binance name, e.g. `BTCUSDT`.
    pub fn binance_name(&self) -> String {
        format!("{}{}", self.base, self.quote)
    }

    /// The OKX name, e.g. `BTC-USDT`.
    pub fn okx_name(&self) -> String {
        format!("{}-{}", self.base, self.quote)
    }
}

/// How the mock is set up; see [`MockConfig::default`].
#[derive(Debug, Clone, PartialEq)]
pub struct MockConfig {
    /// The pairs both venues list.
    pub symbols: Vec<MockSymbol>,
    /// Binance `X-MBX-APIKEY` and OKX `OK-ACCESS-KEY`.
    pub api_key: String,
    /// HMAC secret for both venues.
    pub api_secret: String,
    /// OKX `OK-ACCESS-PASSPHRASE`.
    pub passphrase: String,
    /// Market data period in milliseconds.
    pub tick_interval_ms: u64,
    /// Period of the Ping frames sent on Binance sockets, in milliseconds.
    pub ping_interval_ms: u64,
    /// Seed of the price random walk.
    pub seed: u64,
    /// Each order fills in this many executions, one per tick.
    pub partial_fills: u32,
    /// Commission as a fraction of notional.
    pub taker_fee_rate: f64,
    /// The asset commissions are charged in.
    pub fee_asset: FeeAsset,
    /// Initial balances per asset; each venue has its own account holding them.
    pub balances: Vec<(String, f64)>,
    /// Load mode: market data at a set rate instead of one tick per
    /// `tick_interval_ms`.
    pub load: Option<Load>,
    /// Binance's published `ORDERS` limit per 10 s (clients pace to it).
    pub order_limit_10s: u64,
}

/// Load mode: `rate` market data events per second, spread round-robin
/// over the symbols in 1 ms batches, from the first websocket connection
/// on, for `duration` (or until stopped).
///
/// An event is a book change (pushed as `bookTicker`, a `depth` diff, and
/// OKX `tickers`/`bbo-tbt`/`books5`) or a trade (`aggTrade`, `trade`, OKX
/// `trades`): one in six events is a trade. A client subscribed to
/// `bookTicker` and `aggTrade` of every symbol receives `rate` messages a
/// second. Resting orders are matched after every batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    pub rate: u64,
    pub duration: Option<std::time::Duration>,
}

/// Market data counters (see [`MockExchange::md_stats`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct MdStats {
    /// Events published (book changes and trades).
    pub published: u64,
    /// Messages written to Binance market data sockets.
    pub sent: u64,
    /// Events a Binance socket with market data subscriptions fell too far
    /// behind to receive (the client read too slowly): skipped, never sent.
    pub dropped: u64,
    /// Milliseconds from the first connection to the last load batch.
    pub load_ms: u64,
}

impl Default for MockConfig {
    /// BTC/USDT at 50000, key `mock-key`, secret `mock-secret`, passphrase
    /// `mock-pass`, ticks every 20 ms, pings every second, one fill per order,
    /// 0.1 % fee in the quote asset, 100000 USDT and 1 BTC.
    fn default() -> Self {
        Self {
            symbols: vec![MockSymbol::new("BTC", "USDT", 50_000.0)],
            api_key: "mock-key".into(),
            api_secret: "mock-secret".into(),
            passphrase: "mock-pass".into(),
            tick_interval_ms: 20,
            ping_interval_ms: 1000,
            seed: 7,
            partial_fills: 1,
            taker_fee_rate: 0.001,
            fee_asset: FeeAsset::Quote,
            balances: vec![("USDT".into(), 100_000.0), ("BTC".into(), 1.0)],
            load: None,
            order_limit_10s: 100,
        }
    }
}

/// The asset an execution's commission is charged in.
#[derive(Debug, Clone, PartialEq)]
pub enum FeeAsset {
    /// The quote asset: `taker_fee_rate` times the notional.
    Quote,
    /// The asset the execution brings in, as Binance (without BNB) and OKX
    /// spot charge: the base asset on buys (`taker_fee_rate` times the
    /// quantity), the quote asset on sells.
    Received,
    /// Another asset, such as BNB: the quote-asset commission divided by
    /// `price`, the asset's fixed price in the quote asset.
    Other {
        /// The asset, e.g. `BNB`.
        asset: String,
        /// Its price in the quote asset.
        price: f64,
    },
}

/// Which venue's API an order came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Venue {
    /// Binance spot (`/api/v3`).
    Binance,
    /// OKX v5 (`/api/v5`).
    Okx,
}

/// A booked order as the mock sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct MockOrder {
    /// Venue it was placed on.
    pub venue: Venue,
    /// Venue's symbol name (`BTCUSDT` or `BTC-USDT`).
    pub symbol: String,
    /// Client order id (generated by the mock when the client sent none).
    pub client_id: String,
    /// Venue order id (per-venue counter from 1).
    pub venue_id: String,
    /// `BUY` or `SELL`.
    pub side: String,
    /// `MARKET`, `LIMIT`, `LIMIT_MAKER` (OKX `post_only`), `STOP_LOSS` or
    /// `STOP_LOSS_LIMIT`.
    pub order_type: String,
    /// Limit price; `None` for market orders.
    pub price: Option<f64>,
    /// A stop order's trigger price.
    pub stop_price: Option<f64>,
    /// Quantity in the base asset.
    pub quantity: f64,
    /// Filled quantity in the base asset.
    pub filled: f64,
    /// `NEW`, `PARTIALLY_FILLED`, `FILLED`, `CANCELED` or `EXPIRED` (IOC/FOK).
    pub status: String,
    /// Commission charged on its executions so far, in `commission_asset`.
    pub commission: f64,
    /// The asset the commission is charged in.
    pub commission_asset: String,
}
