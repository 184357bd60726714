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

/// Where a replicated session is: `axon journal pull|tail`.
#[derive(Debug, clap::Args)]
pub struct Replica {
    /// The NATS server: nats://host:port.
    #[arg(long)]
    pub nats: String,
    /// The JetStream stream ([journal.replicate] stream).
    #[arg(long, default_value = "AXON")]
    pub stream: String,
    /// The session's tag (`axon ctl status` and the live summary show it).
    #[arg(long)]
    pub session: String,
    /// pull: the folder to rebuild the journal in (must hold none).
    #[arg(short, long, required_unless_present = "from")]
    pub output: Option<std::path::PathBuf>,
    /// tail: the first record to print.
    #[arg(long)]
    pub from: Option<u64>,
    /// tail: stop after this many records (default: follow until stopped).
    #[arg(long)]
    pub limit: Option<u64>,
}

impl Replica {
    fn target(&self) -> anyhow::Result<axon_replicate::Target> {
        let target = axon_replicate::Target {
            url: self.nats.clone(),
            stream: self.stream.clone(),
        };
        target.check().map_err(crate::exit::Failure::input)?;
        Ok(target)
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// `axon journal pull`.
pub fn pull(r: &Replica) -> anyhow::Result<()> {
    let target = r.target()?;
    let Some(out) = &r.output else {
        return Err(crate::exit::Failure::input("pull needs -o DIR").into());
    };
    let pulled = runtime()?
        .block_on(axon_replicate::pull(&target, &r.session, out))
        .map_err(|e| crate::exit::Failure::input(e.to_string()))?;
    table(
        "Pulled",
        &[
            ("journal", out.display().to_string()),
            ("records", pulled.records.to_string()),
            ("artifacts", pulled.artifacts.to_string()),
            ("head hash", pulled.head_hash.clone()),
            (
                "checked",
                if pulled.session_closed {
                    "equal to the head hash the session recorded at its close".to_owned()
                } else {
                    "the session has not closed its journal yet: the records so far".to_owned()
                },
            ),
        ],
    );
    Ok(())
}

/// `axon journal tail`: one line per record, as `journal inspect --json`.
pub fn tail(r: &Replica) -> anyhow::Result<()> {
    let target = r.target()?;
    let mut shown = 0u64;
    let mut out = std::io::stdout().lock();
    use std::io::Write;
    runtime()?
        .block_on(axon_replicate::tail(
            &target,
            &r.session,
            r.from.unwrap_or(0),
            |rec| {
                let view = RecordView::of(&axon_journal::RecordRef {
                    seq: rec.seq,
                    time_ns: rec.time_ns,
                    kind: rec.kind,
                    version: rec.version,
                    payload: &rec.payload,
                });
                let line = serde_json::to_string(&view).unwrap_or_default();
                shown += 1;
                writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
                    && r.limit.is_none_or(|l| shown < l)
            },
        ))
        .map_err(|e| crate::exit::Failure::input(e.to_string()))?;
    Ok(())
}
