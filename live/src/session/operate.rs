//! The session's side of `axon ctl`: each request answered from the
//! session's state (`status`) or journaled as an input and stepped like any
//! other, naming the operator.

use std::sync::Arc;

use axon_adapters::exchange::venue::now_ns;
use axon_config::LivePlan;
use axon_engine::Input;
use axon_engine::event::{Operator, OperatorCommand, WeightOverride};
use axon_inference::{ModelRegistry, load_backend_bytes, swap_record};
use serde_json::{Value, json};

use super::Live;
use crate::control::{Request, refused};
use crate::error::LiveError;

impl Live {
    /// Answers one operator request. Refusals are answers; only a journal
    /// failure is an error (it ends the session, as for any input).
    pub(super) fn control(
        &mut self,
        plan: &LivePlan,
        registry: &Arc<ModelRegistry>,
        request: Request,
        who: &str,
    ) -> Result<Value, LiveError> {
        let operator = |command| {
            Input::Operator(Operator {
                command,
                who: who.to_owned(),
            })
        };
        let input = match request {
            Request::Status => return Ok(json!({"ok": true, "status": self.status()})),
            _ if self.stopping => return Ok(refused("the session is stopping")),
            Request::Pause => operator(OperatorCommand::Pause),
            Request::Resume => operator(OperatorCommand::Resume),
            Request::CancelAll => operator(OperatorCommand::CancelAll),
            Request::KillSwitch { on } => operator(OperatorCommand::KillSwitch { on }),
            Request::Flatten { symbol: None } => {
                operator(OperatorCommand::Flatten { instrument: None })
            }
            Request::Flatten {
                symbol: Some(symbol),
            } => match self.symbols.iter().position(|s| *s == symbol) {
                Some(i) => operator(OperatorCommand::Flatten {
                    instrument: Some(i as u32),
                }),
                None => {
                    return Ok(refused(format!(
                        "{symbol} is not traded in this session (symbols: {})",
                        self.symbols.join(", ")
                    )));
                }
            },
            Request::Weights { weights } => match self.check_weights(&weights) {
                Ok(()) => Input::WeightOverride(WeightOverride {
                    weights,
                    reason: format!("operator ({who})"),
                }),
                Err(why) => return Ok(refused(why)),
            },
            Request::Swap { slot, sha256 } => match self.swap(plan, registry, slot, &sha256) {
                Ok(input) => input,
                Err(why) => return Ok(refused(why)),
            },
        };
        let t = self.time(now_ns());
        self.submit(t, input)?;
        Ok(json!({"ok": true, "seq": self.last_input_seq()}))
    }

    fn check_weights(&self, weights: &[f64]) -> Result<(), String> {
        let slots = self.seq.engine().ensemble().len();
        if weights.len() != slots {
            return Err(format!(
                "{} weights for {slots} slots: give one per slot",
                weights.len()
            ));
        }
        if weights.iter().any(|w| !w.is_finite() || *w < 0.0) || weights.iter().sum::<f64>() <= 0.0
        {
            return Err(format!(
                "weights must be finite, >= 0 and not all 0, found {weights:?}"
            ));
        }
        Ok(())
    }

    /// The swap of `slot` to the model the journal's store holds under
    /// `sha256`, loaded as the slot's configuration says.
    fn swap(
        &self,
        plan: &LivePlan,
        registry: &Arc<ModelRegistry>,
        slot: u16,
        sha256: &str,
    ) -> Result<Input, String> {
        let hash: [u8; 32] = hex::decode(sha256)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| format!("{sha256:?} is not a SHA-256 (64 hex digits)"))?;
        let store = self.seq.log().artifacts();
        if !store.contains(&hash) {
            return Err(format!(
                "no model with sha256 {sha256} in the journal's store (`axon models list --journal` lists them)"
            ));
        }
        let planned = plan
            .session
            .models
            .iter()
            .find(|m| m.slot == slot)
            .ok_or_else(|| format!("slot {slot} has no configured model to swap"))?;
        let bytes = store.get(&hash).map_err(|e| e.to_string())?;
        let mut config = planned.config.clone();
        let backend = load_backend_bytes(&bytes, &config, &format!("sha256 {sha256}"))
            .map_err(|e| format!("the model does not load for slot {slot}: {e}"))?;
        config.input_shape = backend.info().input_shape.clone();
        let version = self
            .seq
            .engine()
            .ensemble()
            .slots()
            .get(usize::from(slot))
            .map_or(1, |s| s.version + 1);
        let swap = swap_record(slot, version, hash, &config);
        registry.stage(&swap, Arc::from(backend));
        Ok(Input::ModelSwap(swap))
    }

    /// The session as `axon ctl status` prints it.
    fn status(&self) -> Value {
        let engine = self.seq.engine();
        let portfolio = engine.portfolio();
        let positions: serde_json::Map<String, Value> = self
            .symbols
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), json!(portfolio.position(i as u32))))
            .collect();
        let slots: Vec<Value> = engine
            .ensemble()
            .slots()
            .iter()
            .enumerate()
            .map(|(i, s)| json!({"slot": i, "version": s.version, "sha256": hex::encode(s.sha256)}))
            .collect();
        let journal = self.seq.log();
        let replication = self.replication.as_ref().map(|r| {
            let lag = r.lag();
            json!({
                "url": r.target().url,
                "stream": r.target().stream,
                "connected": lag.connected,
                "lag_records": lag.records,
                "lag_seconds": lag.seconds,
            })
        });
        json!({
            "session": self.tag,
            "venue": self.report.venue,
            "mode": format!("{:?}", self.report.mode).to_lowercase(),
            "paused": engine.paused(),
            "kill_switch": engine.kill_switch_engaged(),
            "equity": portfolio.equity(),
            "cash": portfolio.cash(),
            "positions": positions,
            "open_orders": self.tracker.open().map(|(id, t)| json!({
                "client_id": id,
                "symbol": self.symbols.get(t.instrument as usize),
            })).collect::<Vec<_>>(),
            "slots": slots,
            "weights": engine.ensemble().weights(),
            "streams": self.streams_up,
            "journal": {
                "records": journal.next_seq(),
                "durable": journal.durable_seq(),
                "lag_records": journal.next_seq().saturating_sub(journal.durable_seq()),
            },
            "replication": replication,
            "event_queue": {
                "depth": self.latency.queue().0,
                "max": self.latency.queue().1,
            },
            "ticks": self.report.ticks,
            "orders": self.report.orders,
            "fills": self.report.fills,
        })
    }
}
