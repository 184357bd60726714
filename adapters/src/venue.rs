//! The `Venue` port: what a live session asks of the place its orders go
//! and its market data comes from. Binance, OKX and the simulated exchange
//! (paper trading, see [`crate::paper`]) implement it, so the session loop
//! is written once and a new venue is a new implementation.
//!
//! A venue answers in one of two ways, and the port carries both without
//! the session asking which: a remote venue answers requests over the
//! network and reports order updates on its user stream; the simulated
//! exchange books the engine's orders as they are decided
//! ([`Venue::take_outputs`]) and fills them in step with the market data
//! ([`Venue::before_tick`], [`Venue::immediate`]), so a paper session's
//! fills depend on the ticks alone, as in a backtest.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use axon_engine::market::Tick;
use axon_engine::{Input, Output, Portfolio};
use serde::Deserialize;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::exchange::binance::BinanceAdapter;
use crate::exchange::config::ExchangeConfig;
use crate::exchange::okx::OkxAdapter;
use crate::exchange::request::Order;
use crate::exchange::venue::{
    AdapterStats, Balance, Placed, Stamped, SymbolInfo, VenueError, VenueOrder, VenueTrade,
};

/// Which exchange.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum VenueKind {
    Binance,
    Okx,
}

impl VenueKind {
    /// The name in logs, metrics and journals' reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::Binance => "binance",
            Self::Okx => "okx",
        }
    }

    /// The exchange's adapter.
    pub fn open(self, cfg: ExchangeConfig) -> Result<Arc<dyn Venue>, VenueError> {
        Ok(match self {
            Self::Binance => Arc::new(BinanceAdapter::new(cfg)?),
            Self::Okx => Arc::new(OkxAdapter::new(cfg)?),
        })
    }
}

/// The account as a venue holds it, for reconciliation and sizing.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// Non-zero balances.
    pub balances: Vec<Balance>,
    /// Open orders of the configured symbols.
    pub open_orders: Vec<VenueOrder>,
}

/// A venue.
#[async_trait]
pub trait Venue: Send + Sync + fmt::Debug {
    /// The venue's name in logs and metrics.
    fn name(&self) -> &'static str;

    /// Syncs the clock and loads the symbols' filters.
    async fn connect(&self) -> Result<(), VenueError>;

    /// A symbol's assets and filters (after `connect`).
    fn symbol_info(&self, symbol: &str) -> Result<SymbolInfo, VenueError>;

    /// Counters for operators.
    fn stats(&self) -> Arc<AdapterStats>;

    /// Refuses new orders from now on (a stopping session).
    fn close_orders(&self);

    /// Starts the market-data stream of the configured symbols; it ends
    /// when `stop` turns true.
    fn spawn_market(
        self: Arc<Self>,
        tx: mpsc::Sender<Stamped>,
        stop: watch::Receiver<bool>,
    ) -> JoinHandle<()>;

    /// Starts the account's order-update stream; `None` for a venue that
    /// answers in step with the market data.
    fn spawn_user(
        self: Arc<Self>,
        tx: mpsc::Sender<Stamped>,
        stop: watch::Receiver<bool>,
    ) -> Option<JoinHandle<()>>;

    /// Places an order.
    async fn place_order(&self, order: &Order) -> Result<Placed, VenueError>;

    /// Cancels by client order id; `false` when the order is not open.
    async fn cancel_order(&self, symbol: &str, client_order_id: &str) -> Result<bool, VenueError>;

    /// Looks an order up by client order id.
    async fn query_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> Result<Option<VenueOrder>, VenueError>;

    /// An order's executions, oldest first.
    async fn order_trades(&self, order: &VenueOrder) -> Result<Vec<VenueTrade>, VenueError>;

    /// Open orders of the configured symbols.
    async fn open_orders(&self) -> Result<Vec<VenueOrder>, VenueError>;

    /// Non-zero balances.
    async fn balances(&self) -> Result<Vec<Balance>, VenueError>;

    /// The account to reconcile the journal with and size from; `None`
    /// where the session's own portfolio is the account.
    async fn account(&self) -> Result<Option<Account>, VenueError> {
        Ok(Some(Account {
            balances: self.balances().await?,
            open_orders: self.open_orders().await?,
        }))
    }

    /// Offers the engine's outputs of one step. A venue that books orders
    /// in step takes its orders and cancels here and returns `true`; a
    /// remote venue returns `false`, and the session sends them by request.
    fn take_outputs(&self, _outputs: &[Output]) -> bool {
        false
    }

    /// The next fill due before the session journals `tick`, asked for
    /// again after each is stepped (it may size from the portfolio).
    fn before_tick(&self, _tick: &Tick, _portfolio: &Portfolio) -> Option<Input> {
        None
    }

    /// Notes the tick the session has just journaled.
    fn after_tick(&self, _tick: &Tick) {}

    /// The next event due at once (cancel acknowledgements).
    fn immediate(&self, _portfolio: &Portfolio) -> Option<Input> {
        None
    }
}

/// Binance and OKX answer by request and stream order updates: their
/// adapters' own methods, behind the port.
macro_rules! remote_venue {
    ($adapter:ty, $name:literal) => {
        #[async_trait]
        impl Venue for $adapter {
            fn name(&self) -> &'static str {
                $name
            }
            async fn connect(&self) -> Result<(), VenueError> {
                <$adapter>::connect(self).await
            }
            fn symbol_info(&self, symbol: &str) -> Result<SymbolInfo, VenueError> {
                <$adapter>::symbol_info(self, symbol)
            }
            fn stats(&self) -> Arc<AdapterStats> {
                <$adapter>::stats(self)
            }
            fn close_orders(&self) {
                <$adapter>::close_orders(self)
            }
            fn spawn_market(
                self: Arc<Self>,
                tx: mpsc::Sender<Stamped>,
                stop: watch::Receiver<bool>,
            ) -> JoinHandle<()> {
                <$adapter>::spawn_market(&self, tx, stop)
            }
            fn spawn_user(
                self: Arc<Self>,
                tx: mpsc::Sender<Stamped>,
                stop: watch::Receiver<bool>,
            ) -> Option<JoinHandle<()>> {
                Some(<$adapter>::spawn_user(&self, tx, stop))
            }
            async fn place_order(&self, order: &Order) -> Result<Placed, VenueError> {
                <$adapter>::place_order(self, order).await
            }
            async fn cancel_order(&self, symbol: &str, id: &str) -> Result<bool, VenueError> {
                <$adapter>::cancel_order(self, symbol, id).await
            }
            async fn query_order(
                &self,
                symbol: &str,
                id: &str,
            ) -> Result<Option<VenueOrder>, VenueError> {
                <$adapter>::query_order(self, symbol, id).await
            }
            async fn order_trades(
                &self,
                order: &VenueOrder,
            ) -> Result<Vec<VenueTrade>, VenueError> {
                <$adapter>::order_trades(self, order).await
            }
            async fn open_orders(&self) -> Result<Vec<VenueOrder>, VenueError> {
                <$adapter>::open_orders(self).await
            }
            async fn balances(&self) -> Result<Vec<Balance>, VenueError> {
                <$adapter>::balances(self).await
            }
        }
    };
}

remote_venue!(BinanceAdapter, "binance");
remote_venue!(OkxAdapter, "okx");
