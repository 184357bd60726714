//! One type over both venues' adapters, so the session loop is written once.

use std::sync::Arc;

use axon_adapters::exchange::binance::BinanceAdapter;
use axon_adapters::exchange::config::ExchangeConfig;
use axon_adapters::exchange::okx::OkxAdapter;
use axon_adapters::exchange::request::Order;
use axon_adapters::exchange::venue::{
    AdapterStats, Balance, Placed, Stamped, SymbolInfo, VenueError, VenueOrder, VenueTrade,
};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::live::config::VenueKind;

#[derive(Debug, Clone)]
pub enum Venue {
    Binance(Arc<BinanceAdapter>),
    Okx(Arc<OkxAdapter>),
}

impl Venue {
    pub fn new(kind: VenueKind, cfg: ExchangeConfig) -> Result<Self, VenueError> {
        Ok(match kind {
            VenueKind::Binance => Self::Binance(Arc::new(BinanceAdapter::new(cfg)?)),
            VenueKind::Okx => Self::Okx(Arc::new(OkxAdapter::new(cfg)?)),
        })
    }

    pub fn stats(&self) -> Arc<AdapterStats> {
        match self {
            Self::Binance(a) => a.stats(),
            Self::Okx(a) => a.stats(),
        }
    }

    pub fn close_orders(&self) {
        match self {
            Self::Binance(a) => a.close_orders(),
            Self::Okx(a) => a.close_orders(),
        }
    }

    pub async fn connect(&self) -> Result<(), VenueError> {
        match self {
            Self::Binance(a) => a.connect().await,
            Self::Okx(a) => a.connect().await,
        }
    }

    pub async fn place_order(&self, order: &Order) -> Result<Placed, VenueError> {
        match self {
            Self::Binance(a) => a.place_order(order).await,
            Self::Okx(a) => a.place_order(order).await,
        }
    }

    pub async fn cancel_order(&self, symbol: &str, id: &str) -> Result<bool, VenueError> {
        match self {
            Self::Binance(a) => a.cancel_order(symbol, id).await,
            Self::Okx(a) => a.cancel_order(symbol, id).await,
        }
    }

    pub async fn query_order(
        &self,
        symbol: &str,
        id: &str,
    ) -> Result<Option<VenueOrder>, VenueError> {
        match self {
            Self::Binance(a) => a.query_order(symbol, id).await,
            Self::Okx(a) => a.query_order(symbol, id).await,
        }
    }

    pub async fn order_trades(&self, order: &VenueOrder) -> Result<Vec<VenueTrade>, VenueError> {
        match self {
            Self::Binance(a) => a.order_trades(order).await,
            Self::Okx(a) => a.order_trades(order).await,
        }
    }

    pub async fn open_orders(&self) -> Result<Vec<VenueOrder>, VenueError> {
        match self {
            Self::Binance(a) => a.open_orders().await,
            Self::Okx(a) => a.open_orders().await,
        }
    }

    pub fn symbol_info(&self, symbol: &str) -> Result<SymbolInfo, VenueError> {
        match self {
            Self::Binance(a) => a.symbol_info(symbol),
            Self::Okx(a) => a.symbol_info(symbol),
        }
    }

    pub async fn balances(&self) -> Result<Vec<Balance>, VenueError> {
        match self {
            Self::Binance(a) => a.balances().await,
            Self::Okx(a) => a.balances().await,
        }
    }

    pub fn spawn_market(
        &self,
        tx: mpsc::Sender<Stamped>,
        stop: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        match self {
            Self::Binance(a) => a.spawn_market(tx, stop),
            Self::Okx(a) => a.spawn_market(tx, stop),
        }
    }

    pub fn spawn_user(
        &self,
        tx: mpsc::Sender<Stamped>,
        stop: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        match self {
            Self::Binance(a) => a.spawn_user(tx, stop),
            Self::Okx(a) => a.spawn_user(tx, stop),
        }
    }
}
