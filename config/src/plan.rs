//! From a parsed config to the plan of a run: values checked, models
//! loaded (and hashed), credentials read from the environment. Parsing
//! (`file.rs`) reads only the file; this is where the rest is read.

use std::sync::Arc;

use axon_adapters::VenueKind;
use axon_adapters::exchange::config::ExchangeConfig;
use axon_adapters::exchange::config::Secret;
use axon_adapters::sim::{FillModel, SimConfig};
use axon_data::CatalogQuery;
use axon_engine::EngineConfig;
use axon_pystrategy::Strategies;
use axon_replay::{BacktestPlan, PlannedModel, SessionPlan};

use crate::canonical::canonical_settings;
use crate::error::ConfigError;
use crate::exchange::{Mode, credential, redact};
use crate::file::{Config, Source};

/// Everything a live session needs: what every session runs with, and
/// its venue.
#[derive(Debug)]
pub struct LivePlan {
    /// Engine, journal, models and the journaled settings (its
    /// `config_source` has credentials redacted).
    pub session: SessionPlan,
    pub venue: VenueKind,
    pub mode: Mode,
    pub exchange: ExchangeConfig,
    /// Slots whose files are watched and hot-swapped for the whole session.
    pub watched: Vec<u16>,
    /// Where the journal is replicated (`[journal.replicate]`).
    pub replicate: Option<axon_replicate::Target>,
}

impl Config {
    /// Checks values and builds the backtest plan.
    pub fn backtest_plan(&self) -> Result<BacktestPlan, ConfigError> {
        let Source::Data(data) = &self.file.source else {
            return Err(self.key_error(
                "data",
                "required for a backtest (this file's [exchange] makes it a live session: run it with `axon live`)",
            ));
        };
        if self.file.journal.replicate.is_some() {
            return Err(self.key_error(
                "journal.replicate",
                "replicates live sessions; a backtest's journal is made again by running it",
            ));
        }
        let e = &self.file.execution;
        let engine = self.engine_config()?;
        let models = crate::load::planned_models(self)?;
        let (data_path, catalog) = self.data_source(data)?;
        Ok(BacktestPlan {
            session: self.session_plan(engine, e.fill, self.text.clone(), models)?,
            data_path,
            catalog,
            default_symbol: data.symbol.clone(),
            close_at_end: e.close_at_end,
            metrics: None,
        })
    }

