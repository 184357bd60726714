//! The registry and every metric AXON exports.

use prometheus::{
    Encoder, Gauge, GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec,
    IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axon_engine::event::RiskReason;
use axon_engine::market::Side;

/// A metric could not be registered or encoded.
#[derive(Debug, thiserror::Error)]
#[error("metrics: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

/// Latency buckets from 10 µs to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    10.0,
];

/// Buckets for one model prediction (5 µs to 50 ms).
const INFERENCE_BUCKETS: [f64; 12] = [
    5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 5e-2,
];

/// Every metric, registered in its own registry.
#[derive(Debug, Clone)]
pub struct MetricsCollector {
    registry: Registry,
    order_latency: HistogramVec,
    operation_latency: HistogramVec,
    max_drawdown: Gauge,
    pnl: GaugeVec,
    equity: Gauge,
    position: GaugeVec,
    orders: IntCounterVec,
    order_quantity: prometheus::CounterVec,
    rejections: IntCounterVec,
    kill_switch: IntGauge,
    journal_fsync: Histogram,
    journal_records: IntCounter,
    journal_bytes: IntCounter,
    events: IntCounter,
    events_per_second: Gauge,
    market_data_received: GaugeVec,
    model_swaps: IntCounterVec,
    model_info: IntGaugeVec,
    inference_latency: HistogramVec,
    exchange_connected: IntGaugeVec,
    websocket_reconnects: IntCounterVec,
    rate_limit_headroom: GaugeVec,
    replication_lag_records: IntGauge,
    replication_lag_seconds: Gauge,
    /// The `model_info` labels published for each slot.
    model_slots: Arc<Mutex<BTreeMap<u16, [String; 4]>>>,
}

/// Atomic handles for one instrument, resolved once.
#[derive(Debug, Clone)]
pub struct InstrumentMetrics {
    /// Position in units.
    pub position: Gauge,
    /// PnL.
    pub pnl: Gauge,
    /// Orders by side.
    pub buys: IntCounter,
    /// Orders by side.
    pub sells: IntCounter,
}

fn reason_label(reason: RiskReason) -> &'static str {
    match reason {
        RiskReason::MaxOrderNotional => "max_order_notional",
        RiskReason::MaxPosition => "max_position",
        RiskReason::MaxOrderRate => "max_order_rate",
        RiskReason::KillSwitch => "kill_switch",
        RiskReason::MaxOpenOrders => "max_open_orders",
        RiskReason::PriceBand => "price_band",
        RiskReason::Halted => "halted",
        RiskReason::InvalidPrice => "invalid_price",
        RiskReason::InvalidQuantity => "invalid_quantity",
        RiskReason::BracketSide => "bracket_side",
    }
}

fn side_label(side: Side) -> &'static str {
    match side {
        Side::Buy => "buy",
        Side::Sell => "sell",
    }
}

