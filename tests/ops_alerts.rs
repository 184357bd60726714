//! The operations files in `ops/`, checked with the real `promtool`:
//! `ops/alerts.yml` loads (`promtool check rules`) and passes its unit tests
//! (`promtool test rules ops/tests/alerts_test.yml`); every alert has a case
//! where it fires and one where it does not; the Grafana dashboard is valid
//! JSON whose queries promtool accepts; and every metric the rules and the
//! dashboard query is one the application exports.
//!
//! These tests need `promtool` (Debian's `prometheus` package; run
//! `scripts/setup-ops.sh`). They fail, never skip, without it. `PROMTOOL`
//! names another binary.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

/// Every metric the application exports: (name, type).
const METRICS: &[(&str, &str)] = &[
    ("trading_order_latency_seconds", "histogram"),
    ("trading_max_drawdown", "gauge"),
    ("trading_pnl", "gauge"),
    ("trading_equity", "gauge"),
    ("trading_position", "gauge"),
    ("trading_orders_total", "counter"),
    ("trading_rejections_total", "counter"),
    ("trading_kill_switch_engaged", "gauge"),
    ("journal_fsync_duration_seconds", "histogram"),
    ("journal_records_total", "counter"),
    ("journal_bytes_total", "counter"),
    ("engine_events_total", "counter"),
    ("engine_events_per_second", "gauge"),
    ("market_data_last_receive_timestamp_seconds", "gauge"),
    ("model_swaps_total", "counter"),
    ("model_info", "gauge"),
    ("inference_latency_seconds", "histogram"),
    ("exchange_connected", "gauge"),
    ("websocket_reconnects_total", "counter"),
    ("rate_limit_headroom_ratio", "gauge"),
    ("axon_build_info", "gauge"),
    ("axon_operation_latency_seconds", "histogram"),
    ("trading_order_quantity_total", "counter"),
    ("journal_replication_lag_records", "gauge"),
    ("journal_replication_lag_seconds", "gauge"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    let path = root().join(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs promtool with `args` from the repository root; panics with its
/// output unless it succeeds, and returns its stdout and stderr.
fn promtool(args: &[&str]) -> String {
    let bin = std::env::var("PROMTOOL").unwrap_or_else(|_| "promtool".to_owned());
    let out = Command::new(&bin)
        .args(args)
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{bin}` ({e}): install it with scripts/setup-ops.sh \
                 (Debian's prometheus package), or set PROMTOOL to its path"
            )
        });
    let text = format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "`{bin} {}` failed ({}):\n{text}",
        args.join(" "),
        out.status
    );
    text
}

#[test]
fn promtool_check_rules() {
    let out = promtool(&["check", "rules", "ops/alerts.yml"]);
    let rules = alert_names().len();
    assert!(
        out.contains(&format!("SUCCESS: {rules} rules found")),
        "promtool did not load all {rules} rules:\n{out}"
    );
}

#[test]
fn promtool_unit_tests_pass() {
    let out = promtool(&["test", "rules", "ops/tests/alerts_test.yml"]);
    assert!(out.contains("SUCCESS"), "{out}");
}

/// The value after `key:` on a YAML line, unquoted (`- alert: X` too).
fn yaml_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let line = line.trim_start().trim_start_matches("- ");
    let value = line.strip_prefix(key)?.strip_prefix(':')?.trim();
    Some(value.trim_matches(|c| c == '"' || c == '\''))
}

/// The `alert:` names of ops/alerts.yml, in order.
fn alert_names() -> Vec<String> {
    read("ops/alerts.yml")
        .lines()
        .filter_map(|l| yaml_value(l, "alert"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_alert_is_complete_and_has_firing_and_quiet_unit_tests() {
    let alerts = read("ops/alerts.yml");
    let names = alert_names();
    assert!(
        names.len() >= 7,
        "expected at least 7 alerts, got {names:?}"
    );
    let unique: BTreeSet<_> = names.iter().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "duplicate alert names: {names:?}"
    );

    // Each rule (the text from its `- alert:` line to the next) carries a
    // severity, a summary, a description and a runbook section.
    for rule in alerts.split("- alert:").skip(1) {
        let name = rule.lines().next().unwrap_or_default().trim();
        for key in ["expr:", "severity:", "summary:", "description:", "runbook:"] {
            assert!(rule.contains(key), "alert {name} has no `{key}`");
        }
        assert!(
            rule.contains("docs/runbook.md"),
            "alert {name} does not point to docs/runbook.md"
        );
    }

    // For each `alertname:` in the unit tests: was there a case expecting
    // no alert (`exp_alerts: []`) and one expecting some (`exp_alerts:` with
    // a list below it)?
    let tests = read("ops/tests/alerts_test.yml");
    let mut cases: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in tests.lines() {
        if let Some(name) = yaml_value(line, "alertname") {
            current = Some(name.to_owned());
        } else if let Some(expected) = yaml_value(line, "exp_alerts") {
            let name = current
                .take()
                .unwrap_or_else(|| panic!("`{}` without an alertname before it", line.trim()));
            let entry = cases.entry(name).or_default();
            match expected {
                "[]" => entry.1 += 1,
                "" => entry.0 += 1,
                other => panic!("unexpected `exp_alerts: {other}`"),
            }
        }
    }
    for name in &names {
        let (firing, quiet) = cases.get(name).copied().unwrap_or_default();
        assert!(
            firing > 0,
            "alert {name} has no unit test where it fires (ops/tests/alerts_test.yml)"
        );
        assert!(
            quiet > 0,
            "alert {name} has no unit test where it stays quiet (ops/tests/alerts_test.yml)"
        );
    }
    for name in cases.keys() {
        assert!(
            names.contains(name),
            "ops/tests/alerts_test.yml tests {name}, which is not an alert in ops/alerts.yml"
        );
    }
}

/// The metric names a PromQL expression selects. Quoted strings, label
/// matchers (`{...}`), ranges (`[...]`), Grafana variables (`$x`) and label
/// lists after `by`/`without`/`on`/`ignoring`/`group_left`/`group_right` are
/// skipped; an identifier followed by `(` is a function, and aggregation
/// operators and keywords are known words.
fn metric_names(expr: &str) -> Vec<String> {
    const WORDS: &[&str] = &[
        "sum",
        "min",
        "max",
        "avg",
        "group",
        "stddev",
        "stdvar",
        "count",
        "count_values",
        "bottomk",
        "topk",
        "quantile",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "bool",
        "and",
        "or",
        "unless",
        "offset",
        "atan2",
        "inf",
        "nan",
    ];
    const LABEL_LISTS: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    let chars: Vec<char> = expr.chars().collect();
    let mut names = Vec::new();
    let mut skip_labels = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' | '`' => {
                i += 1;
                while i < chars.len() && chars[i] != c {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
            }
            '{' | '[' => {
                let close = if c == '{' { '}' } else { ']' };
                while i < chars.len() && chars[i] != close {
                    i += 1;
                }
                i += 1;
            }
            '(' if skip_labels => {
                while i < chars.len() && chars[i] != ')' {
                    i += 1;
                }
                i += 1;
                skip_labels = false;
            }
            '$' => {
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || "_{}".contains(chars[i])) {
                    i += 1;
                }
            }
            c if c.is_ascii_digit() || c == '.' => {
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '.') {
                    i += 1;
                }
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || "_:".contains(chars[i]))
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let next = chars[i..].iter().find(|c| !c.is_whitespace());
                if LABEL_LISTS.contains(&word.as_str()) {
                    skip_labels = true;
                } else if next != Some(&'(') && !WORDS.contains(&word.as_str()) {
                    names.push(word);
                }
            }
            _ => i += 1,
        }
    }
    names
}

