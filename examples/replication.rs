//! Journal replication to NATS JetStream with the Rust API: a journal is
//! written while a replicator follows it and publishes every record; then
//! the journal is rebuilt from the stream into another folder, with the
//! same head hash.
//!
//! Needs a JetStream server (the project's Python environment has one):
//!
//! ```sh
//! .venv/bin/nats-server -js -a 127.0.0.1 -p 4222 -sd /tmp/nats &
//! cargo run --release --example replication -- nats://127.0.0.1:4222
//! ```
//!
//! A live session does the same with `[journal.replicate] url = "..."` in
//! its config; `axon journal pull` and `axon journal tail` are the command
//! line's side.

use std::time::Duration;

use axon_journal::{Durability, Journal, JournalOptions};
use axon_replicate::{Replicator, Target, pull};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "nats://127.0.0.1:4222".into());
    let target = Target {
        url,
        stream: "AXON_EXAMPLE".into(),
    };
    let dir = tempfile::tempdir()?;
    let local = dir.path().join("local");
    let mut journal = Journal::create(
        &local,
        JournalOptions {
            durability: Durability::None,
            segment_bytes: 64 << 10,
            ..JournalOptions::default()
        },
    )?;
    let tag = format!("example{}", std::process::id());
    let replicator = Replicator::spawn(target.clone(), local.clone(), tag.clone(), 0);
    let now_ns = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64)
    };
    for i in 0..20_000u64 {
        let payload = format!("record {i}");
        journal.append(now_ns(), 2, 1, payload.as_bytes())?;
        if i % 1000 == 999 {
            journal.flush()?;
            replicator.written(journal.next_seq());
            let lag = replicator.lag();
            println!(
                "written {:>6}, replica behind by {:>5} records ({:.3} s), connected {}",
                journal.next_seq(),
                lag.records,
                lag.seconds,
                lag.connected
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let closed = journal.close()?;
    let left = replicator.finish(Duration::from_secs(30)).await;
    println!(
        "closed at {} records, head {}; replica behind by {} records",
        closed.next_seq, closed.head_hash, left.records
    );
    let pulled = pull(&target, &tag, &dir.path().join("pulled")).await?;
    println!(
        "pulled {} records, head {} ({})",
        pulled.records,
        pulled.head_hash,
        if pulled.head_hash == closed.head_hash {
            "the same journal"
        } else {
            "DIFFERENT"
        }
    );
    Ok(())
}