impl MetricsCollector {
    /// Registers every metric in a fresh registry.
    pub fn new() -> Result<Self, MetricsError> {
        let registry = Registry::new();
        let r = &registry;
        fn reg<T: prometheus::core::Collector + Clone + 'static>(
            r: &Registry,
            m: T,
        ) -> Result<T, MetricsError> {
            r.register(Box::new(m.clone()))?;
            Ok(m)
        }
        let hist = |name: &str, help: &str| {
            HistogramOpts::new(name, help).buckets(LATENCY_BUCKETS.to_vec())
        };
        let collector = Self {
            order_latency: reg(
                r,
                HistogramVec::new(
                    hist(
                        "trading_order_latency_seconds",
                        "Order submission to acknowledgement or fill",
                    ),
                    &["venue"],
                )?,
            )?,
            operation_latency: reg(
                r,
                HistogramVec::new(
                    hist(
                        "axon_operation_latency_seconds",
                        "Latency of a named operation",
                    ),
                    &["operation"],
                )?,
            )?,
            max_drawdown: reg(
                r,
                Gauge::new(
                    "trading_max_drawdown",
                    "Largest peak-to-trough drawdown so far, as a ratio",
                )?,
            )?,
            pnl: reg(
                r,
                GaugeVec::new(
                    Opts::new("trading_pnl", "Realised plus unrealised PnL"),
                    &["symbol"],
                )?,
            )?,
            equity: reg(r, Gauge::new("trading_equity", "Account equity")?)?,
            position: reg(
                r,
                GaugeVec::new(
                    Opts::new("trading_position", "Signed position in units"),
                    &["symbol"],
                )?,
            )?,
            orders: reg(
                r,
                IntCounterVec::new(
                    Opts::new("trading_orders_total", "Orders sent"),
                    &["side", "symbol"],
                )?,
            )?,
            order_quantity: reg(
                r,
                prometheus::CounterVec::new(
                    Opts::new("trading_order_quantity_total", "Units ordered"),
                    &["side", "symbol"],
                )?,
            )?,
            rejections: reg(
                r,
                IntCounterVec::new(
                    Opts::new("trading_rejections_total", "Orders refused, by reason"),
                    &["reason"],
                )?,
            )?,
            kill_switch: reg(
                r,
                IntGauge::new(
                    "trading_kill_switch_engaged",
                    "1 while the drawdown kill switch is engaged",
                )?,
            )?,
            journal_fsync: reg(
                r,
                Histogram::with_opts(hist(
                    "journal_fsync_duration_seconds",
                    "Journal fdatasync duration",
                ))?,
            )?,
            journal_records: reg(
                r,
                IntCounter::new("journal_records_total", "Records appended to the journal")?,
            )?,
            journal_bytes: reg(
                r,
                IntCounter::new("journal_bytes_total", "Frame bytes appended to the journal")?,
            )?,
            events: reg(
                r,
                IntCounter::new("engine_events_total", "Inputs and outputs sequenced")?,
            )?,
            events_per_second: reg(
                r,
                Gauge::new(
                    "engine_events_per_second",
                    "Sequenced events per wall-clock second, over the run",
                )?,
            )?,
            market_data_received: reg(
                r,
                GaugeVec::new(
                    Opts::new(
                        "market_data_last_receive_timestamp_seconds",
                        "Wall-clock time of the last market data message",
                    ),
                    &["venue"],
                )?,
            )?,
            model_swaps: reg(
                r,
                IntCounterVec::new(
                    Opts::new("model_swaps_total", "Model swaps by result"),
                    &["slot", "result"],
                )?,
            )?,
            model_info: reg(
                r,
                IntGaugeVec::new(
                    Opts::new("model_info", "The model in each slot"),
                    &["slot", "version", "sha256", "backend"],
                )?,
            )?,
            inference_latency: reg(
                r,
                HistogramVec::new(
                    HistogramOpts::new(
                        "inference_latency_seconds",
                        "One model prediction, by backend and model (SHA-256 prefix)",
                    )
                    .buckets(INFERENCE_BUCKETS.to_vec()),
                    &["backend", "model"],
                )?,
            )?,
            replication_lag_records: reg(
                r,
                IntGauge::new(
                    "journal_replication_lag_records",
                    "Journal records written locally and not yet acknowledged by the replica (NATS JetStream)",
                )?,
            )?,
            replication_lag_seconds: reg(
                r,
                Gauge::new(
                    "journal_replication_lag_seconds",
                    "Age of the oldest journal record not yet acknowledged by the replica, seconds",
                )?,
            )?,
            exchange_connected: reg(
                r,
                IntGaugeVec::new(
                    Opts::new("exchange_connected", "1 while connected to the venue"),
                    &["venue"],
                )?,
            )?,
            websocket_reconnects: reg(
                r,
                IntCounterVec::new(
                    Opts::new("websocket_reconnects_total", "Websocket reconnects"),
                    &["venue"],
                )?,
            )?,
            rate_limit_headroom: reg(
                r,
                GaugeVec::new(
                    Opts::new(
                        "rate_limit_headroom_ratio",
                        "Remaining request budget over the limit",
                    ),
                    &["venue"],
                )?,
            )?,
            model_slots: Arc::default(),
            registry,
        };
        let build = IntGaugeVec::new(
            Opts::new("axon_build_info", "Build of the running axon"),
            &["version"],
        )?;
        collector.registry.register(Box::new(build.clone()))?;
        build.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        Ok(collector)
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> Result<String, MetricsError> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Resolves the per-instrument series once (then updates are atomics).
    pub fn instrument(&self, symbol: &str) -> InstrumentMetrics {
        InstrumentMetrics {
            position: self.position.with_label_values(&[symbol]),
            pnl: self.pnl.with_label_values(&[symbol]),
            buys: self.orders.with_label_values(&["buy", symbol]),
            sells: self.orders.with_label_values(&["sell", symbol]),
        }
    }

