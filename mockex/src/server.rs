//! The running server: its own tokio runtime on a background thread, so it
//! serves plain `#[test]` functions and async code alike.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use tokio::sync::oneshot;

use crate::faults::{Ctrl, Fault, rest_faults};
use crate::state::Shared;
use crate::{MdStats, MockConfig, MockOrder, binance, okx};

/// How long stopping waits for socket tasks before dropping them.
const STOP_GRACE: Duration = Duration::from_millis(200);

/// A running mock exchange on 127.0.0.1. Dropping it stops the server.
#[derive(Debug)]
pub struct MockExchange {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MockExchange {
    /// Starts on 127.0.0.1 with an OS-assigned port.
    pub fn start(cfg: MockConfig) -> std::io::Result<MockExchange> {
        Self::start_on(cfg, 0)
    }

    /// Starts on 127.0.0.1 at `port` (0 = any free port).
    pub fn start_on(cfg: MockConfig, port: u16) -> std::io::Result<MockExchange> {
        validate(&cfg)?;
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("mockex")
            .enable_all()
            .build()?;
        let shared = Arc::new(Shared::new(cfg));
        let (stop, stopped) = oneshot::channel::<()>();
        let task_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("mockex".into())
            .spawn(move || {
                runtime.block_on(serve(task_shared, listener, stopped));
                runtime.shutdown_timeout(STOP_GRACE);
            })?;
        Ok(MockExchange {
            shared,
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: Binance under `/api/v3`, OKX under `/api/v5`.
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT`: Binance `/ws/...` and `/stream?streams=...`,
    /// OKX `/ws/v5/public` and `/ws/v5/private`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Queues a fault; socket-wide ones (`Disconnect`, `ServerShutdown`)
    /// act at once.
    pub fn inject(&self, fault: Fault) {
        tracing::debug!(?fault, "fault injected");
        match fault {
            // No socket open means nothing to do.
            Fault::Disconnect => drop(self.shared.ctrl_tx.send(Ctrl::Disconnect)),
            Fault::ServerShutdown => drop(self.shared.ctrl_tx.send(Ctrl::ServerShutdown)),
            other => self.shared.faults().push(other),
        }
    }

    /// Every order ever booked, in booking order.
    pub fn orders(&self) -> Vec<MockOrder> {
        self.shared
            .lock()
            .orders
            .iter()
            .map(|o| o.to_public())
            .collect()
    }

    /// Order placement requests received, refused ones included.
    pub fn placements(&self) -> u64 {
        self.shared.placements.load(Ordering::Relaxed)
    }

    /// Client ids booked more than once on the same venue. The mock refuses
    /// such duplicates, so this stays empty unless that check is broken; it
    /// is computed from the booked orders so that it would show.
    pub fn duplicate_client_ids(&self) -> Vec<String> {
        let st = self.shared.lock();
        let mut seen = std::collections::HashSet::new();
        let mut dups = Vec::new();
        for o in &st.orders {
            if !o.client_id.is_empty()
                && !seen.insert((o.venue, o.client_id.as_str()))
                && !dups.contains(&o.client_id)
            {
                dups.push(o.client_id.clone());
            }
        }
        dups
    }

    /// Pong frames (Binance) and answered text pings (OKX) from clients.
    pub fn pongs(&self) -> u64 {
        self.shared.pongs.load(Ordering::Relaxed)
    }

    /// Websocket connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// Market data published, sent and dropped so far.
    pub fn md_stats(&self) -> MdStats {
        let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        MdStats {
            published: get(&self.shared.md_published),
            sent: get(&self.shared.md_sent),
            dropped: get(&self.shared.md_dropped),
            load_ms: get(&self.shared.load_ms),
        }
    }

    /// Moves a symbol's best bid to `price` (ask one tick above); the random
    /// walk continues from there. Unknown symbols are ignored.
    pub fn set_price(&self, symbol_binance_name: &str, price: f64) {
        if let Some(i) = self.shared.binance_symbol(symbol_binance_name) {
            self.shared.lock().markets[i].set_price(price);
        }
    }

    /// Stops the server and joins its thread.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for MockExchange {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The server may already be gone; either way it stops.
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn validate(cfg: &MockConfig) -> std::io::Result<()> {
    let bad = |msg: &str| Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, msg));
    if cfg.symbols.is_empty() {
        return bad("mock exchange needs at least one symbol");
    }
    for s in &cfg.symbols {
        if !(s.tick_size > 0.0 && s.step_size > 0.0 && s.start_price > 0.0) {
            return bad("tick size, step size and start price must be positive");
        }
    }
    if cfg.tick_interval_ms == 0 || cfg.ping_interval_ms == 0 {
        return bad("tick and ping intervals must be positive");
    }
    if cfg.load.as_ref().is_some_and(|l| l.rate == 0) {
        return bad("the load rate must be positive");
    }
    if let crate::FeeAsset::Other { price, .. } = &cfg.fee_asset
        && !(*price > 0.0 && price.is_finite())
    {
        return bad("the fee asset's price must be positive");
    }
    Ok(())
}

fn router(shared: Arc<Shared>) -> Router {
    binance::routes()
        .merge(okx::routes())
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            rest_faults,
        ))
        // Outermost, so that rate-limited replies carry the weight headers too.
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            binance::usage_headers,
        ))
        .with_state(shared)
}

async fn serve(shared: Arc<Shared>, listener: TcpListener, stopped: oneshot::Receiver<()>) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "mock exchange could not use its listener");
            return;
        }
    };
    let ticker = match shared.cfg.load.clone() {
        Some(load) => tokio::spawn(crate::load::run(shared.clone(), load)),
        None => tokio::spawn(tick_loop(shared.clone())),
    };
    let app = router(shared);
    tokio::select! {
        r = axum::serve(listener, app) => {
            if let Err(e) = r {
                tracing::error!(error = %e, "mock exchange server failed");
            }
        }
        _ = stopped => {}
    }
    ticker.abort();
}

async fn tick_loop(shared: Arc<Shared>) {
    let mut every = tokio::time::interval(Duration::from_millis(shared.cfg.tick_interval_ms));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        shared.tick();
    }
}
