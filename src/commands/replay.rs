//! `axon replay --verify` and `axon diff`.

use std::path::Path;

use axon_replay::{RecordView, VerifyOutcome, diff_journals, verify_replay};

use crate::exit::Failure;
use crate::output::{Progress, table};

fn show(label: &str, r: &Option<RecordView>) {
    match r {
        Some(v) => println!(
            "  {label:<9} seq {} {} t={} {}",
            v.seq, v.kind, v.time_ns, v.event
        ),
        None => println!("  {label:<9} (nothing)"),
    }
}

/// Runs the verification and returns its outcome.
pub fn verify(dir: &Path, quiet: bool) -> Result<VerifyOutcome, Failure> {
    let mut progress = Progress::new("replay", "records", quiet);
    let outcome = verify_replay(dir, &mut |done, total| progress.update(done, total))?;
    progress.finish();
    Ok(outcome)
}

/// `axon replay --journal DIR --verify`.
pub fn replay(dir: &Path, json: bool, quiet: bool) -> anyhow::Result<()> {
    let o = verify(dir, quiet)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&o)?);
    } else if !quiet {
        let rate = o.records as f64 / o.elapsed_secs.max(1e-9);
        table(
            "Replay",
            &[
                ("journal", dir.display().to_string()),
                ("records", o.records.to_string()),
                ("inputs replayed", o.inputs.to_string()),
                ("outputs compared", o.outputs.to_string()),
                ("head hash", o.head_hash.clone()),
                (
                    "speed",
                    format!("{:.2} s, {rate:.0} events/s", o.elapsed_secs),
                ),
            ],
        );
    }
    match &o.mismatch {
        None => {
            if !quiet && !json {
                println!("replay verified: every output reproduced bit for bit");
            }
            Ok(())
        }
        Some(m) => {
            if !json {
                println!("replay DIVERGED at seq {}", m.seq);
                show("replayed", &m.replayed);
                show("journaled", &m.journaled);
            }
            Err(Failure::differs(format!(
                "{}: replay diverged at seq {}",
                dir.display(),
                m.seq
            ))
            .into())
        }
    }
}

/// `axon diff A B`.
pub fn diff(left: &Path, right: &Path, json: bool) -> anyhow::Result<()> {
    let d = diff_journals(left, right)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&d)?);
    } else if let Some(first) = &d.first {
        println!("journals differ at seq {} ({})", first.seq, first.what);
        for c in &d.context {
            println!(
                "  context   seq {} {} t={} {}",
                c.seq, c.kind, c.time_ns, c.event
            );
        }
        show("left", &first.left);
        show("right", &first.right);
        match &d.first_decision {
            Some(c) => {
                println!("first decision that changed: decision #{}", c.index);
                show("left", &c.left);
                show("right", &c.right);
            }
            None => println!("every decision is the same on both sides"),
        }
    } else {
        println!("journals are identical (head {})", d.left_head);
    }
    if !json {
        let kinds: std::collections::BTreeSet<&String> =
            d.left_counts.keys().chain(d.right_counts.keys()).collect();
        println!("  {:<16} {:>12} {:>12}", "kind", "left", "right");
        for k in kinds {
            let l = d.left_counts.get(k).copied().unwrap_or(0);
            let r = d.right_counts.get(k).copied().unwrap_or(0);
            let mark = if l != r { "  *" } else { "" };
            println!("  {k:<16} {l:>12} {r:>12}{mark}");
        }
    }
    if d.identical {
        Ok(())
    } else {
        Err(Failure::differs(format!(
            "{} and {} differ at seq {}",
            left.display(),
            right.display(),
            d.first.as_ref().map_or(0, |f| f.seq)
        ))
        .into())
    }
}