    /// Resolves the counter of one rejection reason.
    pub fn rejections_for(&self, reason: RiskReason) -> IntCounter {
        self.rejections.with_label_values(&[reason_label(reason)])
    }

    /// Counts an order (by side and symbol) and its units.
    pub fn record_order(&self, side: Side, symbol: &str, quantity: f64) {
        self.orders
            .with_label_values(&[side_label(side), symbol])
            .inc();
        if quantity.is_finite() && quantity > 0.0 {
            self.order_quantity
                .with_label_values(&[side_label(side), symbol])
                .inc_by(quantity);
        }
    }

    /// Observes an operation's latency in milliseconds.
    pub fn record_latency(&self, operation: &str, duration_ms: f64) {
        self.operation_latency
            .with_label_values(&[operation])
            .observe(duration_ms / 1e3);
    }

    /// The inference latency histogram of one model, resolved once so that
    /// each observation is a lock-free atomic update.
    pub fn inference_histogram(&self, backend: &str, model_sha256: &str) -> Histogram {
        let model = &model_sha256[..model_sha256.len().min(12)];
        self.inference_latency.with_label_values(&[backend, model])
    }

    /// Observes an order's submission-to-fill latency.
    pub fn record_order_latency(&self, venue: &str, seconds: f64) {
        self.order_latency
            .with_label_values(&[venue])
            .observe(seconds);
    }

    /// Sets a symbol's PnL.
    pub fn record_pnl(&self, pnl: f64, symbol: &str) {
        self.pnl.with_label_values(&[symbol]).set(pnl);
    }

    /// Sets equity and the largest drawdown (ratio).
    pub fn record_equity(&self, equity: f64, max_drawdown: f64) {
        self.equity.set(equity);
        self.max_drawdown.set(max_drawdown);
    }

    /// Counts a rejection whose reason is not a risk rule (e.g. `venue`).
    pub fn record_rejection(&self, reason: &str) {
        self.rejections.with_label_values(&[reason]).inc();
    }

    /// Sets the kill-switch state.
    pub fn set_kill_switch(&self, engaged: bool) {
        self.kill_switch.set(i64::from(engaged));
    }

    /// Observes one fdatasync.
    pub fn record_fsync(&self, seconds: f64) {
        self.journal_fsync.observe(seconds);
    }

    /// Adds journal records and bytes.
    pub fn add_journal(&self, records: u64, bytes: u64) {
        self.journal_records.inc_by(records);
        self.journal_bytes.inc_by(bytes);
    }

    /// Adds sequenced events.
    pub fn add_events(&self, n: u64) {
        self.events.inc_by(n);
    }

    /// Sets the event rate.
    pub fn set_events_per_second(&self, rate: f64) {
        self.events_per_second.set(rate);
    }

