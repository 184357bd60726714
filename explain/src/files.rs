//! Where a report goes: HTML, PDF and the JSON that scripts read (the
//! explanation, the ensemble's view and the provenance of what was
//! explained), each written only when asked for.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::error::{ExplainError, Result};
use crate::report::Report;

/// The files to write a report to.
#[derive(Debug, Clone, Default)]
pub struct ReportFiles {
    /// Self-contained HTML.
    pub html: Option<PathBuf>,
    /// PDF.
    pub pdf: Option<PathBuf>,
    /// JSON for scripts.
    pub json: Option<PathBuf>,
}

impl Report {
    /// The report as scripts read it: the SHAP values and base values per
    /// action, the model's and the ensemble's choice, counterfactuals,
    /// warnings, and `provenance` (what was explained, from where).
    pub fn files_json(&self, provenance: Value) -> Value {
        let e = self.explanation.as_ref();
        json!({
            "feature_names": e.map(|e| e.feature_names.clone()),
            "shap_values": e.map(|e| e.shap_values.clone()),
            "action": self.action,
            "action_name": self.action_name,
            "base_value": e.map(|e| e.base_value),
            "base_values": e.map(|e| e.base_values.clone()),
            "prediction": e.map(|e| e.prediction),
            "predictions": e.map(|e| e.predictions.clone()),
            "exact": e.map(|e| e.exact),
            "model_action": self.model_action,
            "model_action_name": self.model_action_name,
            "warnings": self.warnings,
            "ensemble": self.context.ensemble.map(|s| json!({
                "score": s.score,
                "threshold": s.threshold,
                "explained_slot": self.context.explained_slot,
                "contributions": self.context.slots.iter().map(|x| json!({
                    "slot": x.slot,
                    "backend": x.backend,
                    "weight": x.weight,
                    "buy_minus_sell": x.raw.first().zip(x.raw.get(1)).map(|(b, s)| b - s),
                    "contribution": x.contribution + 0.0,
                })).collect::<Vec<_>>(),
            })),
            "counterfactuals": self.counterfactuals,
            "feature_importance": self.feature_importance,
            "provenance": provenance,
        })
    }

    /// Writes the files asked for.
    pub fn write_files(&self, files: &ReportFiles, provenance: Value) -> Result<()> {
        if let Some(p) = &files.html {
            self.export_html(p)?;
        }
        if let Some(p) = &files.pdf {
            self.export_pdf(p)?;
        }
        if let Some(p) = &files.json {
            // `{:#}` is serde_json's pretty printing.
            let text = format!("{:#}", self.files_json(provenance));
            std::fs::write(p, text).map_err(|e| ExplainError::Write {
                path: p.display().to_string(),
                detail: e.to_string(),
            })?;
        }
        Ok(())
    }
}
