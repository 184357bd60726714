//! `axon journal inspect|export|verify`.

use std::path::Path;

use axon_engine::event::kind;
use axon_journal::{Journal, JournalOptions, JournalReader};
use axon_replay::{RecordView, export_parquet};

use crate::output::{Progress, table};

/// `axon journal inspect DIR [--from SEQ] [--limit N] [--json]`.
pub fn inspect(dir: &Path, from: u64, limit: Option<u64>, json: bool) -> anyhow::Result<()> {
    let reader = JournalReader::open(dir)?;
    let mut cursor = reader.cursor(from, false)?;
    let mut shown = 0u64;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    use std::io::Write;
    while limit.is_none_or(|l| shown < l) {
        let Some(rec) = cursor.next()? else { break };
        let view = RecordView::of(&rec);
        if json {
            writeln!(out, "{}", serde_json::to_string(&view)?)?;
        } else {
            writeln!(
                out,
                "{:>10} {:>20} {:<15} {}",
                view.seq, view.time_ns, view.kind, view.event
            )?;
        }
        shown += 1;
    }
    out.flush()?;
    Ok(())
}

/// `axon journal export DIR -o OUT.parquet`.
pub fn export(dir: &Path, out: &Path, quiet: bool) -> anyhow::Result<()> {
    let mut progress = Progress::new("export", "records", quiet);
    let rows = export_parquet(dir, out, &mut |d, t| progress.update(d, t))?;
    progress.finish();
    if !quiet {
        println!(
            "{}: {rows} records written to {}",
            dir.display(),
            out.display()
        );
    }
    Ok(())
}

/// `axon journal verify DIR`: checksums, sequence, hash chain.
pub fn verify(dir: &Path) -> anyhow::Result<()> {
    let reader = JournalReader::open(dir)?;
    let v = reader.verify()?;
    let closed = reader.manifest().closed.is_some();
    table(
        "Journal",
        &[
            ("journal", dir.display().to_string()),
            ("records", v.records.to_string()),
            ("segments", v.segments.to_string()),
            ("head hash", hex_of(&v.head_hash)),
            ("closed cleanly", closed.to_string()),
            (
                "torn tail",
                v.torn_tail_at.map_or("none".into(), |o| {
                    format!("at offset {o} (open it for writing to recover)")
                }),
            ),
            ("first kind", kind::name(first_kind(&reader)?).to_string()),
        ],
    );
    Ok(())
}

fn first_kind(reader: &JournalReader) -> anyhow::Result<u16> {
    let mut c = reader.cursor(0, false)?;
    Ok(c.next()?.map_or(0, |r| r.kind))
}

fn hex_of(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// `axon journal recover DIR`: opens the journal for writing (which cuts a
/// torn tail under the default policy and refuses corruption), then closes
/// it cleanly so its head is recorded in the manifest.
pub fn recover(dir: &Path) -> anyhow::Result<()> {
    let (journal, report) = Journal::open(dir, JournalOptions::default())?;
    let closed = journal.close()?;
    match &report.truncated {
        Some(t) => println!(
            "{}: cut a torn tail of {} bytes at offset {} of {} ({})",
            dir.display(),
            t.dropped_bytes,
            t.offset,
            t.segment.display(),
            t.reason
        ),
        None => println!("{}: no torn tail", dir.display()),
    }
    println!(
        "{}: {} records, closed cleanly, head {}",
        dir.display(),
        closed.next_seq,
        closed.head_hash
    );
    Ok(())
}