    /// Counts a model swap and, when it succeeded, publishes the model in
    /// the slot (replacing the slot's previous `model_info` series).
    pub fn record_model_swap(
        &self,
        slot: u16,
        version: u32,
        sha256: &str,
        backend: &str,
        ok: bool,
    ) {
        let slot_s = slot.to_string();
        let result = if ok { "ok" } else { "failed" };
        self.model_swaps
            .with_label_values(&[slot_s.as_str(), result])
            .inc();
        if !ok {
            return;
        }
        let labels = [
            slot_s,
            version.to_string(),
            sha256.to_string(),
            backend.to_string(),
        ];
        // Swaps are rare; this lock is nowhere near a hot path.
        let mut current = self.model_slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = current.insert(slot, labels.clone()) {
            let old: Vec<&str> = old.iter().map(String::as_str).collect();
            let _ = self.model_info.remove_label_values(&old);
        }
        let new: Vec<&str> = labels.iter().map(String::as_str).collect();
        self.model_info.with_label_values(&new).set(1);
    }

    /// Records a market data message received now (wall clock, live mode).
    pub fn record_market_data_received(&self, venue: &str, unix_seconds: f64) {
        self.market_data_received
            .with_label_values(&[venue])
            .set(unix_seconds);
    }

    /// Sets a venue's connection state.
    pub fn set_exchange_connected(&self, venue: &str, connected: bool) {
        self.exchange_connected
            .with_label_values(&[venue])
            .set(i64::from(connected));
    }

    /// Sets the journal's replication lag: records written and not yet
    /// acknowledged by the replica, and the oldest one's age.
    pub fn set_replication_lag(&self, records: u64, seconds: f64) {
        self.replication_lag_records
            .set(i64::try_from(records).unwrap_or(i64::MAX));
        self.replication_lag_seconds.set(seconds);
    }

    /// Counts a websocket reconnect.
    pub fn record_reconnect(&self, venue: &str) {
        self.websocket_reconnects.with_label_values(&[venue]).inc();
    }

    /// Sets the remaining share of a venue's request budget.
    pub fn set_rate_limit_headroom(&self, venue: &str, ratio: f64) {
        self.rate_limit_headroom
            .with_label_values(&[venue])
            .set(ratio);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_what_was_recorded() {
        let m = MetricsCollector::new().unwrap();
        m.record_order(Side::Buy, "BTCUSDT", 0.5);
        m.record_latency("decide", 2.0);
        m.record_pnl(-12.5, "BTCUSDT");
        m.record_equity(9_987.5, 0.0125);
        m.rejections_for(RiskReason::MaxPosition).inc();
        m.set_kill_switch(true);
        m.record_fsync(0.0004);
        m.add_journal(10, 920);
        m.record_model_swap(0, 1, "ab", "rule", true);
        m.record_model_swap(0, 2, "cd", "rule", true);
        m.record_model_swap(1, 1, "ef", "onnx", false);
        let text = m.render().unwrap();
        for line in [
            "trading_orders_total{side=\"buy\",symbol=\"BTCUSDT\"} 1",
            "trading_order_quantity_total{side=\"buy\",symbol=\"BTCUSDT\"} 0.5",
            "trading_pnl{symbol=\"BTCUSDT\"} -12.5",
            "trading_equity 9987.5",
            "trading_max_drawdown 0.0125",
            "trading_rejections_total{reason=\"max_position\"} 1",
            "trading_kill_switch_engaged 1",
            "journal_fsync_duration_seconds_count 1",
            "journal_records_total 10",
            "journal_bytes_total 920",
            "axon_operation_latency_seconds_count{operation=\"decide\"} 1",
            "model_swaps_total{result=\"failed\",slot=\"1\"} 1",
            "model_swaps_total{result=\"ok\",slot=\"0\"} 2",
            "model_info{backend=\"rule\",sha256=\"cd\",slot=\"0\",version=\"2\"} 1",
        ] {
            assert!(text.contains(line), "missing {line:?} in\n{text}");
        }
        assert!(
            !text.contains("sha256=\"ab\""),
            "the replaced model's info must go:\n{text}"
        );
    }
}
