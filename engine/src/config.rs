//! The engine's configuration. It is journaled in the session-start record,
//! so a replay rebuilds the engine from the journal alone.

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::bars::BarSpec;
use crate::ensemble::EnsembleConfig;
use crate::error::EngineError;

/// Everything that shapes the engine's decisions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct EngineConfig {
    /// Starting cash.
    pub cash: f64,
    /// Instrument symbols; `InstrumentId` indexes this list.
    pub instruments: Vec<String>,
    /// The built-in strategy and its settings (see [`StrategyConfig`]).
    pub strategy: StrategyConfig,
    /// Position sizing.
    pub sizing: Sizing,
    /// Risk limits.
    pub risk: RiskLimits,
    /// Which decisions to journal.
    pub decisions: DecisionLog,
    /// Nanoseconds per year. Kept for the session-start record's layout;
    /// statistics annualise from the data's calendar (see `stats`).
    pub year_ns: f64,
    /// How the ensemble combines and weights its models.
    pub ensemble: EnsembleConfig,
}

/// The built-in strategy. Ensemble slot 0 is the strategy's: the SMA rule
/// for `SmaCross` (which the ensemble strategy trades on, with any model
/// slots after it), an inert placeholder for the price-action strategies
/// (which trade on their own rule and leave the model slots, numbered from
/// 1 either way, to strategies that consult them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub enum StrategyConfig {
    /// Simple moving-average crossover on the bar close (or the tick mid),
    /// traded through the ensemble ([`crate::strategy::EnsembleStrategy`]).
    SmaCross {
        /// Fast window.
        fast: usize,
        /// Slow window.
        slow: usize,
    },
    /// Donchian channel breakout ([`crate::strategy::Donchian`]).
    Donchian {
        /// Entry channel: a buy stop at the highest high of the last `n`
        /// bars (a sell stop at the lowest low).
        n: usize,
        /// Exit channel: the stop-loss trails the lowest low (a short's:
        /// the highest high) of the last `exit_n` bars.
        exit_n: usize,
        /// Whether to trade downside breakouts too.
        short: bool,
        /// Bars built from ticks to trade on (see [`crate::bars`]); empty:
        /// every market event is a bar.
        bars: Vec<BarSpec>,
    },
    /// Bollinger band mean reversion ([`crate::strategy::Bollinger`]).
    Bollinger {
        /// Window of the mean and standard deviation of closes.
        n: usize,
        /// Band width in standard deviations: entries at the mean ± k·σ.
        k: f64,
        /// Stop-loss distance beyond the entry, in standard deviations.
        k_stop: f64,
        /// Whether to sell the upper band too.
        short: bool,
        /// Bars built from ticks to trade on (see [`crate::bars`]); empty:
        /// every market event is a bar.
        bars: Vec<BarSpec>,
    },
    /// Pairs trading on the spread of two instruments
    /// ([`crate::strategy::Pairs`]).
    Pairs {
        /// The two legs' symbols, A then B.
        legs: [String; 2],
        /// Window of the spread's mean and standard deviation.
        n: usize,
        /// Enter when the spread's z-score is beyond this.
        entry_z: f64,
        /// Exit when it is back within this.
        exit_z: f64,
        /// Equity fraction per leg.
        fraction: f64,
    },
    /// A Python strategy written against `axon_quant.backtesting`, run in
    /// its host process (`axon_pystrategy`). Everything that shapes its
    /// decisions is here, so it is part of the session's identity; the
    /// source itself is in the journal's artifact store under `source`.
    Python {
        /// The strategy file, relative to its folder (the source bundle's
        /// root).
        file: String,
        /// The `Strategy` subclass to run.
        class: String,
        /// `[strategy.params]` as JSON, keys sorted.
        params: String,
        /// SHA-256 (hex) of the source bundle: the file and the modules of
        /// its folder.
        source: String,
        /// The interpreter and package versions the session ran with.
        runtime: String,
        /// Bars `init()` sees on each bar: the last `lookback` (0: all
        /// so far).
        lookback: u64,
        /// Bars built from ticks to trade on (see [`crate::bars`]); empty:
        /// every market event is a bar.
        bars: Vec<BarSpec>,
    },
    /// Walk-forward: one strategy per segment, each trading from its
    /// `trade_from_ns` until the next segment's, warmed on the market events
    /// from its `warm_from_ns` with its orders refused, the account
    /// flattened between segments ([`crate::strategy::Segmented`]).
    WalkForward {
        /// Market events of the first instrument before the first segment
        /// trades (the statistics' buy & hold starts after them).
        warmup: u64,
        /// The segments, in time order.
        segments: Vec<Segment>,
    },
}

/// One segment of a walk-forward ([`StrategyConfig::WalkForward`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct Segment {
    /// The strategy sees market events from here on, its orders refused.
    pub warm_from_ns: i64,
    /// It trades from the first market event at or after this time once
    /// the previous segment's positions and orders are gone.
    pub trade_from_ns: i64,
    /// The strategy (not itself a walk-forward).
    pub strategy: StrategyConfig,
}

