//! State shared by the HTTP handlers, the socket tasks and the ticker.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokio::sync::broadcast;

use crate::faults::{Ctrl, FaultQueue};
use crate::market::{Market, MdEvent};
use crate::matching::{Order, OrderEvent};
use crate::util::{now_ms, random_id};
use crate::{FeeAsset, MockConfig, Venue};

/// Events a slow subscriber may fall behind by before it skips ahead.
const CHANNEL_CAPACITY: usize = 4096;

/// Everything the server tasks share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub cfg: MockConfig,
    /// Each symbol's Binance name, in symbol order.
    pub binance_names: Vec<String>,
    state: Mutex<State>,
    faults: Mutex<FaultQueue>,
    pub placements: AtomicU64,
    pub pongs: AtomicU64,
    pub connections: AtomicU64,
    /// Market data events published, messages sent, events dropped.
    pub md_published: AtomicU64,
    pub md_sent: AtomicU64,
    pub md_dropped: AtomicU64,
    pub load_ms: AtomicU64,
    pub md_tx: broadcast::Sender<MdEvent>,
    pub ctrl_tx: broadcast::Sender<Ctrl>,
}

/// Mutable exchange state, behind one lock (critical sections are short and
/// never await).
#[derive(Debug)]
pub(crate) struct State {
    pub markets: Vec<Market>,
    /// Every order ever booked, in booking order.
    pub orders: Vec<Order>,
    /// No order below this index is open: matching starts here, so a long
    /// session's filled orders cost nothing per tick.
    pub first_open: usize,
    /// (venue, client id) of every order ever booked.
    pub booked: HashSet<(Venue, String)>,
    pub next_order_id: HashMap<Venue, u64>,
    /// Total holdings per venue and asset; free = total - locked by open orders.
    pub balances: HashMap<Venue, HashMap<String, f64>>,
    pub listen_keys: HashSet<String>,
    /// Binance request weight: (minute, weight used in it).
    pub weight: (u64, u64),
    /// Binance placement times, for `X-MBX-ORDER-COUNT-10S`.
    pub order_times: VecDeque<u64>,
    pub order_tx: broadcast::Sender<OrderEvent>,
    pub fee_rate: f64,
    pub fee_asset: FeeAsset,
    /// The last execution's `bill_id`.
    pub last_bill_id: u64,
    pub partial_fills: u32,
    /// For listen keys and connection ids; kept apart from the walk so that
    /// issuing them never changes prices.
    pub id_rng: ChaCha8Rng,
}

impl Shared {
    pub(crate) fn new(cfg: MockConfig) -> Self {
        let markets = cfg
            .symbols
            .iter()
            .enumerate()
            .map(|(i, s)| Market::new(s.clone(), cfg.seed, i))
            .collect();
        let mut assets: HashMap<String, f64> = HashMap::new();
        for s in &cfg.symbols {
            assets.entry(s.base.clone()).or_default();
            assets.entry(s.quote.clone()).or_default();
        }
        for (asset, amount) in &cfg.balances {
            *assets.entry(asset.clone()).or_default() += amount;
        }
        let state = State {
            markets,
            orders: Vec::new(),
            first_open: 0,
            booked: HashSet::new(),
            next_order_id: HashMap::from([(Venue::Binance, 1), (Venue::Okx, 1)]),
            balances: HashMap::from([(Venue::Binance, assets.clone()), (Venue::Okx, assets)]),
            listen_keys: HashSet::new(),
            weight: (0, 0),
            order_times: VecDeque::new(),
            order_tx: broadcast::channel(CHANNEL_CAPACITY).0,
            fee_rate: cfg.taker_fee_rate,
            fee_asset: cfg.fee_asset.clone(),
            last_bill_id: 0,
            partial_fills: cfg.partial_fills.max(1),
            id_rng: ChaCha8Rng::seed_from_u64(cfg.seed ^ 0x05ee_d1d5),
        };
        Self {
            binance_names: cfg.symbols.iter().map(|s| s.binance_name()).collect(),
            cfg,
            state: Mutex::new(state),
            faults: Mutex::new(FaultQueue::default()),
            placements: AtomicU64::new(0),
            pongs: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            md_published: AtomicU64::new(0),
            md_sent: AtomicU64::new(0),
            md_dropped: AtomicU64::new(0),
            load_ms: AtomicU64::new(0),
            md_tx: broadcast::channel(CHANNEL_CAPACITY).0,
            ctrl_tx: broadcast::channel(16).0,
        }
    }

    /// The exchange state. A handler that panicked mid-update cannot leave it
    /// worse than a test would want to see, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultQueue> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh id of `len` alphanumerics (listen keys, connection ids).
    pub(crate) fn random_id(&self, len: usize) -> String {
        random_id(&mut self.lock().id_rng, len)
    }

    /// One market data tick: walk and publish (unless the feed is stale),
    /// then match resting orders.
    pub(crate) fn tick(&self) {
        let stale = self.faults().stale();
        let ts = now_ms();
        let mut st = self.lock();
        for i in 0..st.markets.len() {
            if !stale {
                self.publish(&mut st, i, ts);
            }
            st.match_resting(i, ts);
        }
    }

    /// Load mode: publishes at least `events` market data events, one
    /// symbol after another from `*next`, then matches resting orders.
    /// Returns how many were published.
    pub(crate) fn burst(&self, next: &mut usize, events: u64) -> u64 {
        let ts = now_ms();
        let mut st = self.lock();
        let n = st.markets.len();
        let mut published = 0;
        while published < events {
            published += self.publish(&mut st, *next % n, ts);
            *next = (*next + 1) % n;
        }
        for i in 0..n {
            st.match_resting(i, ts);
        }
        published
    }

    /// Steps symbol `i`'s walk and broadcasts its book change and trade, if
    /// any; returns the number of events.
    fn publish(&self, st: &mut State, i: usize, ts: u64) -> u64 {
        let (tick, trade) = st.markets[i].step(i, ts);
        // No subscribers is fine: nothing is listening yet.
        let _ = self.md_tx.send(MdEvent::Tick(tick.into()));
        let mut events = 1;
        if let Some(trade) = trade {
            let _ = self.md_tx.send(MdEvent::Trade(trade.into()));
            events += 1;
        }
        self.md_published.fetch_add(events, Ordering::Relaxed);
        events
    }

    /// Symbol index by Binance name (case-insensitive, as streams are lowercase).
    pub(crate) fn binance_symbol(&self, name: &str) -> Option<usize> {
        self.cfg
            .symbols
            .iter()
            .position(|s| s.binance_name().eq_ignore_ascii_case(name))
    }

    /// Symbol index by OKX name.
    pub(crate) fn okx_symbol(&self, name: &str) -> Option<usize> {
        self.cfg.symbols.iter().position(|s| s.okx_name() == name)
    }
}

impl State {
    /// Adds Binance request weight and returns the weight used this minute.
    pub(crate) fn add_weight(&mut self, weight: u64, now: u64) -> u64 {
        let minute = now / 60_000;
        if self.weight.0 != minute {
            self.weight = (minute, 0);
        }
        self.weight.1 += weight;
        self.weight.1
    }

    /// Binance orders placed in the last ten seconds.
    pub(crate) fn orders_last_10s(&mut self, now: u64) -> usize {
        while self.order_times.front().is_some_and(|&t| t + 10_000 <= now) {
            self.order_times.pop_front();
        }
        self.order_times.len()
    }
}
