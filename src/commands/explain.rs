//! `axon audit` (one past decision, rebuilt from its journal and explained)
//! and `axon explain` (the same explainers on a model file).

use std::path::Path;
use std::sync::Arc;

use axon_explain::{ReportContext, ReportFiles, ReportGenerator, ShapOptions};
use axon_inference::Backend;
use axon_replay::{AuditTarget, DecisionReport, ExplainOptions, action_name, explain_decision};
use serde_json::json;

use crate::commands::models::{LoadArgs, load_model, read_observations};
use crate::exit::Failure;
use crate::output::table;

/// Where reports go and how to explain.
#[derive(Debug, Clone)]
pub struct ExplainArgs {
    pub files: ReportFiles,
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
    let options = ExplainOptions {
        slot,
        background,
        shap: args.shap(None),
        counterfactual_samples: args.counterfactual_samples,
    };
    let r = explain_decision(journal, target, &options)?;
    r.report
        .write_files(&args.files, r.provenance.clone())
        .map_err(Failure::from)?;
    if !quiet {
        print_audit(&r);
    }
    match r.audit.difference() {
        None => Ok(()),
        Some(why) => Err(Failure::differs(why).into()),
    }
}

fn print_audit(r: &DecisionReport) {
    let (a, chosen, report) = (&r.audit, r.slot(), &r.report);
    let top = report.explanation.as_ref().map(|e| {
        e.ranked_features()
            .iter()
            .take(3)
            .map(|(n, x)| format!("{n} {x:+.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let mut rows = vec![
        (
            "decision",
            format!(
                "{} {} at seq {}",
                action_name(a.decision.action),
                a.symbol,
                a.seq
            ),
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
    report
        .write_files(&args.files, provenance.clone())
        .map_err(Failure::from)?;
    if args.files.json.is_none() {
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
