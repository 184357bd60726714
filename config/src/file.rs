//! The configuration file's model (TOML). Unknown keys and wrong types
//! are errors that name the file and the key; relative paths are resolved
//! against the config file's folder. Parsing reads the file and nothing
//! else: models, journals and credentials are loaded when a plan is built
//! (see `plan.rs`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use axon_adapters::sim::FillModel;
use axon_engine::EngineConfig;
use axon_engine::bars::BarSpec;
use axon_engine::config::{DecisionLog, RiskLimits, Sizing, StrategyConfig, YEAR_NS};
use axon_journal::{Durability, JournalOptions};
use serde::Deserialize;

use crate::error::ConfigError;
use crate::exchange::ExchangeSection;
use crate::models::{EnsembleSection, ModelsSection};

/// The whole file as written: `[data]` and `[exchange]` are both
/// optional here; [`Config::parse`] turns them into one [`Source`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    session: Session,
    data: Option<Data>,
    exchange: Option<ExchangeSection>,
    strategy: Strategy,
    #[serde(default)]
    execution: Execution,
    #[serde(default)]
    risk: RiskLimits,
    journal: JournalSection,
    #[serde(default)]
    ensemble: EnsembleSection,
    #[serde(default)]
    models: ModelsSection,
}

/// Where a session's market data comes from.
#[derive(Debug)]
pub enum Source {
    /// A backtest: recorded data (`[data]`).
    Data(Data),
    /// A live session: a venue (`[exchange]`).
    Exchange(Box<ExchangeSection>),
}

/// The whole file, checked for shape.
#[derive(Debug)]
pub struct ConfigFile {
    pub session: Session,
    pub source: Source,
    pub strategy: Strategy,
    pub execution: Execution,
    /// `[risk]`, read straight into the engine's limits.
    pub risk: RiskLimits,
    pub journal: JournalSection,
    pub ensemble: EnsembleSection,
    pub models: ModelsSection,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    pub cash: f64,
    #[serde(default)]
    pub seed: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Data {
    /// Parquet file or directory (or `catalog`).
    pub path: Option<PathBuf>,
    /// Symbol for bar files without a `symbol` column.
    pub symbol: Option<String>,
    /// A catalog folder (`axon data catalog add`), read with the keys below.
    pub catalog: Option<PathBuf>,
    /// Catalog: the symbols, merged in time order (ids in this order).
    pub symbols: Option<Vec<String>>,
    /// Catalog: `trades`, `quotes`, `bars_1m`, ...
    pub kind: Option<String>,
    /// Catalog: the venue (needed only when a symbol is under several).
    pub venue: Option<String>,
    /// Catalog: first time read, a date or date-time (UTC), included.
    pub start: Option<String>,
    /// Catalog: where reading stops, a date or date-time (UTC), excluded.
    pub end: Option<String>,
}

/// `[strategy]`: `kind` and the keys of that kind (see
/// [`StrategyKind`]); a key of another kind is an error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    pub kind: StrategyKind,
    /// `sma_cross`: fast window.
    pub fast: Option<usize>,
    /// `sma_cross`: slow window.
    pub slow: Option<usize>,
    /// `donchian`: entry channel; `bollinger`: window.
    pub n: Option<usize>,
    /// `donchian`: exit channel.
    pub exit_n: Option<usize>,
    /// `bollinger`: band width in standard deviations.
    pub k: Option<f64>,
    /// `bollinger`: stop-loss distance in standard deviations.
    pub k_stop: Option<f64>,
    /// `donchian`, `bollinger`: trade the short side too (default false).
    pub short: Option<bool>,
    /// `donchian`, `bollinger`: trade on bars built from ticks (`"1m"`,
    /// `"1000ticks"`, `"vol:50"`; the first is the one they trade on).
    pub bars: Option<Vec<String>>,
    /// `pairs`: the two legs' symbols.
    pub legs: Option<Vec<String>>,
    /// `pairs`: the spread's z-score that enters.
    pub entry_z: Option<f64>,
    /// `pairs`: the z-score back within which it exits.
    pub exit_z: Option<f64>,
    /// `pairs`: equity fraction per leg (default 0.5).
    pub fraction: Option<f64>,
    /// `python`: the strategy file (relative to the config file).
    pub path: Option<PathBuf>,
    /// `python`: the `Strategy` subclass in it.
    pub class: Option<String>,
    /// `python`: the strategy's parameters (its class variables).
    pub params: Option<toml::Table>,
    /// `python`: the interpreter (default `$AXON_PYTHON`, else `python3`).
    pub python: Option<String>,
    /// `python`: the last bars `init()` sees on each bar (default: all).
    pub lookback: Option<u64>,
}

