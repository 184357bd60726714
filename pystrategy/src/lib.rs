//! Python strategies, written against `axon_quant.backtesting` (the
//! backtesting.py API), run by the engine: `[strategy] kind = "python"`.
//!
//! The strategy runs in a host process (`python -m
//! axon_quant.backtesting._host`) that the engine drives in lockstep: one
//! request per market event, answered with the orders `next()` placed
//! ([`PythonStrategy`]). A separate process keeps the engine free of an
//! interpreter (and of a crash in one), and lets the strategy use the
//! packages of the user's own environment.
//!
//! Determinism: the strategy's file and the modules of its folder are one
//! [`Bundle`], stored in the journal's artifact store under the SHA-256 its
//! configuration names, so the session's identity covers the source and a
//! replay or audit runs the journal's copy ([`Strategies::from_store`]).
//! The host's random generators are seeded from the session's seed, and
//! `PYTHONHASHSEED` is fixed. The interpreter and package versions are in
//! the configuration; a replay under other versions says so.

mod bundle;
mod error;
mod host;
mod strategy;

use std::path::Path;
use std::sync::{Arc, Mutex};

use axon_engine::EngineConfig;
use axon_engine::config::StrategyConfig;
use axon_engine::strategy::{Segmented, Strategy, StrategyFactory, from_config};
use axon_journal::ArtifactStore;

pub use bundle::{Bundle, MAX_BUNDLE_BYTES};
pub use error::PyStrategyError;
pub use host::{Host, HostError, Launch, PROTOCOL};
pub use strategy::PythonStrategy;

/// The interpreter to run strategies with when none is configured:
/// `$AXON_PYTHON`, else `python3` on the `PATH`.
pub fn default_python() -> String {
    std::env::var("AXON_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

/// Where the factory finds a Python strategy's source.
#[derive(Debug)]
enum Source {
    /// No Python strategy (built-ins only).
    None,
    /// A session about to start: the bundle read from disk.
    Bundle { sha256: String, bytes: Arc<Vec<u8>> },
    /// A journal's artifact store (replay, audit, resume).
    Store(ArtifactStore),
}

/// The strategy factory for the CLI and the drivers: the built-ins by
/// `[strategy] kind`, and Python strategies in their host.
#[derive(Debug)]
pub struct Strategies {
    python: String,
    source: Source,
    /// How messages name the strategy's folder.
    folder: String,
    /// A host started to check the strategy loads, handed to the session.
    preloaded: Mutex<Option<Host>>,
}

/// A Python strategy read, loaded once and ready to run.
#[derive(Debug)]
pub struct PreparedPython {
    /// The factory to run it with (its bundle is [`StrategyFactory::sources`]).
    pub factory: Strategies,
    /// SHA-256 (hex) of its bundle.
    pub source: String,
    /// The interpreter and package versions the host reported.
    pub runtime: String,
    /// Its file, relative to its folder.
    pub file: String,
}

impl Strategies {
    /// The built-ins only: a Python strategy's configuration is refused.
    pub fn builtins() -> Self {
        Self::new(Source::None, String::new())
    }

    /// For a journal: Python strategies from the bundle in its artifact
    /// store, run with [`default_python`].
    pub fn from_store(store: ArtifactStore) -> Self {
        Self::new(Source::Store(store), "(the journal's copy)".to_owned())
    }

    fn new(source: Source, folder: String) -> Self {
        Self {
            python: default_python(),
            source,
            folder,
            preloaded: Mutex::new(None),
        }
    }

    /// Reads the strategy at `file` (and its folder's modules), starts a
    /// host with `python` and loads what `launch` names: a syntax error,
    /// an import error or a missing class is an error here, before any
    /// data is read.
    pub fn prepare(
        python: Option<&str>,
        file: &Path,
        launch: &Launch,
    ) -> Result<PreparedPython, PyStrategyError> {
        let bundle = Bundle::collect(file)?;
        let bytes = bundle.to_bytes();
        let sha256 = Bundle::sha256_hex(&bytes);
        let folder = file
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let python = python.map_or_else(default_python, str::to_owned);
        let host = Host::start(&python, &bundle, launch, &folder)?;
        let runtime = host.runtime.clone();
        let factory = Self {
            python,
            source: Source::Bundle {
                sha256: sha256.clone(),
                bytes: Arc::new(bytes),
            },
            folder,
            preloaded: Mutex::new(Some(host)),
        };
        Ok(PreparedPython {
            factory,
            source: sha256,
            runtime,
            file: bundle.entry,
        })
    }

    fn bundle(&self, sha256: &str) -> Result<Bundle, String> {
        let bytes = match &self.source {
            Source::None => {
                return Err(
                    "kind = \"python\" needs the Python strategy host (axon_pystrategy::Strategies with a source)"
                        .to_owned(),
                );
            }
            Source::Bundle {
                sha256: have,
                bytes,
            } if have == sha256 => bytes.to_vec(),
            Source::Bundle { sha256: have, .. } => {
                return Err(format!(
                    "the strategy's source is {sha256}, this factory holds {have}"
                ));
            }
            Source::Store(store) => {
                let hash: axon_journal::Hash = hex::decode(sha256)
                    .ok()
                    .and_then(|v| v.try_into().ok())
                    .ok_or_else(|| format!("strategy source {sha256:?} is not a SHA-256"))?;
                store.get(&hash).map_err(|e| e.to_string())?
            }
        };
        Bundle::from_bytes(&bytes).map_err(|e| e.to_string())
    }
}

impl StrategyFactory for Strategies {
    fn build(&self, config: &EngineConfig) -> Result<Box<dyn Strategy>, String> {
        let StrategyConfig::Python {
            class,
            params,
            source,
            runtime,
            lookback,
            ..
        } = &config.strategy
        else {
            return match config.strategy {
                StrategyConfig::WalkForward { .. } => Segmented::build(config, self),
                _ => from_config(&config.strategy),
            };
        };
        let preloaded = self.preloaded.lock().ok().and_then(|mut p| p.take());
        let host = match preloaded {
            Some(host) => host,
            None => {
                let bundle = self.bundle(source)?;
                let launch = Launch {
                    class: class.clone(),
                    params: serde_json::from_str(params)
                        .map_err(|e| format!("strategy params do not decode: {e}"))?,
                    lookback: *lookback,
                };
                Host::start(&self.python, &bundle, &launch, &self.folder)
                    .map_err(|e| e.to_string())?
            }
        };
        if &host.runtime != runtime {
            tracing::warn!(
                session = %runtime,
                now = %host.runtime,
                "the Python strategy runs under other versions than the session did"
            );
        }
        Ok(Box::new(PythonStrategy::new(host, self.folder.clone())))
    }

    fn sources(&self) -> Vec<Arc<Vec<u8>>> {
        match &self.source {
            Source::Bundle { bytes, .. } => vec![bytes.clone()],
            _ => Vec::new(),
        }
    }
}
