//! The HTML report: one self-contained page (inline CSS and SVG),
//! rendered with minijinja (auto-escaping).

use minijinja::{Environment, context};
use serde::Serialize;

use crate::counterfactual::Counterfactual;
use crate::error::{ExplainError, Result};
use crate::format::{shown_of, signed};
use crate::kernel_shap::Explanation;
use crate::report::{FeatureImportance, NO_COUNTERFACTUAL, Report, SlotInfo, score_line};
use crate::svg;

const TEMPLATE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ r.title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 780px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
td, th { border-bottom: 1px solid #eee; padding: 3px 6px; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 0.85em; word-break: break-all; }
svg .t { font: bold 13px sans-serif; } svg .l { font: 11px sans-serif; fill: #333; } svg .v { font: 10px sans-serif; fill: #555; }
.action { font-weight: bold; color: #d0453a; }
.warning { border: 2px solid #c0392b; background: #fdecea; color: #8e1b10; padding: 8px 12px; font-weight: bold; }
tr.explained td { background: #f3f6fb; }
</style>
</head>
<body>
<h1>{{ r.title }}</h1>
{% for w in r.warnings %}<p class="warning" role="alert">Warning: {{ w }}</p>
{% endfor %}<h2>Decision</h2>
<table>
{% for f in r.context.fields %}<tr><th>{{ f[0] }}</th><td>{{ f[1] }}</td></tr>
{% endfor %}<tr><th>action</th><td class="action">{{ r.action_name }}</td></tr>
<tr><th>model outputs</th><td>{% for o in outputs %}{{ o }}{% if not loop.last %}, {% endif %}{% endfor %}</td></tr>
<tr><th>the model's own choice</th><td>{{ r.model_action_name }}</td></tr>
{% if r.context.order %}<tr><th>order</th><td>{{ r.context.order }}</td></tr>{% endif %}
</table>
{% if slots %}
<h2>What moved the ensemble score</h2>
<table>
<tr><th>slot</th><th>backend</th><th>weight</th><th>buy &minus; sell</th><th>contribution (weight &times; (buy &minus; sell))</th><th></th></tr>
{% for s in slots %}<tr{% if s.explained %} class="explained"{% endif %}><td>{{ s.slot }}</td><td>{{ s.backend }}</td><td class="n">{{ s.weight }}</td><td class="n">{{ s.edge }}</td><td class="n">{{ s.contribution }}</td><td>{% if s.explained %}explained below{% endif %}</td></tr>
{% endfor %}</table>
{% if score %}<p>{{ score }}</p>{% endif %}
<h2>Provenance</h2>
<table>
<tr><th>slot</th><th>version</th><th>backend</th><th>raw (buy, sell, hold)</th><th>SHA-256</th></tr>
{% for s in slots %}<tr><td>{{ s.slot }}</td><td>{{ s.version }}</td><td>{{ s.backend }}</td><td>{{ s.raw }}</td><td><code>{{ s.sha256 }}</code></td></tr>
{% endfor %}</table>
{% endif %}
{% if price_svg %}<h2>Price around the decision</h2>
{{ price_svg | safe }}{% endif %}
<h2>Input (newest value per feature, shape {{ r.input_shape }})</h2>
<table>
{% for f in inputs %}<tr><td>{{ f[0] }}</td><td class="n">{{ f[1] }}</td></tr>
{% endfor %}</table>
{% if r.explanation %}
<h2>SHAP values for {{ r.action_name }}</h2>
<p>Base value E[f] = {{ base }}; prediction f(x) = {{ pred }}; {{ "exact (every coalition)" if r.explanation.exact else "Kernel SHAP, sampled" }}, {{ r.explanation.coalitions }} coalitions, {{ r.explanation.background_rows }} background rows.</p>
{{ shap_svg | safe }}
{% endif %}
{% if r.counterfactuals is not none %}
<h2>Counterfactuals</h2>
<p>The smallest changes that make the model choose another action than {{ r.model_action_name }}, nearest first; distance is each change over the feature's scale (its range in the background), summed.</p>
{% if r.counterfactuals %}<table>
<tr><th>feature</th><th>original</th><th>counterfactual</th><th>delta</th><th>new action</th><th>distance</th></tr>
{% for c in cfs %}<tr>{% for col in range(4) %}<td{% if col > 0 %} class="n"{% endif %}>{% for f in c.changes %}{{ f[col] }}{% if not loop.last %}<br>{% endif %}{% endfor %}</td>{% endfor %}<td>{{ c.action }}</td><td class="n">{{ c.distance }}</td></tr>
{% endfor %}</table>{% else %}<p>{{ no_cf }}</p>{% endif %}
{% endif %}
{% if r.feature_importance %}
<h2>Feature importance (permutation)</h2>
{{ importance_svg | safe }}
{% endif %}
</body>
</html>
"#;

fn top(items: Vec<(String, f64)>, n: usize) -> Vec<(String, f64)> {
    let mut items = items;
    items.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    items.truncate(n);
    items
}

/// One slot's row: what it added to the score, and where it came from.
#[derive(Serialize)]
struct SlotRow {
    slot: u16,
    version: u32,
    backend: String,
    weight: String,
    edge: String,
    contribution: String,
    raw: String,
    sha256: String,
    explained: bool,
}

impl SlotRow {
    /// The row of slot `s`, marked when it is the one explained.
    fn of(s: &SlotInfo, explained_slot: Option<u16>) -> Self {
        Self {
            slot: s.slot,
            version: s.version,
            backend: s.backend.clone(),
            weight: format!("{:.6}", s.weight),
            edge: s
                .raw
                .get(..2)
                .map_or(String::new(), |b| signed(b[0] - b[1])),
            contribution: signed(s.contribution),
            raw: s
                .raw
                .iter()
                .map(|v| format!("{v:.6}"))
                .collect::<Vec<_>>()
                .join(", "),
            sha256: s.sha256.clone(),
            explained: explained_slot == Some(s.slot),
        }
    }
}

/// One counterfactual: per feature (name, original, counterfactual, delta).
#[derive(Serialize)]
struct CfRow {
    changes: Vec<[String; 4]>,
    action: String,
    distance: String,
}

impl CfRow {
    /// The row of counterfactual `c`, one line per feature changed.
    fn of(c: &Counterfactual) -> Self {
        Self {
            changes: c
                .changes
                .iter()
                .map(|f| {
                    [
                        f.feature_name.clone(),
                        format!("{:.6}", f.original_value),
                        format!("{:.6}", f.counterfactual_value),
                        format!("{:+.6}", f.delta),
                    ]
                })
                .collect(),
            action: c.new_action_name.clone(),
            distance: format!("{:.4}", c.distance),
        }
    }
}

/// Fills the template with the report and its rows and charts, each
/// formatted here so the template only lays them out.
pub fn render(r: &Report) -> Result<String> {
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)
        .map_err(template_error)?;
    let shap_svg = r.explanation.as_ref().map(shap_chart);
    let importance_svg = r.feature_importance.as_deref().map(importance_chart);
    let price_svg = price_chart(r);
    let inputs = input_rows(r);
    let outputs = output_list(r);
    let slots: Vec<SlotRow> = r
        .context
        .slots
        .iter()
        .map(|s| SlotRow::of(s, r.context.explained_slot))
        .collect();
    let cfs: Vec<CfRow> = r
        .counterfactuals
        .iter()
        .flatten()
        .take(30)
        .map(CfRow::of)
        .collect();
    let tmpl = env.get_template("report.html").map_err(template_error)?;
    tmpl.render(context! {
        r => r,
        shap_svg => shap_svg,
        importance_svg => importance_svg,
        price_svg => price_svg,
        slots => slots,
        score => r.context.ensemble.as_ref().map(score_line),
        cfs => cfs,
        no_cf => NO_COUNTERFACTUAL,
        inputs => inputs,
        outputs => outputs,
        base => r.explanation.as_ref().map(|e| format!("{:.6}", e.base_value)),
        pred => r.explanation.as_ref().map(|e| format!("{:.6}", e.prediction)),
    })
    .map_err(|e| ExplainError::Layout(format!("rendering the report: {e}")))
}

/// The template failed to parse or to load.
fn template_error(e: minijinja::Error) -> ExplainError {
    ExplainError::Layout(format!("report template: {e}"))
}

/// The 20 largest Shapley values as bars.
fn shap_chart(e: &Explanation) -> String {
    let items = e
        .feature_names
        .iter()
        .cloned()
        .zip(e.feature_importances.iter().copied())
        .collect();
    svg::bars(
        &format!("SHAP values, {}", shown_of(20, e.feature_names.len())),
        &top(items, 20),
    )
}

/// The 20 largest permutation importances as bars.
fn importance_chart(f: &[FeatureImportance]) -> String {
    let items = f
        .iter()
        .map(|i| (i.feature_name.clone(), i.importance))
        .collect();
    svg::bars(
        &format!("Permutation importance, {}", shown_of(20, f.len())),
        &top(items, 20),
    )
}

/// The prices around the decision, where there are two or more to draw.
fn price_chart(r: &Report) -> Option<String> {
    (r.context.prices.len() > 1).then(|| {
        let pts: Vec<(i64, f64)> = r
            .context
            .prices
            .iter()
            .map(|p| (p.time_ns, p.price))
            .collect();
        svg::prices(
            "Price",
            &pts,
            r.context.decision_time_ns,
            r.context.price_decimals,
        )
    })
}

/// The first 64 features' newest values.
fn input_rows(r: &Report) -> Vec<(String, String)> {
    r.input
        .iter()
        .take(64)
        .map(|(n, v)| (n.clone(), format!("{v:.6}")))
        .collect()
}

/// Each output as `Name value`.
fn output_list(r: &Report) -> Vec<String> {
    let names: Vec<String> = (0..r.outputs.len()).map(crate::action_name).collect();
    r.outputs
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{} {o:.6}", names[i]))
        .collect()
}