/// The built-in strategies, by `[strategy] kind`.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StrategyKind {
    /// SMA crossover through the ensemble: `fast`, `slow`.
    SmaCross,
    /// Donchian channel breakout: `n`, `exit_n`, `short`.
    Donchian,
    /// Bollinger band mean reversion: `n`, `k`, `k_stop`, `short`.
    Bollinger,
    /// Pairs trading on two instruments: `legs`, `n`, `entry_z`, `exit_z`,
    /// `fraction`.
    Pairs,
    /// A Python strategy (`axon_quant.backtesting`): `path`, `class`,
    /// `params`, `bars`, `python`.
    Python,
}

impl StrategyKind {
    fn name(self) -> &'static str {
        match self {
            Self::SmaCross => "sma_cross",
            Self::Donchian => "donchian",
            Self::Bollinger => "bollinger",
            Self::Pairs => "pairs",
            Self::Python => "python",
        }
    }

    /// The keys this kind reads, required first.
    fn keys(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Self::SmaCross => (&["fast", "slow"], &[]),
            Self::Donchian => (&["n", "exit_n"], &["short", "bars"]),
            Self::Bollinger => (&["n", "k", "k_stop"], &["short", "bars"]),
            Self::Pairs => (&["legs", "n", "entry_z", "exit_z"], &["fraction"]),
            Self::Python => (
                &["path", "class"],
                &["params", "bars", "python", "lookback"],
            ),
        }
    }
}

impl Strategy {
    /// The keys given, by name.
    fn given(&self) -> [(&'static str, bool); 17] {
        [
            ("fast", self.fast.is_some()),
            ("slow", self.slow.is_some()),
            ("n", self.n.is_some()),
            ("exit_n", self.exit_n.is_some()),
            ("k", self.k.is_some()),
            ("k_stop", self.k_stop.is_some()),
            ("short", self.short.is_some()),
            ("bars", self.bars.is_some()),
            ("legs", self.legs.is_some()),
            ("entry_z", self.entry_z.is_some()),
            ("exit_z", self.exit_z.is_some()),
            ("fraction", self.fraction.is_some()),
            ("path", self.path.is_some()),
            ("class", self.class.is_some()),
            ("params", self.params.is_some()),
            ("python", self.python.is_some()),
            ("lookback", self.lookback.is_some()),
        ]
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Execution {
    #[serde(default = "default_fill")]
    pub fill: FillModel,
    #[serde(default = "default_sizing")]
    pub sizing: SizingKind,
    /// Units for `sizing = "fixed"`.
    pub units: Option<f64>,
    /// Equity fraction for `sizing = "fraction"`.
    pub fraction: Option<f64>,
    #[serde(default)]
    pub commission_bps: f64,
    #[serde(default)]
    pub slippage: f64,
    /// `actions` (default) or `all`: which model evaluations are journaled.
    #[serde(default = "default_decisions")]
    pub decisions: DecisionLog,
    /// Close what is open at the last close when the data ends (default);
    /// `false` leaves it open, marked at the last close.
    #[serde(default = "default_close_at_end")]
    pub close_at_end: bool,
}

fn default_fill() -> FillModel {
    FillModel::NextOpen
}
fn default_sizing() -> SizingKind {
    SizingKind::AllIn
}
fn default_decisions() -> DecisionLog {
    DecisionLog::Actions
}
fn default_close_at_end() -> bool {
    true
}

impl Default for Execution {
    fn default() -> Self {
        Self {
            fill: default_fill(),
            sizing: default_sizing(),
            units: None,
            fraction: None,
            commission_bps: 0.0,
            slippage: 0.0,
            decisions: default_decisions(),
            close_at_end: default_close_at_end(),
        }
    }
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum SizingKind {
    AllIn,
    Fixed,
    Fraction,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalSection {
    pub path: PathBuf,
    #[serde(default = "default_durability")]
    pub durability: DurabilityKind,
    /// Group commit interval.
    pub group_commit_ms: Option<u64>,
    /// Segment size in MiB.
    pub segment_mb: Option<u64>,
    /// `[journal.replicate]`: a live session's journal, published to NATS
    /// JetStream as it is written.
    pub replicate: Option<ReplicateSection>,
}

/// `[journal.replicate]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ReplicateSection {
    /// The NATS server: `nats://host:port`.
    pub url: String,
    /// The JetStream stream (created if missing).
    #[serde(default = "default_stream")]
    pub stream: String,
}

fn default_stream() -> String {
    "AXON".to_owned()
}

fn default_durability() -> DurabilityKind {
    DurabilityKind::Group
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum DurabilityKind {
    None,
    Group,
    Every,
}

/// A parsed config: the checked file, its text and where it lives.
#[derive(Debug)]
pub struct Config {
    pub file: ConfigFile,
    pub text: String,
    pub path: PathBuf,
    /// A Python strategy, once read and loaded (see `python.rs`).
    pub(crate) python: std::sync::OnceLock<crate::python::Prepared>,
}

impl Config {
    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(text, path)
    }

    /// Parses config text; `path` names the file in errors and anchors
    /// relative paths. Reads nothing.
    pub fn parse(text: String, path: &Path) -> Result<Self, ConfigError> {
        let line_of = |e: &toml::de::Error| {
            e.span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
        };
        let de = toml::de::Deserializer::parse(&text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            line: line_of(&e),
            message: e.message().to_owned(),
        })?;
        // The path to the failing key, so a wrong type names `session.cash`.
        let raw: RawFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            ConfigError::Parse {
                path: path.to_path_buf(),
                key: if key == "." { String::new() } else { key },
                line: line_of(e.inner()),
                message: e.inner().message().to_owned(),
            }
        })?;
        let key_error = |key: &str, reason: &str| ConfigError::Key {
            path: path.to_path_buf(),
            key: key.into(),
            reason: reason.into(),
        };
        let source = match (raw.data, raw.exchange) {
            (Some(d), None) => Source::Data(d),
            (None, Some(e)) => Source::Exchange(Box::new(e)),
            (Some(_), Some(_)) => {
                return Err(key_error(
                    "data",
                    "give [data] (a backtest) or [exchange] (a live session), not both",
                ));
            }
            (None, None) => {
                return Err(key_error(
                    "data",
                    "required: [data] for a backtest, or [exchange] for a live session",
                ));
            }
        };
        let file = ConfigFile {
            session: raw.session,
            source,
            strategy: raw.strategy,
            execution: raw.execution,
            risk: raw.risk,
            journal: raw.journal,
            ensemble: raw.ensemble,
            models: raw.models,
        };
        Ok(Self {
            file,
            text,
            path: path.to_path_buf(),
            python: std::sync::OnceLock::new(),
        })
    }

    /// `p` relative to the config file's folder (absolute paths as they are).
    pub fn resolve(&self, p: &Path) -> PathBuf {
        // An object URL (s3://bucket/key) is not relative to anything.
        if p.is_absolute() || axon_data::is_object_url(p) {
            return p.to_path_buf();
        }
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.join(p),
            _ => p.to_path_buf(),
        }
    }

