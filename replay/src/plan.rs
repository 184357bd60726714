//! What a run is given: the parts every session shares ([`SessionPlan`]),
//! and what a backtest adds ([`BacktestPlan`]). A live session's plan
//! (`axon_config::LivePlan`) adds its venue to the same [`SessionPlan`].

use std::path::PathBuf;
use std::sync::Arc;

use axon_adapters::sim::SimConfig;
use axon_engine::model::ModelFactory;
use axon_engine::strategy::StrategyFactory;
use axon_engine::{Engine, EngineConfig, EngineError};
use axon_inference::ModelConfig;
use axon_journal::{ArtifactStore, JournalError, JournalOptions};
use axon_metrics::MetricsCollector;

/// What every session runs with, backtest or live: the engine, the
/// simulated exchange's costs, the journal and what it records of the
/// configuration, and the models.
#[derive(Debug, Clone)]
pub struct SessionPlan {
    /// Engine configuration (instruments are added as the data or the
    /// venue names them).
    pub engine: EngineConfig,
    /// Simulated exchange: fills of backtests and paper sessions; its
    /// commission is a live session's sizing headroom.
    pub sim: SimConfig,
    /// Journal directory.
    pub journal_dir: PathBuf,
    /// Journal options.
    pub journal: JournalOptions,
    /// Session seed.
    pub seed: u64,
    /// The session's canonical settings (no locations, no layout, no
    /// credentials), journaled in the session-start record: part of its
    /// identity.
    pub config_text: String,
    /// The config file's own text (credentials redacted), written beside
    /// the journal as `config.toml` for provenance, outside the hash chain
    /// (empty: none).
    pub config_source: String,
    /// ML models: slots loaded at session start and swaps scheduled at
    /// event times. Each is stored in the journal's artifact store and
    /// enters the engine as a journaled `ModelSwap`.
    pub models: Vec<PlannedModel>,
    /// Where the session's strategy comes from: the built-ins, or a
    /// factory of your own (replay with the same one, see
    /// [`crate::verify_replay_with`]).
    pub strategies: Arc<dyn StrategyFactory>,
}

impl SessionPlan {
    /// The session's engine: its strategy built by `strategies`, its
    /// strategy's random numbers seeded from `seed`.
    pub fn engine(&self, models: Box<dyn ModelFactory>) -> Result<Engine, EngineError> {
        let strategy = self
            .strategies
            .build(&self.engine)
            .map_err(EngineError::Config)?;
        Ok(Engine::with_strategy(self.engine.clone(), models, strategy)?.with_seed(self.seed))
    }

    /// Stores what the strategy's configuration refers to by hash (a
    /// Python strategy's source) in a new journal's artifact store.
    pub fn store_sources(&self, store: &ArtifactStore) -> Result<(), JournalError> {
        for blob in self.strategies.sources() {
            store.put(&blob)?;
        }
        Ok(())
    }
}

/// Everything a backtest needs.
#[derive(Debug, Clone)]
pub struct BacktestPlan {
    /// What every session runs with.
    pub session: SessionPlan,
    /// Parquet file or directory, or the catalog's folder.
    pub data_path: PathBuf,
    /// What to read from the catalog at `data_path`, if it is one.
    pub catalog: Option<axon_data::CatalogQuery>,
    /// Symbol for bar files without a symbol column.
    pub default_symbol: Option<String>,
    /// Close every position at the last close when the data ends (an
    /// `EndOfData` input); `false` leaves them open, marked at the last
    /// close, as backtesting.py's `finalize_trades=False`. The engine never
    /// learns the data ended then, so replay needs no setting of its own.
    pub close_at_end: bool,
    /// Metrics to record the run into (observed from outside the engine).
    pub metrics: Option<MetricsCollector>,
}

/// A model to load into a slot.
#[derive(Debug, Clone)]
pub struct PlannedModel {
    /// Ensemble slot (0 is the rule-based strategy).
    pub slot: u16,
    /// `None`: at session start; else before the first market event at or
    /// after this time (ns).
    pub at_ns: Option<i64>,
    /// The model file's bytes.
    pub bytes: Arc<Vec<u8>>,
    /// How to load it (its `input_shape` is the model's).
    pub config: ModelConfig,
}
