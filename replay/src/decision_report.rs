//! One past decision, audited from its journal and explained: the ML slot
//! to explain (asked for, or the one that moved the ensemble score most),
//! the report's context (what the journal says of the decision, each
//! slot's contribution, prices around it) and the SHAP and counterfactual
//! report on the journal's own copy of the model.

use std::path::Path;

use axon_engine::event::{Action, Decision, ModelOutput};
use axon_explain::{
    EnsembleScore, PricePoint, Report, ReportContext, ReportGenerator, ShapOptions, SlotInfo,
    event_time, format_price,
};
use axon_inference::Backend;
use serde_json::{Value, json};

use crate::audit::{Audit, AuditOptions, AuditTarget, SlotAudit, audit};
use crate::error::ReplayError;

/// How to explain the audited decision.
#[derive(Debug, Clone)]
pub struct ExplainOptions {
    /// The ML slot to explain; `None`: the one that moved the score most.
    pub slot: Option<u16>,
    /// Earlier inputs of the slot used as SHAP background (at least 1).
    pub background: usize,
    /// SHAP settings (feature names are the engine's window names).
    pub shap: ShapOptions,
    /// Candidates the counterfactual search draws.
    pub counterfactual_samples: usize,
}

/// An audited, explained decision.
#[derive(Debug)]
pub struct DecisionReport {
    /// What the replay found.
    pub audit: Audit,
    /// Index into `audit.slots` of the explained slot.
    pub explained: usize,
    /// The report.
    pub report: Report,
    /// What was explained, from where (the JSON report's `provenance`).
    pub provenance: Value,
}

impl DecisionReport {
    /// The explained slot.
    pub fn slot(&self) -> &SlotAudit {
        &self.audit.slots[self.explained]
    }
}

/// Audits the decision `target` of `journal` and explains it.
pub fn explain_decision(
    journal: &Path,
    target: AuditTarget,
    options: &ExplainOptions,
) -> Result<DecisionReport, ReplayError> {
    let audit_options = AuditOptions {
        background: options.background.max(1),
        ..AuditOptions::default()
    };
    let a = audit(journal, target, audit_options)?;
    let explained = explained_slot(&a, options.slot)?;
    let chosen = &a.slots[explained];
    let d = &a.decision;
    let order = a.order.as_ref().map(|o| {
        format!(
            "client order {}: {:?} {:?} {:?}",
            o.client_id, o.side, o.quantity, o.order_type
        )
    });
    let names = window_names(chosen.model.as_ref());
    let report = ReportGenerator::new(chosen.model.clone())
        .with_background(chosen.background.clone())
        .with_context(context(&a, chosen.swap.slot, order.clone()))
        .with_shap_options(ShapOptions {
            feature_names: Some(names),
            ..options.shap.clone()
        })
        .with_counterfactual_samples(options.counterfactual_samples)
        .generate_report(&chosen.input, action_index(d.action), true, true, true)
        .map_err(|source| ReplayError::Explain {
            journal: journal.to_path_buf(),
            seq: a.seq,
            source,
        })?;
    let provenance = json!({
        "journal": journal.display().to_string(),
        "seq": a.seq,
        "time_ns": a.time_ns,
        "time_utc": axon_explain::utc_time(a.time_ns),
        "price_decimals": a.price_decimals,
        "instrument": a.symbol,
        "reproduced": a.reproduced,
        "first_mismatch": a.first_mismatch,
        "input_verified": chosen.input_verified,
        "explained_slot": chosen.swap.slot,
        "order": order,
        "decision": serde_json::to_value(d).unwrap_or(Value::Null),
        "slots": report.context.slots,
        "operator": a.operator,
    });
    Ok(DecisionReport {
        audit: a,
        explained,
        report,
        provenance,
    })
}