    /// An error at `key` of this file.
    pub fn key_error(&self, key: &str, reason: impl std::fmt::Display) -> ConfigError {
        ConfigError::Key {
            path: self.path.clone(),
            key: key.into(),
            reason: reason.to_string(),
        }
    }

    /// The engine configuration the file describes (instruments are
    /// declared as the data or the venue names them).
    pub fn engine_config(&self) -> Result<EngineConfig, ConfigError> {
        let f = &self.file;
        let e = &f.execution;
        let sizing = match e.sizing {
            SizingKind::AllIn => Sizing::AllIn,
            SizingKind::Fixed => Sizing::Fixed(e.units.ok_or_else(|| {
                self.key_error("execution.units", "required when sizing = \"fixed\"")
            })?),
            SizingKind::Fraction => Sizing::Fraction(e.fraction.ok_or_else(|| {
                self.key_error("execution.fraction", "required when sizing = \"fraction\"")
            })?),
        };
        if !(e.commission_bps.is_finite() && e.commission_bps >= 0.0) {
            return Err(self.key_error("execution.commission_bps", "must be >= 0"));
        }
        if !(e.slippage.is_finite() && e.slippage >= 0.0) {
            return Err(self.key_error("execution.slippage", "must be >= 0"));
        }
        let engine = EngineConfig {
            cash: f.session.cash,
            instruments: Vec::new(),
            strategy: self.strategy_config()?,
            sizing,
            risk: f.risk,
            decisions: e.decisions,
            year_ns: YEAR_NS,
            ensemble: f.ensemble.engine_config(),
        };
        engine.validate().map_err(|source| ConfigError::Engine {
            path: self.path.clone(),
            source,
        })?;
        Ok(engine)
    }

