//! `axon audit` (one past decision, rebuilt from its journal and explained)
//! and `axon explain` (the same explainers on a model file).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axon_engine::event::{Action, Decision, ModelOutput};
use axon_explain::{
    EnsembleScore, PricePoint, Report, ReportContext, ReportGenerator, ShapOptions, SlotInfo,
    event_time, format_price,
};
use axon_inference::Backend;
use axon_replay::{AuditOptions, AuditTarget, audit};
use serde_json::json;

use crate::commands::models::{LoadArgs, load_model, read_observations};
use crate::exit::Failure;
use crate::output::table;

/// Where reports go and how to explain.
#[derive(Debug, Clone)]
pub struct ExplainArgs {
    pub html: Option<PathBuf>,
    pub pdf: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub per_cell: bool,
    pub samples: Option<usize>,
    pub seed: u64,
    pub counterfactual_samples: usize,
}

impl ExplainArgs {
    fn shap(&self, names: Option<Vec<String>>) -> ShapOptions {
        ShapOptions {
            per_cell: self.per_cell,
            samples: self.samples,
            seed: self.seed,
            feature_names: names,
            ..ShapOptions::default()
        }
    }

    fn write(&self, report: &Report, extra: serde_json::Value) -> anyhow::Result<()> {
        let fail = |e: axon_explain::ExplainError| Failure::input(e.to_string());
        if let Some(p) = &self.html {
            report.export_html(p).map_err(fail)?;
        }
        if let Some(p) = &self.pdf {
            report.export_pdf(p).map_err(fail)?;
        }
        if let Some(p) = &self.json {
            let e = report.explanation.as_ref();
            let out = json!({
                "feature_names": e.map(|e| e.feature_names.clone()),
                "shap_values": e.map(|e| e.shap_values.clone()),
                "action": report.action,
                "action_name": report.action_name,
                "base_value": e.map(|e| e.base_value),
                "base_values": e.map(|e| e.base_values.clone()),
                "prediction": e.map(|e| e.prediction),
                "predictions": e.map(|e| e.predictions.clone()),
                "exact": e.map(|e| e.exact),
                "model_action": report.model_action,
                "model_action_name": report.model_action_name,
                "warnings": report.warnings,
                "ensemble": report.context.ensemble.map(|s| json!({
                    "score": s.score,
                    "threshold": s.threshold,
                    "explained_slot": report.context.explained_slot,
                    "contributions": report.context.slots.iter().map(|x| json!({
                        "slot": x.slot,
                        "backend": x.backend,
                        "weight": x.weight,
                        "buy_minus_sell": x.raw.first().zip(x.raw.get(1)).map(|(b, s)| b - s),
                        "contribution": x.contribution + 0.0,
                    })).collect::<Vec<_>>(),
                })),
                "counterfactuals": report.counterfactuals,
                "feature_importance": report.feature_importance,
                "provenance": extra,
            });
            std::fs::write(p, serde_json::to_string_pretty(&out)?)
                .map_err(|e| Failure::input(format!("{}: {e}", p.display())))?;
        }
        Ok(())
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

/// `axon audit`.
pub fn audit_cmd(
    journal: &Path,
    target: AuditTarget,
    slot: Option<u16>,
    background: usize,
    args: &ExplainArgs,
    quiet: bool,
) -> anyhow::Result<()> {
    let options = AuditOptions {
        background: background.max(1),
        ..AuditOptions::default()
    };
    let a = audit(journal, target, options).map_err(Failure::from)?;
    let d = &a.decision;
    let action = action_index(d.action);
    // The ML slot to explain: asked for, or the one that moved the score
    // most (the lowest slot among equals); when none moved it, the report
    // says so at the top.
    let moved = |s: u16| {
        d.models
            .iter()
            .find(|m| m.slot == s)
            .map_or(0.0, |m| contribution(d, m).abs())
    };
    let chosen = match slot {
        Some(s) => a.slots.iter().find(|x| x.swap.slot == s).ok_or_else(|| {
            Failure::input(format!(
                "slot {s} has no ML model in this decision (ML slots: {:?})",
                a.slots.iter().map(|x| x.swap.slot).collect::<Vec<_>>()
            ))
        })?,
        None => a
            .slots
            .iter()
            .reduce(|best, x| {
                if moved(x.swap.slot) > moved(best.swap.slot) {
                    x
                } else {
                    best
                }
            })
            .ok_or_else(|| {
                Failure::input(format!(
                    "{}: the decision at seq {} has no ML model to explain (only rule models)",
                    journal.display(),
                    a.seq
                ))
            })?,
    };
    let fields = vec![
        ("journal".to_string(), journal.display().to_string()),
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
        ("explained slot".to_string(), chosen.swap.slot.to_string()),
    ];
    let slots: Vec<SlotInfo> = d
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
    let order = a.order.as_ref().map(|o| {
        format!(
            "client order {}: {:?} {:?} {:?}",
            o.client_id, o.side, o.quantity, o.order_type
        )
    });
    let context = ReportContext {
        title: format!("Decision {} at seq {}", d_action(d.action), a.seq),
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
        order: order.clone(),
        ensemble: Some(EnsembleScore {
            score: d.score,
            threshold: a.threshold,
        }),
        explained_slot: Some(chosen.swap.slot),
        price_decimals: a.price_decimals,
    };
    let names = window_names(chosen.model.as_ref());
    let report = ReportGenerator::new(chosen.model.clone())
        .with_background(chosen.background.clone())
        .with_context(context)
        .with_shap_options(args.shap(Some(names)))
        .with_counterfactual_samples(args.counterfactual_samples)
        .generate_report(&chosen.input, action, true, true, true)
        .map_err(|e| Failure::input(format!("{}: seq {}: {e}", journal.display(), a.seq)))?;
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
        "decision": serde_json::to_value(d)?,
        "slots": report.context.slots,
    });
    args.write(&report, provenance)?;
    if !quiet {
        let top = report.explanation.as_ref().map(|e| {
            let mut v: Vec<(&String, f64)> = e
                .feature_names
                .iter()
                .zip(e.feature_importances.iter().copied())
                .collect();
            v.sort_by(|x, y| y.1.abs().total_cmp(&x.1.abs()));
            v.iter()
                .take(3)
                .map(|(n, x)| format!("{n} {x:+.4}"))
                .collect::<Vec<_>>()
                .join(", ")
        });
        let mut rows = vec![
            (
                "decision",
                format!("{} {} at seq {}", d_action(d.action), a.symbol, a.seq),
            ),
            (
                "reproduced",
                if a.reproduced {
                    "yes, bit for bit".into()
                } else {
                    format!("NO (first difference at seq {:?})", a.first_mismatch)
                },
            ),
            (
                "explained slot",
                format!(
                    "{} ({}, {})",
                    chosen.swap.slot,
                    chosen.swap.backend,
                    hex::encode(chosen.swap.sha256)
                ),
            ),
            (
                "background",
                format!("{} earlier inputs", chosen.background.len()),
            ),
            ("top SHAP values", top.unwrap_or_default()),
            (
                "counterfactuals",
                report
                    .counterfactuals
                    .as_ref()
                    .map_or(0, Vec::len)
                    .to_string(),
            ),
        ];
        rows.extend(report.warnings.iter().map(|w| ("WARNING", w.clone())));
        table("Audit", &rows);
    }
    if a.reproduced {
        Ok(())
    } else {
        Err(Failure::differs(format!(
            "{}: the replay did NOT reproduce the decision at seq {} (first difference at seq {:?})",
            journal.display(),
            a.seq,
            a.first_mismatch
        ))
        .into())
    }
}