/// `name` is an exported metric, or a `_bucket`/`_sum`/`_count` series of
/// an exported histogram.
fn is_exported(name: &str) -> bool {
    METRICS.iter().any(|&(metric, kind)| {
        name == metric
            || (kind == "histogram"
                && ["_bucket", "_sum", "_count"]
                    .iter()
                    .any(|s| name.strip_suffix(s) == Some(metric)))
    })
}

#[test]
fn metric_names_finds_only_metrics() {
    assert_eq!(
        metric_names(
            r#"histogram_quantile(0.99, sum by (le, venue) (rate(a_bucket{venue=~"$venue", x="b c"}[$__rate_interval]))) > 0.5"#
        ),
        ["a_bucket"]
    );
    assert_eq!(
        metric_names("time() - b_seconds > 30 and on (venue) c == 1e3"),
        ["b_seconds", "c"]
    );
    assert_eq!(
        metric_names(r#"increase(d_total{result="failed"}[10m]) > 0"#),
        ["d_total"]
    );
    assert!(is_exported("trading_order_latency_seconds_bucket"));
    assert!(is_exported("trading_orders_total"));
    assert!(!is_exported("trading_orders_total_bucket"));
    assert!(!is_exported("trading_order_latency"));
}

/// Every `expr:` of ops/alerts.yml.
fn alert_exprs() -> Vec<String> {
    read("ops/alerts.yml")
        .lines()
        .filter_map(|l| yaml_value(l, "expr"))
        .map(str::to_owned)
        .collect()
}

fn dashboard() -> Value {
    let text = read("ops/grafana/axon-dashboard.json");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("ops/grafana/axon-dashboard.json is not valid JSON: {e}"))
}

