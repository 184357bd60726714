//! The journal on its own: append records with group commit, wait for the
//! acknowledgement, store an artifact, reopen, seek, verify.
//!
//! `cargo run --example journal`

use axon_journal::{Durability, Journal, JournalOptions, JournalReader};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let opts = JournalOptions {
        durability: Durability::group(),
        ..JournalOptions::default()
    };
    let mut journal = Journal::create(dir.path(), opts)?;
    let model = journal.artifacts().put(b"model bytes would go here")?;
    println!("artifact sha256:{}", hex(&model));
    let mut last = 0;
    for i in 0..10_000u64 {
        last = journal.append(1_700_000_000_000_000_000 + i as i64, 1, 1, &i.to_le_bytes())?;
    }
    // Acknowledged only once the fdatasync covering it has returned.
    journal.wait_durable(last)?;
    println!(
        "10000 records, durable up to seq {}",
        journal.durable_seq() - 1
    );
    let closed = journal.close()?;
    println!("head hash {}", closed.head_hash);

    let reader = JournalReader::open(dir.path())?;
    let mut cursor = reader.cursor(4_242, false)?;
    if let Some(rec) = cursor.next()? {
        println!(
            "seq {} at t={} payload {:?}",
            rec.seq, rec.time_ns, rec.payload
        );
    }
    let report = reader.verify()?;
    println!(
        "verified {} records in {} segment(s)",
        report.records, report.segments
    );
    assert_eq!(hex(&report.head_hash), closed.head_hash);
    assert_eq!(
        reader.artifacts().get(&model)?,
        b"model bytes would go here"
    );
    Ok(())
}

fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
