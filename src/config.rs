//! The backtest configuration file (TOML). Unknown keys and wrong types are
//! errors that name the file and the key; relative paths are resolved
//! against the config file's folder.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axon_adapters::sim::{FillModel, SimConfig};
use axon_engine::EngineConfig;
use axon_engine::config::{DecisionLog, KillMode, RiskLimits, Sizing, StrategyConfig, YEAR_NS};
use axon_journal::{Durability, JournalOptions};
use axon_replay::BacktestPlan;
use serde::Deserialize;

use crate::exit::Failure;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BacktestFile {
    pub session: Session,
    /// Market data of a backtest (a live session has `[exchange]` instead).
    pub data: Option<Data>,
    pub strategy: Strategy,
    #[serde(default)]
    pub execution: Execution,
    #[serde(default)]
    pub risk: Risk,
    pub journal: JournalSection,
    #[serde(default)]
    pub ensemble: crate::config_models::EnsembleSection,
    #[serde(default)]
    pub models: crate::config_models::ModelsSection,
    /// The venue of a live session.
    pub exchange: Option<crate::live::config::ExchangeSection>,
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
    /// Parquet file or directory.
    pub path: PathBuf,
    /// Symbol for bar files without a `symbol` column.
    pub symbol: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    pub kind: StrategyKind,
    pub fast: usize,
    pub slow: usize,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum StrategyKind {
    SmaCross,
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
    pub decisions: DecisionsKind,
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
fn default_decisions() -> DecisionsKind {
    DecisionsKind::Actions
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

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum DecisionsKind {
    Actions,
    All,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    pub max_order_notional: Option<f64>,
    pub max_position: Option<f64>,
    pub max_orders_per_sec: Option<u32>,
    pub max_drawdown_pct: Option<f64>,
    pub max_open_orders: Option<u32>,
    pub price_band_pct: Option<f64>,
    #[serde(default)]
    pub kill_switch: KillSwitchKind,
}

#[derive(Debug, Deserialize, Clone, Copy, Default)]
#[serde(rename_all = "snake_case")]
pub enum KillSwitchKind {
    #[default]
    Reducing,
    Halted,
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

/// A loaded config: the parsed file, its text and where it lives.
#[derive(Debug)]
pub struct Loaded {
    pub file: BacktestFile,
    pub text: String,
    pub path: PathBuf,
}

/// Reads and parses a config file.
pub fn load(path: &Path) -> Result<Loaded, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("{}: cannot read config: {e}", path.display())))?;
    let line_of = |e: &toml::de::Error| {
        e.span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!(" (line {line})")
            })
            .unwrap_or_default()
    };
    let de = toml::de::Deserializer::parse(&text).map_err(|e| {
        Failure::input(format!(
            "{}{}: {}",
            path.display(),
            line_of(&e),
            e.message()
        ))
    })?;
    // The path to the failing key, so a wrong type names `session.cash`.
    let file: BacktestFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.inner();
        let key = if key.is_empty() || key == "." {
            String::new()
        } else {
            format!(" key {key}")
        };
        Failure::input(format!(
            "{}:{key}{}: {}",
            path.display(),
            line_of(inner),
            inner.message()
        ))
    })?;
    Ok(Loaded {
        file,
        text,
        path: path.to_path_buf(),
    })
}

impl Loaded {
    pub(crate) fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            return p.to_path_buf();
        }
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.join(p),
            _ => p.to_path_buf(),
        }
    }

    pub(crate) fn key_error(&self, key: &str, reason: impl std::fmt::Display) -> Failure {
        Failure::input(format!("{}: key {key}: {reason}", self.path.display()))
    }

    /// Checks values and builds the backtest plan.
    pub fn plan(&self) -> Result<BacktestPlan, Failure> {
        let f = &self.file;
        let data = f.data.as_ref().ok_or_else(|| {
            self.key_error(
                "data",
                "required for a backtest (a live session takes [exchange])",
            )
        })?;
        let e = &f.execution;
        Ok(BacktestPlan {
            engine: self.engine_config()?,
            data_path: self.resolve(&data.path),
            default_symbol: data.symbol.clone(),
            sim: SimConfig {
                fill: e.fill,
                commission_bps: e.commission_bps,
                slippage: e.slippage,
            },
            journal_dir: self.resolve(&f.journal.path),
            journal: self.journal_options()?,
            seed: f.session.seed,
            config_text: crate::canonical::canonical_settings(&self.text),
            config_source: self.text.clone(),
            close_at_end: e.close_at_end,
            metrics: None,
            models: self.planned_models()?,
        })
    }

    /// The engine configuration the file describes (instruments are
    /// declared as the data or the venue names them).
    pub fn engine_config(&self) -> Result<EngineConfig, Failure> {
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
        let StrategyKind::SmaCross = f.strategy.kind;
        let engine = EngineConfig {
            cash: f.session.cash,
            instruments: Vec::new(),
            strategy: StrategyConfig::SmaCross {
                fast: f.strategy.fast,
                slow: f.strategy.slow,
            },
            sizing,
            risk: RiskLimits {
                max_order_notional: f.risk.max_order_notional,
                max_position: f.risk.max_position,
                max_orders_per_sec: f.risk.max_orders_per_sec,
                max_drawdown_pct: f.risk.max_drawdown_pct,
                max_open_orders: f.risk.max_open_orders,
                price_band_pct: f.risk.price_band_pct,
                kill_mode: match f.risk.kill_switch {
                    KillSwitchKind::Reducing => KillMode::Reducing,
                    KillSwitchKind::Halted => KillMode::Halted,
                },
            },
            decisions: match e.decisions {
                DecisionsKind::Actions => DecisionLog::Actions,
                DecisionsKind::All => DecisionLog::All,
            },
            year_ns: YEAR_NS,
            ensemble: self.ensemble(),
        };
        engine
            .validate()
            .map_err(|reason| Failure::input(format!("{}: {reason}", self.path.display())))?;
        Ok(engine)
    }

    /// Journal options from `[journal]`.
    pub fn journal_options(&self) -> Result<JournalOptions, Failure> {
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