impl StrategyConfig {
    /// The name a config file gives the strategy (`[strategy] kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::SmaCross { .. } => "sma_cross",
            Self::Donchian { .. } => "donchian",
            Self::Bollinger { .. } => "bollinger",
            Self::Pairs { .. } => "pairs",
            Self::Python { .. } => "python",
            Self::WalkForward { .. } => "walk_forward",
        }
    }

    /// The bars the strategy trades on, built from ticks; empty: it trades
    /// on every market event.
    pub fn bars(&self) -> &[BarSpec] {
        match self {
            Self::SmaCross { .. } => &[],
            Self::Donchian { bars, .. }
            | Self::Bollinger { bars, .. }
            | Self::Python { bars, .. } => bars,
            Self::Pairs { .. } => &[],
            // Every segment trades on the same bars (checked).
            Self::WalkForward { segments, .. } => {
                segments.first().map_or(&[], |s| s.strategy.bars())
            }
        }
    }

    /// Whether the strategy sizes its own orders in fractions of equity,
    /// whatever the session's sizing (a Python strategy's `size < 1`): a
    /// live session then needs the sizing basis that resolves them.
    pub fn sizes_in_fractions(&self) -> bool {
        match self {
            Self::Python { .. } => true,
            Self::WalkForward { segments, .. } => {
                segments.iter().any(|s| s.strategy.sizes_in_fractions())
            }
            _ => false,
        }
    }

    /// Market events before the strategy's rule is defined: the statistics'
    /// buy & hold starts after them, as backtesting.py starts it after its
    /// indicators' warm-up.
    pub fn warmup(&self) -> u64 {
        if let Self::WalkForward { warmup, .. } = *self {
            return warmup;
        }
        let bars = match *self {
            Self::SmaCross { slow, .. } => slow,
            Self::Donchian { n, exit_n, .. } => n.max(exit_n),
            Self::Bollinger { n, .. } | Self::Pairs { n, .. } => n,
            // Its indicators' warm-up is the host's to know: buy & hold
            // starts at the first bar.
            Self::Python { .. } | Self::WalkForward { .. } => 0,
        };
        bars.saturating_sub(1) as u64
    }

    fn check(&self) -> Result<(), String> {
        match *self {
            Self::SmaCross { fast, slow } => {
                if fast == 0 || slow == 0 || fast >= slow {
                    return Err(format!(
                        "sma_cross needs 0 < fast < slow, found fast {fast}, slow {slow}"
                    ));
                }
            }
            Self::Donchian { n, exit_n, .. } => {
                if n == 0 || exit_n == 0 {
                    return Err(format!(
                        "donchian needs n >= 1 and exit_n >= 1, found n {n}, exit_n {exit_n}"
                    ));
                }
            }
            Self::Pairs {
                ref legs,
                n,
                entry_z,
                exit_z,
                fraction,
            } => {
                if legs[0] == legs[1] {
                    return Err(format!("pairs needs two different legs, found {legs:?}"));
                }
                if n < 2 {
                    return Err(format!("pairs needs n >= 2, found {n}"));
                }
                if !(exit_z.is_finite() && exit_z >= 0.0 && entry_z.is_finite() && entry_z > exit_z)
                {
                    return Err(format!(
                        "pairs needs 0 <= exit_z < entry_z, found entry_z {entry_z}, exit_z {exit_z}"
                    ));
                }
                if !(fraction > 0.0 && fraction <= 1.0) {
                    return Err(format!("pairs needs 0 < fraction <= 1, found {fraction}"));
                }
            }
            Self::Python {
                ref file,
                ref class,
                ref source,
                ..
            } => {
                if file.is_empty() || class.is_empty() || source.len() != 64 {
                    return Err(format!(
                        "python needs a file, a class and a source hash, found {file:?}, {class:?}, {source:?}"
                    ));
                }
            }
            Self::WalkForward { ref segments, .. } => {
                let Some(first) = segments.first() else {
                    return Err("walk_forward needs at least one segment".to_owned());
                };
                for (i, seg) in segments.iter().enumerate() {
                    if matches!(seg.strategy, Self::WalkForward { .. }) {
                        return Err(format!("walk_forward segment {i} is itself a walk-forward"));
                    }
                    if seg.warm_from_ns > seg.trade_from_ns {
                        return Err(format!(
                            "walk_forward segment {i} warms from {} after it trades from {}",
                            seg.warm_from_ns, seg.trade_from_ns
                        ));
                    }
                    if i > 0 && seg.trade_from_ns <= segments[i - 1].trade_from_ns {
                        return Err(format!(
                            "walk_forward segment {i} does not start after segment {}",
                            i - 1
                        ));
                    }
                    if seg.strategy.bars() != first.strategy.bars() {
                        return Err(format!(
                            "walk_forward segment {i} trades on other bars than segment 0"
                        ));
                    }
                    seg.strategy
                        .check()
                        .map_err(|e| format!("walk_forward segment {i}: {e}"))?;
                }
            }
            Self::Bollinger { n, k, k_stop, .. } => {
                if n < 2 {
                    return Err(format!(
                        "bollinger needs n >= 2 (a standard deviation), found n {n}"
                    ));
                }
                for (name, v) in [("k", k), ("k_stop", k_stop)] {
                    if !(v.is_finite() && v > 0.0) {
                        return Err(format!(
                            "bollinger needs {name} to be a finite number > 0, found {v}"
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// How entry orders are sized.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub enum Sizing {
    /// All available equity, in whole units at the fill price.
    AllIn,
    /// A fixed number of units.
    Fixed(f64),
    /// A fraction of equity, in whole units at the fill price.
    Fraction(f64),
}

/// The equity fraction `AllIn` uses: backtesting.py 0.6 sizes relative
/// orders with `1 - f64::EPSILON`, so whole units are
/// `floor(margin_available * (1 - eps) / price)`.
pub const ALL_IN_FRACTION: f64 = 1.0 - f64::EPSILON;

/// Risk limits; `None` disables a check. Configuration files give them as
/// `[risk]` with `kill_switch` for the kill mode.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode, Decode, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RiskLimits {
    /// Largest estimated order notional.
    pub max_order_notional: Option<f64>,
    /// Largest absolute position per instrument, in units.
    pub max_position: Option<f64>,
    /// Most orders per second of event time.
    pub max_orders_per_sec: Option<u32>,
    /// Drawdown from peak equity (percent) that engages the kill switch.
    pub max_drawdown_pct: Option<f64>,
    /// Most working orders at once.
    pub max_open_orders: Option<u32>,
    /// Limit prices further than this (percent) from the last mark are refused.
    pub price_band_pct: Option<f64>,
    /// What the kill switch allows once engaged.
    #[serde(rename(deserialize = "kill_switch"))]
    pub kill_mode: KillMode,
}

/// The kill switch's state once engaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all(deserialize = "snake_case"))]
pub enum KillMode {
    /// Only orders that shrink positions.
    #[default]
    Reducing,
    /// No new orders at all; cancels still go out.
    Halted,
}

/// Which decisions become `Decision` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
#[serde(rename_all(deserialize = "snake_case"))]
pub enum DecisionLog {
    /// Only decisions whose action is not Hold (the ones that trade).
    Actions,
    /// Every model evaluation.
    All,
}

/// A year in nanoseconds (365.25 days).
pub const YEAR_NS: f64 = 365.25 * 86_400.0 * 1e9;

impl EngineConfig {
    /// A config with the SMA crossover and sensible defaults.
    pub fn sma(cash: f64, instruments: Vec<String>, fast: usize, slow: usize) -> Self {
        Self {
            cash,
            instruments,
            strategy: StrategyConfig::SmaCross { fast, slow },
            sizing: Sizing::AllIn,
            risk: RiskLimits::default(),
            decisions: DecisionLog::Actions,
            year_ns: YEAR_NS,
            ensemble: EnsembleConfig::default(),
        }
    }

    /// Checks values a config file cannot express wrongly by type alone.
    pub fn validate(&self) -> Result<(), EngineError> {
        self.check().map_err(EngineError::Config)
    }

    fn check(&self) -> Result<(), String> {
        if !(self.cash.is_finite() && self.cash > 0.0) {
            return Err(format!(
                "cash must be a positive number, found {}",
                self.cash
            ));
        }
        self.strategy.check()?;
        match self.sizing {
            Sizing::Fixed(u) if !(u.is_finite() && u > 0.0) => {
                return Err(format!("fixed sizing needs units > 0, found {u}"));
            }
            Sizing::Fraction(f) if !(f.is_finite() && f > 0.0 && f <= 1.0) => {
                return Err(format!(
                    "fraction sizing needs 0 < fraction <= 1, found {f}"
                ));
            }
            _ => {}
        }
        let r = &self.risk;
        for (name, v) in [
            ("max_order_notional", r.max_order_notional),
            ("max_position", r.max_position),
        ] {
            if let Some(v) = v.filter(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(format!("risk.{name} must be > 0, found {v}"));
            }
        }
        if let Some(d) = r.max_drawdown_pct.filter(|d| !(*d > 0.0 && *d <= 100.0)) {
            return Err(format!(
                "risk.max_drawdown_pct must be in (0, 100], found {d}"
            ));
        }
        let e = &self.ensemble;
        if !(e.threshold.is_finite() && e.threshold >= 0.0) {
            return Err(format!(
                "ensemble.threshold must be a finite number >= 0, found {}",
                e.threshold
            ));
        }
        if let Some(w) = e.weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
            return Err(format!("ensemble.weights: {w} is not a finite number >= 0"));
        }
        if let Some(d) = &e.dynamic {
            d.validate().map_err(|e| e.to_string())?;
        }
        if let Some(b) = r.price_band_pct.filter(|b| !(b.is_finite() && *b > 0.0)) {
            return Err(format!("risk.price_band_pct must be > 0, found {b}"));
        }
        if r.max_open_orders == Some(0) {
            return Err("risk.max_open_orders must be > 0".into());
        }
        if r.max_orders_per_sec == Some(0) {
            return Err("risk.max_orders_per_sec must be > 0".into());
        }
        Ok(())
    }
}