    /// `[data]`: a path, or a catalog and its query.
    fn data_source(
        &self,
        data: &crate::file::Data,
    ) -> Result<(std::path::PathBuf, Option<CatalogQuery>), ConfigError> {
        let catalog_keys = [
            ("symbols", data.symbols.is_some()),
            ("kind", data.kind.is_some()),
            ("venue", data.venue.is_some()),
            ("start", data.start.is_some()),
            ("end", data.end.is_some()),
        ];
        match (&data.path, &data.catalog) {
            (Some(path), None) => {
                if let Some((k, _)) = catalog_keys.iter().find(|(_, set)| *set) {
                    return Err(self.key_error(
                        &format!("data.{k}"),
                        "selects from a catalog: set data.catalog instead of data.path",
                    ));
                }
                Ok((self.resolve(path), None))
            }
            (None, Some(root)) => {
                let time = |key: &str, v: &Option<String>| -> Result<Option<i64>, ConfigError> {
                    v.as_deref()
                        .map(|s| {
                            axon_data::parse_time(s).ok_or_else(|| {
                                self.key_error(
                                    &format!("data.{key}"),
                                    format!("expected a date or date-time (UTC) such as 2024-01-08 or 2024-01-08T12:00:00Z, found {s:?}"),
                                )
                            })
                        })
                        .transpose()
                };
                let symbols = data
                    .symbols
                    .clone()
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| {
                        self.key_error(
                            "data.symbols",
                            "required with data.catalog: the symbols to read",
                        )
                    })?;
                let kind = data.kind.clone().ok_or_else(|| {
                    self.key_error(
                        "data.kind",
                        "required with data.catalog: trades, quotes, bars_1m, ...",
                    )
                })?;
                let (start, end) = (time("start", &data.start)?, time("end", &data.end)?);
                if let (Some(s), Some(e)) = (start, end)
                    && s >= e
                {
                    return Err(self.key_error("data.end", "must be after data.start"));
                }
                let query = CatalogQuery {
                    venue: data.venue.clone(),
                    symbols,
                    kind,
                    start,
                    end,
                };
                Ok((self.resolve(root), Some(query)))
            }
            (Some(_), Some(_)) => {
                Err(self.key_error("data.catalog", "set data.path or data.catalog, not both"))
            }
            (None, None) => Err(self.key_error(
                "data.path",
                "required: a Parquet file or folder (or data.catalog)",
            )),
        }
    }

    /// The parts every session shares.
    fn session_plan(
        &self,
        engine: EngineConfig,
        fill: FillModel,
        config_source: String,
        models: Vec<PlannedModel>,
    ) -> Result<SessionPlan, ConfigError> {
        let e = &self.file.execution;
        Ok(SessionPlan {
            engine,
            sim: SimConfig {
                fill,
                commission_bps: e.commission_bps,
                slippage: e.slippage,
            },
            journal_dir: self.resolve(&self.file.journal.path),
            journal: self.journal_options()?,
            seed: self.file.session.seed,
            config_text: canonical_settings(&self.text),
            config_source,
            models,
            strategies: match self.python.get() {
                Some(p) => p.factory.clone(),
                None => Arc::new(Strategies::builtins()),
            },
        })
    }

    /// Checks the file for a live session and builds its plan.
    pub fn live_plan(&self) -> Result<LivePlan, ConfigError> {
        let Source::Exchange(ex) = &self.file.source else {
            return Err(self.key_error(
                "exchange",
                "required for a live session (this file's [data] makes it a backtest: run it with `axon backtest`)",
            ));
        };
        if ex.symbols.is_empty() {
            return Err(self.key_error("exchange.symbols", "name at least one symbol"));
        }
        let engine = self.engine_config()?;
        if ex.rate_limit.requests_per_second == 0 || ex.rate_limit.orders_per_minute == 0 {
            return Err(self.key_error("exchange.rate_limit", "limits must be > 0"));
        }
        let models = crate::load::planned_models(self)?;
        if let Some(m) = models.iter().find(|m| m.at_ns.is_some()) {
            return Err(self.key_error(
                "models.swaps",
                format!(
                    "slot {}: scheduled swaps belong to backtests; a live session loads its slots at start and swaps those with `watch = true` when their files change",
                    m.slot
                ),
            ));
        }
        let (api_key, api_secret, passphrase) = if ex.mode == Mode::Paper {
            Default::default()
        } else {
            let key = credential(self, &ex.api_key, "api_key_env", &ex.api_key_env)?;
            let secret = credential(self, &ex.api_secret, "api_secret_env", &ex.api_secret_env)?;
            let pass = if ex.venue == VenueKind::Okx {
                credential(self, &ex.passphrase, "passphrase_env", &ex.passphrase_env)?
            } else {
                Secret::default()
            };
            (key, secret, pass)
        };
        let mut exchange = ExchangeConfig::new(ex.symbols.clone());
        exchange.api_key = api_key;
        exchange.api_secret = api_secret;
        exchange.passphrase = passphrase;
        exchange.testnet = ex.mode != Mode::Production;
        exchange.rest_url = ex.rest_url.clone();
        exchange.ws_url = ex.ws_url.clone();
        exchange.rate_limit = ex.rate_limit;
        exchange.reconnect = ex.reconnect;
        exchange.depth = ex.depth;
        if ex.depth && ex.venue != VenueKind::Binance {
            return Err(self.key_error(
                "exchange.depth",
                "only Binance's depth stream is kept as a local book",
            ));
        }
        if let Some(ms) = ex.recv_window_ms {
            exchange.recv_window_ms = ms;
        }
        if let Some(ms) = ex.request_timeout_ms {
            exchange.request_timeout_ms = ms;
        }
        Ok(LivePlan {
            // Paper sessions fill at the next tick, as tick backtests do.
            session: self.session_plan(engine, FillModel::NextTick, redact(&self.text), models)?,
            venue: ex.venue,
            mode: ex.mode,
            exchange,
            watched: self.file.models.watched_slots(),
            replicate: self.replicate_target()?,
        })
    }

    /// `[journal.replicate]`, checked.
    fn replicate_target(&self) -> Result<Option<axon_replicate::Target>, ConfigError> {
        let Some(r) = &self.file.journal.replicate else {
            return Ok(None);
        };
        let target = axon_replicate::Target {
            url: r.url.clone(),
            stream: r.stream.clone(),
        };
        target
            .check()
            .map_err(|e| self.key_error("journal.replicate", e))?;
        Ok(Some(target))
    }
}
