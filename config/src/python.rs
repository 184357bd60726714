//! `[strategy] kind = "python"`: the strategy file and the modules of its
//! folder are read and loaded once in a host, so a syntax error, a missing
//! class or an unknown parameter is an error here, before any data is
//! read; the session's configuration then names the source by hash and
//! records the interpreter's versions (`axon_pystrategy`).

use std::sync::Arc;

use axon_engine::bars::BarSpec;
use axon_engine::config::StrategyConfig;
use axon_pystrategy::{Launch, PyStrategyError, Strategies};

use crate::error::ConfigError;
use crate::file::Config;

/// A Python strategy ready to run: its factory (holding the loaded host
/// and the source to store) and its configuration.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub factory: Arc<Strategies>,
    pub config: StrategyConfig,
}

impl Config {
    /// The Python strategy `[strategy]` names, loaded (once per `Config`).
    pub(crate) fn python_strategy(
        &self,
        bars: Vec<BarSpec>,
    ) -> Result<StrategyConfig, ConfigError> {
        if let Some(p) = self.python.get() {
            return Ok(p.config.clone());
        }
        let s = &self.file.strategy;
        let missing = |key: &str| self.key_error(key, "required for kind = \"python\"");
        let file = self.resolve(s.path.as_deref().ok_or_else(|| missing("strategy.path"))?);
        let class = s
            .class
            .as_deref()
            .ok_or_else(|| missing("strategy.class"))?;
        if !is_identifier(class) {
            return Err(self.key_error(
                "strategy.class",
                format!("must be a Python class name, found {class:?}"),
            ));
        }
        let params = serde_json::to_value(s.params.clone().unwrap_or_default()).map_err(|e| {
            self.key_error(
                "strategy.params",
                format!("cannot be passed to Python: {e}"),
            )
        })?;
        if let Some(n) = s.lookback.filter(|&n| n < 2) {
            return Err(self.key_error(
                "strategy.lookback",
                format!("must be >= 2 bars (leave it out for all bars so far), found {n}"),
            ));
        }
        let launch = Launch {
            class: class.to_owned(),
            params,
            lookback: s.lookback.unwrap_or(0),
        };
        let prepared =
            Strategies::prepare(s.python.as_deref(), &file, &launch).map_err(|e| match e {
                PyStrategyError::Load { ref key, .. } => {
                    let key = key.clone().unwrap_or_else(|| "strategy.class".to_owned());
                    self.key_error(&key, e)
                }
                PyStrategyError::Start { .. } => self.key_error("strategy.python", e),
                e => self.key_error("strategy.path", e),
            })?;
        let config = StrategyConfig::Python {
            file: prepared.file,
            class: launch.class,
            params: launch.params.to_string(),
            source: prepared.source,
            runtime: prepared.runtime,
            lookback: launch.lookback,
            bars,
        };
        let _ = self.python.set(Prepared {
            factory: Arc::new(prepared.factory),
            config: config.clone(),
        });
        Ok(config)
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}