fn d_action(a: Action) -> &'static str {
    match a {
        Action::Buy => "Buy",
        Action::Sell => "Sell",
        Action::Hold => "Hold",
    }
}

/// `axon explain`.
pub fn explain_cmd(
    model_args: &LoadArgs,
    observation: &Path,
    background: &Path,
    action: Option<&str>,
    args: &ExplainArgs,
) -> anyhow::Result<()> {
    let model: Arc<dyn Backend> = Arc::from(load_model(model_args, None)?);
    let n = model.info().input_len();
    let mut obs = read_observations(observation, n, false)?;
    let x = obs.remove(0);
    let bg = read_observations(background, n, true)?;
    let outputs = model
        .predict(&x)
        .map_err(|e| Failure::input(e.to_string()))?;
    let action = match action {
        None => (0..outputs.len()).fold(0, |b, i| if outputs[i] > outputs[b] { i } else { b }),
        Some("buy") => 0,
        Some("sell") => 1,
        Some("hold") => 2,
        Some(s) => s.parse().map_err(|_| {
            Failure::input(format!(
                "--action {s:?}: expected buy, sell, hold or an output index"
            ))
        })?,
    };
    let bytes = std::fs::read(&model_args.model)?;
    let context = ReportContext {
        title: format!("{}: one prediction explained", model_args.model.display()),
        fields: vec![
            ("model".into(), model_args.model.display().to_string()),
            ("sha256".into(), axon_inference::sha256_hex(&bytes)),
            ("backend".into(), model.info().backend.name().into()),
            ("observation".into(), observation.display().to_string()),
            (
                "background".into(),
                format!("{} ({} rows)", background.display(), bg.len()),
            ),
        ],
        ..ReportContext::default()
    };
    let report = ReportGenerator::new(model.clone())
        .with_background(bg)
        .with_context(context)
        .with_shap_options(args.shap(None))
        .with_counterfactual_samples(args.counterfactual_samples)
        .generate_report(&x, action, true, true, true)
        .map_err(|e| Failure::input(e.to_string()))?;
    let provenance = json!({
        "model": model_args.model.display().to_string(),
        "sha256": axon_inference::sha256_hex(&bytes),
        "backend": model.info().backend.name(),
        "input_shape": model.info().input_shape,
    });
    args.write(&report, provenance.clone())?;
    if args.json.is_none() {
        let e = report.explanation.as_ref();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "feature_names": e.map(|e| e.feature_names.clone()),
                "shap_values": e.map(|e| e.feature_importances.clone()),
                "base_value": e.map(|e| e.base_value),
                "prediction": e.map(|e| e.prediction),
                "action": report.action_name,
                "provenance": provenance,
            }))?
        );
    }
    Ok(())
}
