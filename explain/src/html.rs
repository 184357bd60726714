//! The HTML report: one self-contained page (inline CSS and SVG),
//! rendered with minijinja (auto-escaping).

use minijinja::{Environment, context};

use crate::error::{ExplainError, Result};
use crate::report::Report;
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
</style>
</head>
<body>
<h1>{{ r.title }}</h1>
<h2>Decision</h2>
<table>
{% for f in r.context.fields %}<tr><th>{{ f[0] }}</th><td>{{ f[1] }}</td></tr>
{% endfor %}<tr><th>action</th><td class="action">{{ r.action_name }}</td></tr>
<tr><th>model outputs</th><td>{% for o in outputs %}{{ o }}{% if not loop.last %}, {% endif %}{% endfor %}</td></tr>
{% if r.context.order %}<tr><th>order</th><td>{{ r.context.order }}</td></tr>{% endif %}
</table>
{% if r.context.slots %}
<h2>Provenance</h2>
<table>
<tr><th>slot</th><th>version</th><th>backend</th><th>weight</th><th>raw (buy, sell, hold)</th><th>SHA-256</th></tr>
{% for s in r.context.slots %}<tr><td>{{ s.slot }}</td><td>{{ s.version }}</td><td>{{ s.backend }}</td><td class="n">{{ s.weight }}</td><td>{{ s.raw | join(", ") }}</td><td><code>{{ s.sha256 }}</code></td></tr>
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
{% if r.counterfactuals %}<table>
<tr><th>feature</th><th>original</th><th>counterfactual</th><th>delta</th><th>new action</th><th>distance</th></tr>
{% for c in cfs %}<tr><td>{{ c[0] }}</td><td class="n">{{ c[1] }}</td><td class="n">{{ c[2] }}</td><td class="n">{{ c[3] }}</td><td>{{ c[4] }}</td><td class="n">{{ c[5] }}</td></tr>
{% endfor %}</table>{% else %}<p>No single-feature change within the background's range changes the action.</p>{% endif %}
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

pub fn render(r: &Report) -> Result<String> {
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| ExplainError::Layout(format!("report template: {e}")))?;
    let shap_svg = r.explanation.as_ref().map(|e| {
        let items = e
            .feature_names
            .iter()
            .cloned()
            .zip(e.feature_importances.iter().copied())
            .collect();
        svg::bars(
            &format!("SHAP values, top 20 of {}", e.feature_names.len()),
            &top(items, 20),
        )
    });
    let importance_svg = r.feature_importance.as_ref().map(|f| {
        let items = f
            .iter()
            .map(|i| (i.feature_name.clone(), i.importance))
            .collect();
        svg::bars("Permutation importance, top 20", &top(items, 20))
    });
    let price_svg = (r.context.prices.len() > 1).then(|| {
        let pts: Vec<(i64, f64)> = r
            .context
            .prices
            .iter()
            .map(|p| (p.time_ns, p.price))
            .collect();
        svg::prices("Price", &pts, r.context.decision_time_ns)
    });
    let names: Vec<String> = (0..r.outputs.len()).map(crate::action_name).collect();
    let inputs: Vec<(String, String)> = r
        .input
        .iter()
        .take(64)
        .map(|(n, v)| (n.clone(), format!("{v:.6}")))
        .collect();
    let outputs: Vec<String> = r
        .outputs
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{} {o:.6}", names[i]))
        .collect();
    let cfs: Vec<[String; 6]> = r
        .counterfactuals
        .iter()
        .flatten()
        .take(30)
        .map(|c| {
            [
                c.feature_name.clone(),
                format!("{:.6}", c.original_value),
                format!("{:.6}", c.counterfactual_value),
                format!("{:+.6}", c.delta),
                crate::action_name(c.new_action),
                format!("{:.4}", c.distance),
            ]
        })
        .collect();
    let tmpl = env
        .get_template("report.html")
        .map_err(|e| ExplainError::Layout(format!("report template: {e}")))?;
    tmpl.render(context! {
        r => r,
        shap_svg => shap_svg,
        importance_svg => importance_svg,
        price_svg => price_svg,
        cfs => cfs,
        inputs => inputs,
        outputs => outputs,
        base => r.explanation.as_ref().map(|e| format!("{:.6}", e.base_value)),
        pred => r.explanation.as_ref().map(|e| format!("{:.6}", e.prediction)),
    })
    .map_err(|e| ExplainError::Layout(format!("rendering the report: {e}")))
}