/// Every panel of the dashboard, rows' nested panels included.
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack: Vec<&Value> = dashboard["panels"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    while let Some(panel) = stack.pop() {
        stack.extend(panel["panels"].as_array().into_iter().flatten());
        out.push(panel);
    }
    out
}

/// Every PromQL query of the dashboard, with the panel's title.
fn dashboard_exprs(dashboard: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for panel in panels(dashboard) {
        let title = panel["title"].as_str().unwrap_or_default();
        for target in panel["targets"].as_array().into_iter().flatten() {
            if let Some(expr) = target["expr"].as_str() {
                out.push((title.to_owned(), expr.to_owned()));
            }
        }
    }
    out
}

/// The metric selector of each `label_values(metric, label)` variable query.
fn variable_selectors(dashboard: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for var in dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let query = match &var["query"] {
            Value::String(s) => s.as_str(),
            q => q["query"].as_str().unwrap_or_default(),
        };
        if let Some(args) = query
            .strip_prefix("label_values(")
            .and_then(|q| q.strip_suffix(')'))
        {
            let selector = args.rsplit_once(',').map_or("", |(s, _)| s);
            let name = var["name"].as_str().unwrap_or_default();
            out.push((format!("variable ${name}"), selector.trim().to_owned()));
        }
    }
    out
}

#[test]
fn dashboard_is_valid_and_has_the_panels() {
    let dash = dashboard();
    assert!(
        dash["schemaVersion"].as_u64().unwrap_or(0) >= 36,
        "schemaVersion"
    );
    let vars = dash["templating"]["list"]
        .as_array()
        .expect("templating.list");
    assert!(
        vars.iter()
            .any(|v| v["type"] == "datasource" && v["query"] == "prometheus"),
        "no Prometheus datasource variable"
    );
    let mut ids = BTreeSet::new();
    for panel in panels(&dash) {
        let title = panel["title"].as_str().unwrap_or_default();
        assert!(
            ids.insert(panel["id"].as_u64().expect("panel id")),
            "duplicate panel id in {title}"
        );
        if panel["type"] != "row" {
            assert_eq!(
                panel["datasource"]["uid"], "${datasource}",
                "panel {title} does not use the datasource variable"
            );
            assert!(
                panel["targets"].as_array().is_some_and(|t| !t.is_empty()),
                "panel {title} has no query"
            );
        }
    }
    let all: String = dashboard_exprs(&dash)
        .into_iter()
        .map(|(_, e)| e)
        .collect::<Vec<_>>()
        .join("\n");
    for (name, _) in METRICS {
        assert!(all.contains(name), "no dashboard panel shows {name}");
    }
}

#[test]
fn every_queried_metric_is_exported() {
    let dash = dashboard();
    let mut queries: Vec<(String, String)> = alert_exprs()
        .into_iter()
        .map(|e| ("ops/alerts.yml".to_owned(), e))
        .collect();
    assert_eq!(queries.len(), alert_names().len(), "one expr per alert");
    queries.extend(dashboard_exprs(&dash));
    queries.extend(variable_selectors(&dash));
    let mut unknown = Vec::new();
    for (place, expr) in &queries {
        let names = metric_names(expr);
        assert!(!names.is_empty(), "{place}: no metric in `{expr}`");
        for name in names {
            if !is_exported(&name) {
                unknown.push(format!("{place}: `{name}` in `{expr}`"));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "metrics the application does not export:\n{}",
        unknown.join("\n")
    );
}

/// promtool parses every dashboard query: each becomes a recording rule (with
/// Grafana's variables replaced by plain values) in a temporary rule file.
#[test]
fn promtool_accepts_every_dashboard_query() {
    let dash = dashboard();
    let mut rules = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, (title, expr)) in dashboard_exprs(&dash).iter().enumerate() {
        let expr = expr
            .replace("$__rate_interval", "5m")
            .replace("$__interval", "1m")
            .replace("$job", ".*")
            .replace("$symbol", ".*")
            .replace("$venue", ".*");
        assert!(
            !expr.contains('$'),
            "panel {title}: unknown variable in `{expr}`"
        );
        let quoted = serde_json::to_string(&expr).expect("string");
        rules.push_str(&format!(
            "      - record: dashboard:query_{i}\n        expr: {quoted}\n"
        ));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("dashboard_rules.yml");
    fs::write(&file, &rules).expect("write rules");
    let path = file.to_str().expect("utf-8 path");
    promtool(&["check", "rules", path]);
}
