//! `axon live`: plans the session from its config file, runs it
//! (`axon_live`) and prints what it did.

use std::path::{Path, PathBuf};
use std::time::Duration;

use axon_metrics::MetricsCollector;
use serde_json::json;

use crate::exit::Failure;
use crate::output::table;

use axon_live::LiveReport;

/// What `axon live` was asked for.
#[derive(Debug)]
pub struct LiveArgs {
    pub config: PathBuf,
    pub journal: Option<PathBuf>,
    pub max_duration: Option<Duration>,
    pub metrics: Option<MetricsCollector>,
    pub summary_json: Option<PathBuf>,
    pub quiet: bool,
}

/// Parses `60s`, `5m`, `2h`, `1500ms` or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((s, "s"), |i| (&s[..i], &s[i..]));
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a duration such as 90s, 5m or 2h"))?;
    let secs = match unit {
        "ms" => v / 1000.0,
        "s" => v,
        "m" => v * 60.0,
        "h" => v * 3600.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (ms, s, m, h)")),
    };
    if !(secs.is_finite() && secs > 0.0) {
        return Err(format!("{s:?}: must be > 0"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Runs `axon live`.
pub fn run(args: LiveArgs) -> Result<LiveReport, Failure> {
    let config = axon_config::Config::load(&args.config)?;
    let mut plan = config.live_plan()?;
    if let Some(j) = &args.journal {
        plan.session.journal_dir = j.clone();
    }
    let journal_dir = plan.session.journal_dir.clone();
    let report = axon_live::run_blocking(plan, args.max_duration, args.metrics)?;
    if let Some(p) = &args.summary_json {
        write_summary(p, &report, &journal_dir)?;
    }
    if !args.quiet {
        print(&report, &journal_dir);
    }
    Ok(report)
}

fn summary(r: &LiveReport, journal: &Path) -> serde_json::Value {
    json!({
        "venue": r.venue,
        "mode": format!("{:?}", r.mode).to_lowercase(),
        "ticks": r.ticks,
        "orders": r.orders,
        "fills": r.fills,
        "rejects": r.rejects,
        "reconnects": r.reconnects,
        "records": r.records,
        "equity": r.equity,
        "head_hash": r.head_hash,
        "elapsed_secs": r.elapsed_secs,
        "stopped_by": r.stopped_by,
        "differences": r.differences,
        "resumed": r.resumed,
        "session": r.session,
        "replication_lag_records": r.replication_lag,
        "latency": r.latency,
        "journal": journal.display().to_string(),
    })
}

fn write_summary(path: &Path, r: &LiveReport, journal: &Path) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(&summary(r, journal)).unwrap_or_default();
    std::fs::write(path, text)
        .map_err(|e| Failure::input(format!("{}: cannot write the summary: {e}", path.display())))
}

fn print(r: &LiveReport, journal: &Path) {
    table(
        "Live session",
        &[
            (
                "venue",
                format!("{} ({:?})", r.venue, r.mode).to_lowercase(),
            ),
            ("stopped by", r.stopped_by.clone()),
            ("duration", format!("{:.1} s", r.elapsed_secs)),
            ("ticks", r.ticks.to_string()),
            ("orders", r.orders.to_string()),
            ("fills", r.fills.to_string()),
            ("rejects", r.rejects.to_string()),
            ("reconnects", r.reconnects.to_string()),
            ("equity", format!("{:.2}", r.equity)),
            (
                "reconciliation",
                format!("{} differences", r.differences.len()),
            ),
            (
                "journal",
                format!("{} ({} records)", journal.display(), r.records),
            ),
            ("head hash", r.head_hash.clone()),
            ("session", r.session.clone()),
            ("tick → order sent", tick_to_order(r)),
        ],
    );
}

/// `p50 / p99 / p99.9` of the tick-to-order-sent stage, or why there is none.
fn tick_to_order(r: &LiveReport) -> String {
    let sent = r
        .latency
        .as_ref()
        .and_then(|l| l.stages.iter().find(|s| s.stage == "order_sent"));
    match sent {
        Some(s) if s.count > 0 => format!(
            "p50 {:.0} µs, p99 {:.0} µs, p99.9 {:.0} µs ({} orders)",
            s.p50_us, s.p99_us, s.p999_us, s.count
        ),
        // Paper sessions fill in step: nothing is sent.
        _ => "no order sent to a venue".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_parse_with_units_and_bad_ones_say_why() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("5d").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("0s").unwrap_err().contains("> 0"));
    }
}
