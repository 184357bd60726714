//! `heatmap.html`: the objective over any two swept parameters (chosen in
//! the page), the others reduced by max or mean; one self-contained file
//! with its data inline and no network access.

use serde_json::json;

use crate::results::RunResult;
use crate::space::Param;

/// The page for `runs` (finished runs) of a sweep over `params`.
pub fn html(params: &[Param], runs: &[RunResult], objective: &str, maximize: bool) -> String {
    let keys: Vec<&str> = params.iter().map(|p| p.key.as_str()).collect();
    let rows: Vec<serde_json::Value> = runs
        .iter()
        .map(|r| {
            let point: Vec<serde_json::Value> = r
                .point
                .iter()
                .map(|v| serde_json::Value::String(v.to_string()))
                .collect();
            json!({"p": point, "o": r.stats.get(objective).cloned().unwrap_or_default()})
        })
        .collect();
    let data = json!({
        "keys": keys,
        "objective": objective,
        "maximize": maximize,
        "rows": rows,
    })
    .to_string()
    // Inline JSON must not close its script element.
    .replace("</", "<\\/");
    PAGE.replace("{{TITLE}}", &format!("Sweep: {objective}"))
        .replace("{{DATA}}", &data)
}

const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{TITLE}}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin-top: 12px; }
td, th { padding: 4px 8px; text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f3f3f3; }
td.cell { min-width: 48px; color: #111; }
label { margin-right: 16px; }
#note { color: #666; margin-top: 8px; }
</style></head>
<body>
<h1>{{TITLE}}</h1>
<div>
<label>x <select id="x"></select></label>
<label>y <select id="y"></select></label>
<label>others <select id="reduce"><option>max</option><option>mean</option></select></label>
</div>
<div id="note"></div>
<table id="map"></table>
<script type="application/json" id="data">{{DATA}}</script>
<script>
"use strict";
const data = JSON.parse(document.getElementById("data").textContent);
const keys = data.keys;
const xs = document.getElementById("x"), ys = document.getElementById("y");
keys.forEach((k, i) => { xs.add(new Option(k, i)); ys.add(new Option(k, i)); });
xs.value = 0; ys.value = keys.length > 1 ? 1 : 0;
function order(values) {
  const nums = values.every(v => v !== "" && !isNaN(Number(v)));
  return [...new Set(values)].sort((a, b) => nums ? Number(a) - Number(b) : (a < b ? -1 : a > b ? 1 : 0));
}
function draw() {
  const xi = Number(xs.value), yi = Number(ys.value);
  const reduce = document.getElementById("reduce").value;
  const groups = new Map();
  for (const r of data.rows) {
    if (r.o === null || !isFinite(r.o)) continue;
    const k = r.p[xi] + "\u0000" + r.p[yi];
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(r.o);
  }
  const cell = new Map();
  for (const [k, v] of groups) {
    cell.set(k, reduce === "max"
      ? (data.maximize ? Math.max(...v) : Math.min(...v))
      : v.reduce((a, b) => a + b, 0) / v.length);
  }
  const vals = [...cell.values()];
  const lo = Math.min(...vals), hi = Math.max(...vals);
  const xv = order(data.rows.map(r => r.p[xi])), yv = order(data.rows.map(r => r.p[yi]));
  const t = document.getElementById("map");
  t.innerHTML = "";
  const head = t.insertRow();
  head.appendChild(Object.assign(document.createElement("th"), {textContent: keys[yi] + " \\ " + keys[xi]}));
  for (const x of xv) head.appendChild(Object.assign(document.createElement("th"), {textContent: x}));
  for (const y of yv) {
    const row = t.insertRow();
    row.appendChild(Object.assign(document.createElement("th"), {textContent: y}));
    for (const x of xv) {
      const td = row.insertCell();
      td.className = "cell";
      const v = cell.get(x + "\u0000" + y);
      if (v === undefined) { td.textContent = ""; continue; }
      let f = hi > lo ? (v - lo) / (hi - lo) : 1;
      if (!data.maximize) f = 1 - f;
      td.style.background = "hsl(" + Math.round(120 * f) + ", 70%, 70%)";
      td.textContent = Number(v.toPrecision(3));
      td.title = keys[xi] + "=" + x + ", " + keys[yi] + "=" + y + ": " + data.objective + " " + v;
    }
  }
  document.getElementById("note").textContent = data.rows.length + " runs; " + data.objective +
    (data.maximize ? " (higher is better)" : " (lower is better)") +
    (keys.length > 2 ? "; other parameters reduced by " + reduce : "");
}
[xs, ys, document.getElementById("reduce")].forEach(s => s.addEventListener("change", draw));
draw();
</script>
</body></html>
"#;