/// The ML slot to explain: asked for, or the one that moved the score most
/// (the lowest slot among equals). Errors when there is none.
fn explained_slot(a: &Audit, asked: Option<u16>) -> Result<usize, ReplayError> {
    let d = &a.decision;
    let moved = |s: u16| {
        d.models
            .iter()
            .find(|m| m.slot == s)
            .map_or(0.0, |m| contribution(d, m).abs())
    };
    match asked {
        Some(s) => a
            .slots
            .iter()
            .position(|x| x.swap.slot == s)
            .ok_or_else(|| ReplayError::NoSuchSlot {
                slot: s,
                ml_slots: a.slots.iter().map(|x| x.swap.slot).collect(),
            }),
        None => (0..a.slots.len())
            .reduce(|best, i| {
                if moved(a.slots[i].swap.slot) > moved(a.slots[best].swap.slot) {
                    i
                } else {
                    best
                }
            })
            .ok_or_else(|| ReplayError::NothingToExplain {
                journal: a.journal.clone(),
                seq: a.seq,
            }),
    }
}

/// The report's context: the decision as the journal holds it.
fn context(a: &Audit, explained: u16, order: Option<String>) -> ReportContext {
    let d = &a.decision;
    let mut fields = vec![
        ("journal".to_string(), a.journal.display().to_string()),
        ("sequence".to_string(), a.seq.to_string()),
        ("event time".to_string(), event_time(a.time_ns)),
        (
            "instrument".to_string(),
            format!("{} (id {})", a.symbol, d.instrument),
        ),
        ("price".to_string(), format_price(d.price, a.price_decimals)),
        (
            "ensemble score".to_string(),
            format!("{:+.6} (threshold {:.6})", d.score, a.threshold),
        ),
        (
            "reproduced".to_string(),
            if a.reproduced {
                "yes: the replay recomputed this decision bit for bit".to_string()
            } else {
                format!("NO: first difference at seq {:?}", a.first_mismatch)
            },
        ),
        ("explained slot".to_string(), explained.to_string()),
    ];
    // Who steered the session before this decision (`axon ctl`), newest
    // last.
    for op in a.operator.iter().rev().take(5).rev() {
        fields.push((
            format!("operator, seq {}", op.seq),
            format!("{} at {} by {}", op.what, event_time(op.time_ns), op.who),
        ));
    }
    let slots = d
        .models
        .iter()
        .map(|m| {
            let swap = a.swaps.get(&m.slot);
            SlotInfo {
                slot: m.slot,
                version: m.version,
                backend: swap.map_or("rule".into(), |s| s.backend.clone()),
                sha256: swap
                    .filter(|s| s.backend != "rule")
                    .map_or(String::new(), |s| hex::encode(s.sha256)),
                weight: d.weights.get(usize::from(m.slot)).copied().unwrap_or(0.0),
                raw: m.raw.to_vec(),
                contribution: contribution(d, m),
            }
        })
        .collect();
    ReportContext {
        title: format!("Decision {} at seq {}", action_name(d.action), a.seq),
        fields,
        slots,
        prices: a
            .prices
            .iter()
            .map(|(t, p)| PricePoint {
                time_ns: *t,
                price: *p,
            })
            .collect(),
        decision_time_ns: Some(a.time_ns),
        order,
        ensemble: Some(EnsembleScore {
            score: d.score,
            threshold: a.threshold,
        }),
        explained_slot: Some(explained),
        price_decimals: a.price_decimals,
    }
}

/// The engine's feature window names: horizon k's return.
fn window_names(model: &dyn Backend) -> Vec<String> {
    let width = model.info().input_shape.last().copied().unwrap_or(0);
    (1..=width).map(|k| format!("ret_{k}")).collect()
}

/// What a slot added to the ensemble score, as the engine sums it:
/// weight × (buy − sell).
fn contribution(d: &Decision, m: &ModelOutput) -> f64 {
    d.weights.get(usize::from(m.slot)).copied().unwrap_or(0.0) * (m.raw[0] - m.raw[1])
}

fn action_index(a: Action) -> usize {
    match a {
        Action::Buy => 0,
        Action::Sell => 1,
        Action::Hold => 2,
    }
}

/// The action's name in reports.
pub fn action_name(a: Action) -> &'static str {
    match a {
        Action::Buy => "Buy",
        Action::Sell => "Sell",
        Action::Hold => "Hold",
    }
}
