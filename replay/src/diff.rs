//! Journal diff: the first record where two journals differ, both sides
//! decoded, some context before it, and per-kind counts of each journal.

use std::collections::BTreeMap;
use std::path::Path;

use axon_engine::event::kind;
use axon_journal::{Cursor, JournalReader, RecordRef};
use serde::Serialize;

use crate::error::ReplayError;
use crate::verify::RecordView;

/// Records of context shown before a divergence.
pub const CONTEXT: usize = 3;

/// The result of a diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    /// Whether the journals are identical record for record.
    pub identical: bool,
    /// The first divergence.
    pub first: Option<Divergence>,
    /// The first decision that changed: the n-th `Decision` of each
    /// journal compared in turn (it may come later than `first`, e.g. when
    /// the journals first differ in a model swap's hash).
    pub first_decision: Option<DecisionChange>,
    /// Records before the divergence (identical on both sides).
    pub context: Vec<RecordView>,
    /// Records per kind in the left journal.
    pub left_counts: BTreeMap<String, u64>,
    /// Records per kind in the right journal.
    pub right_counts: BTreeMap<String, u64>,
    /// Head hashes.
    pub left_head: String,
    /// Head hashes.
    pub right_head: String,
}

/// The first differing record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Divergence {
    /// Sequence number.
    pub seq: u64,
    /// Left record (None: left ended).
    pub left: Option<RecordView>,
    /// Right record (None: right ended).
    pub right: Option<RecordView>,
    /// What differs.
    pub what: String,
}

/// The first pair of decisions that differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionChange {
    /// Which decision (0 = each journal's first).
    pub index: u64,
    /// Left decision (None: the left journal has fewer decisions).
    pub left: Option<RecordView>,
    /// Right decision (None: the right journal has fewer decisions).
    pub right: Option<RecordView>,
}

/// Pairs the journals' decisions in order and returns the first pair that
/// differs.
fn first_decision_change(
    lr: &JournalReader,
    rr: &JournalReader,
) -> Result<Option<DecisionChange>, ReplayError> {
    let (mut lc, mut rc) = (lr.cursor(0, false)?, rr.cursor(0, false)?);
    let mut index = 0;
    loop {
        let l = next_decision(&mut lc)?;
        let r = next_decision(&mut rc)?;
        let differs = match (&l, &r) {
            (None, None) => return Ok(None),
            (Some((va, a)), Some((vb, b))) => a != b || va.time_ns != vb.time_ns,
            _ => true,
        };
        if differs {
            return Ok(Some(DecisionChange {
                index,
                left: l.map(|(v, _)| v),
                right: r.map(|(v, _)| v),
            }));
        }
        index += 1;
    }
}

/// The next decision: its view and its payload (owned, so two cursors can
/// be walked in turn).
fn next_decision(c: &mut Cursor) -> Result<Option<(RecordView, Vec<u8>)>, ReplayError> {
    while let Some(r) = c.next()? {
        if r.kind == kind::DECISION {
            return Ok(Some((RecordView::of(&r), r.payload.to_vec())));
        }
    }
    Ok(None)
}

fn same(a: &RecordRef<'_>, b: &RecordRef<'_>) -> Option<String> {
    if a.kind != b.kind {
        return Some(format!(
            "kind {} vs {}",
            kind::name(a.kind),
            kind::name(b.kind)
        ));
    }
    if a.time_ns != b.time_ns {
        return Some(format!("event time {} vs {}", a.time_ns, b.time_ns));
    }
    if a.version != b.version {
        return Some(format!("version {} vs {}", a.version, b.version));
    }
    (a.payload != b.payload).then(|| "payload".to_string())
}

fn count(counts: &mut BTreeMap<String, u64>, k: u16) {
    *counts.entry(kind::name(k).to_string()).or_default() += 1;
}

fn drain(cursor: &mut Cursor, counts: &mut BTreeMap<String, u64>) -> Result<(), ReplayError> {
    while let Some(r) = cursor.next()? {
        count(counts, r.kind);
    }
    Ok(())
}

/// Compares two journals record by record.
pub fn diff_journals(left: &Path, right: &Path) -> Result<DiffReport, ReplayError> {
    let (lr, rr) = (JournalReader::open(left)?, JournalReader::open(right)?);
    let (mut lc, mut rc) = (lr.cursor(0, true)?, rr.cursor(0, true)?);
    let mut left_counts = BTreeMap::new();
    let mut right_counts = BTreeMap::new();
    let mut first = None;
    loop {
        let l = lc.next()?;
        let r = rc.next()?;
        match (l, r) {
            (None, None) => break,
            (Some(a), Some(b)) => {
                count(&mut left_counts, a.kind);
                count(&mut right_counts, b.kind);
                if let Some(what) = same(&a, &b) {
                    first = Some(Divergence {
                        seq: a.seq,
                        left: Some(RecordView::of(&a)),
                        right: Some(RecordView::of(&b)),
                        what,
                    });
                    break;
                }
            }
            (Some(a), None) => {
                count(&mut left_counts, a.kind);
                first = Some(Divergence {
                    seq: a.seq,
                    left: Some(RecordView::of(&a)),
                    right: None,
                    what: "right journal ends here".into(),
                });
                break;
            }
            (None, Some(b)) => {
                count(&mut right_counts, b.kind);
                first = Some(Divergence {
                    seq: b.seq,
                    left: None,
                    right: Some(RecordView::of(&b)),
                    what: "left journal ends here".into(),
                });
                break;
            }
        }
    }
    // Context is re-read through the index rather than kept while scanning,
    // so identical journals cost no decoding at all.
    let mut context = Vec::new();
    if let Some(d) = &first {
        let from = d.seq.saturating_sub(CONTEXT as u64);
        let mut c = lr.cursor(from, false)?;
        while let Some(r) = c.next()? {
            if r.seq >= d.seq {
                break;
            }
            context.push(RecordView::of(&r));
        }
    }
    drain(&mut lc, &mut left_counts)?;
    drain(&mut rc, &mut right_counts)?;
    let first_decision = if first.is_some() {
        first_decision_change(&lr, &rr)?
    } else {
        None
    };
    Ok(DiffReport {
        identical: first.is_none(),
        first,
        first_decision,
        context,
        left_counts,
        right_counts,
        left_head: lc.head_hash().map(hex::encode).unwrap_or_default(),
        right_head: rc.head_hash().map(hex::encode).unwrap_or_default(),
    })
}
