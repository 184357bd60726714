//! Paper trading as a venue: a real venue's market data, orders booked and
//! filled by the simulated exchange in step with that data (fills at the
//! next tick's quote, as in a backtest), the session's portfolio as the
//! account. Nothing is sent to the exchange but market-data subscriptions.

use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use axon_engine::market::Tick;
use axon_engine::{Input, Output, Portfolio};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::exchange::request::Order;
use crate::exchange::venue::{
    AdapterStats, Balance, Placed, Stamped, SymbolInfo, VenueError, VenueOrder, VenueTrade,
};
use crate::sim::{SimConfig, SimExchange};
use crate::venue::{Account, Venue};

/// A venue's market data against the simulated exchange.
#[derive(Debug)]
pub struct PaperVenue {
    data: Arc<dyn Venue>,
    sim: Mutex<SimExchange>,
}

impl PaperVenue {
    /// Paper trading on `data`'s market for `instruments` instruments; the
    /// simulator fills any positive quantity (orders come sized to the
    /// venue's quantity step).
    pub fn new(data: Arc<dyn Venue>, cfg: SimConfig, instruments: usize) -> Self {
        Self {
            data,
            sim: Mutex::new(SimExchange::new(cfg, instruments).with_fractional_units()),
        }
    }

    fn sim(&self) -> MutexGuard<'_, SimExchange> {
        // A panic while holding the lock cannot leave the book half-updated
        // in a way later steps rely on: each call is one whole operation.
        self.sim.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn in_step(&self) -> VenueError {
        VenueError::InStep { venue: "paper" }
    }
}

#[async_trait]
impl Venue for PaperVenue {
    fn name(&self) -> &'static str {
        self.data.name()
    }

    async fn connect(&self) -> Result<(), VenueError> {
        self.data.connect().await
    }

    fn symbol_info(&self, symbol: &str) -> Result<SymbolInfo, VenueError> {
        self.data.symbol_info(symbol)
    }

    fn stats(&self) -> Arc<AdapterStats> {
        self.data.stats()
    }

    fn close_orders(&self) {}

    fn spawn_market(
        self: Arc<Self>,
        tx: mpsc::Sender<Stamped>,
        stop: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        self.data.clone().spawn_market(tx, stop)
    }

    fn spawn_user(
        self: Arc<Self>,
        _tx: mpsc::Sender<Stamped>,
        _stop: watch::Receiver<bool>,
    ) -> Option<JoinHandle<()>> {
        None
    }

    async fn place_order(&self, _order: &Order) -> Result<Placed, VenueError> {
        Err(self.in_step())
    }

    async fn cancel_order(&self, _symbol: &str, _id: &str) -> Result<bool, VenueError> {
        Err(self.in_step())
    }

    async fn query_order(
        &self,
        _symbol: &str,
        _id: &str,
    ) -> Result<Option<VenueOrder>, VenueError> {
        Err(self.in_step())
    }

    async fn order_trades(&self, _order: &VenueOrder) -> Result<Vec<VenueTrade>, VenueError> {
        Err(self.in_step())
    }

    async fn open_orders(&self) -> Result<Vec<VenueOrder>, VenueError> {
        Err(self.in_step())
    }

    async fn balances(&self) -> Result<Vec<Balance>, VenueError> {
        Err(self.in_step())
    }

    async fn account(&self) -> Result<Option<Account>, VenueError> {
        Ok(None)
    }

    fn take_outputs(&self, outputs: &[Output]) -> bool {
        self.sim().on_outputs(outputs);
        true
    }

    fn before_tick(&self, tick: &Tick, portfolio: &Portfolio) -> Option<Input> {
        self.sim().before_tick(tick, portfolio)
    }

    fn after_tick(&self, tick: &Tick) {
        self.sim().after_tick(tick);
    }

    fn immediate(&self, portfolio: &Portfolio) -> Option<Input> {
        self.sim().immediate(portfolio)
    }
}