    /// The strategy `[strategy]` describes: the keys of its kind present,
    /// no key of another kind, values in range (each error names its key).
    pub fn strategy_config(&self) -> Result<StrategyConfig, ConfigError> {
        let s = &self.file.strategy;
        let kind = s.kind.name();
        let (required, optional) = s.kind.keys();
        for (key, given) in s.given() {
            if given && !required.contains(&key) && !optional.contains(&key) {
                return Err(self.key_error(
                    &format!("strategy.{key}"),
                    format!(
                        "not a key of kind = \"{kind}\" (its keys: {})",
                        [required, optional].concat().join(", ")
                    ),
                ));
            }
        }
        let missing = |key: &str| {
            self.key_error(
                &format!("strategy.{key}"),
                format!("required for kind = \"{kind}\""),
            )
        };
        let count = |key: &str, v: Option<usize>, min: usize| {
            let v = v.ok_or_else(|| missing(key))?;
            if v < min {
                return Err(self.key_error(
                    &format!("strategy.{key}"),
                    format!("must be >= {min}, found {v}"),
                ));
            }
            Ok(v)
        };
        let positive = |key: &str, v: Option<f64>| {
            let v = v.ok_or_else(|| missing(key))?;
            if !(v.is_finite() && v > 0.0) {
                return Err(self.key_error(
                    &format!("strategy.{key}"),
                    format!("must be a finite number > 0, found {v}"),
                ));
            }
            Ok(v)
        };
        let short = s.short.unwrap_or(false);
        let bars = s
            .bars
            .iter()
            .flatten()
            .map(|b| {
                b.parse::<BarSpec>()
                    .map_err(|e| self.key_error("strategy.bars", e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(match s.kind {
            StrategyKind::SmaCross => {
                let fast = count("fast", s.fast, 1)?;
                let slow = count("slow", s.slow, 2)?;
                if fast >= slow {
                    return Err(self.key_error(
                        "strategy.fast",
                        format!("must be below strategy.slow ({slow}), found {fast}"),
                    ));
                }
                StrategyConfig::SmaCross { fast, slow }
            }
            StrategyKind::Donchian => StrategyConfig::Donchian {
                n: count("n", s.n, 1)?,
                exit_n: count("exit_n", s.exit_n, 1)?,
                short,
                bars,
            },
            StrategyKind::Bollinger => StrategyConfig::Bollinger {
                n: count("n", s.n, 2)?,
                k: positive("k", s.k)?,
                k_stop: positive("k_stop", s.k_stop)?,
                short,
                bars,
            },
            StrategyKind::Pairs => {
                let legs = match s.legs.as_deref() {
                    Some([a, b]) if a != b => [a.clone(), b.clone()],
                    Some(other) => {
                        return Err(self.key_error(
                            "strategy.legs",
                            format!("must name two different symbols, found {other:?}"),
                        ));
                    }
                    None => return Err(missing("legs")),
                };
                let entry_z = positive("entry_z", s.entry_z)?;
                let exit_z = s.exit_z.ok_or_else(|| missing("exit_z"))?;
                if !(exit_z >= 0.0 && exit_z < entry_z) {
                    return Err(self.key_error(
                        "strategy.exit_z",
                        format!(
                            "must be >= 0 and below strategy.entry_z ({entry_z}), found {exit_z}"
                        ),
                    ));
                }
                let fraction = s.fraction.unwrap_or(0.5);
                if !(fraction > 0.0 && fraction <= 1.0) {
                    return Err(self.key_error(
                        "strategy.fraction",
                        format!("must be in (0, 1], found {fraction}"),
                    ));
                }
                StrategyConfig::Pairs {
                    legs,
                    n: count("n", s.n, 2)?,
                    entry_z,
                    exit_z,
                    fraction,
                }
            }
            StrategyKind::Python => self.python_strategy(bars)?,
        })
    }

    /// Journal options from `[journal]`.
    pub fn journal_options(&self) -> Result<JournalOptions, ConfigError> {
        let j = &self.file.journal;
        let durability = match j.durability {
            DurabilityKind::None => Durability::None,
            DurabilityKind::Every => Durability::Every,
            DurabilityKind::Group => Durability::Group {
                interval: Duration::from_millis(j.group_commit_ms.unwrap_or(2)),
                max_bytes: 1 << 20,
            },
        };
        let mut journal = JournalOptions {
            durability,
            ..JournalOptions::default()
        };
        if let Some(mb) = j.segment_mb {
            if mb == 0 {
                return Err(self.key_error("journal.segment_mb", "must be > 0"));
            }
            journal.segment_bytes = mb << 20;
        }
        Ok(journal)
    }
}
