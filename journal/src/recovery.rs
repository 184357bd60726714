//! Opening an existing journal for writing: find the last segment, scan it,
//! cut a torn tail (or refuse, by policy), and hand the writer its state.

use std::path::{Path, PathBuf};

use crate::active::{Active, Resume};
use crate::chain::{ChainHasher, genesis};
use crate::error::{CorruptReason, JournalError, Result};
use crate::format::{DecodeError, SEGMENT_HEADER_LEN, SegmentHeader};
use crate::layout::{Manifest, SegmentIndex, index_path, segment_path, segment_seqs};
use crate::options::RecoveryPolicy;
use crate::scan::{SegmentScan, scan_segment};
use crate::storage::Storage;

/// A torn tail that recovery cut off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    /// The segment file.
    pub segment: PathBuf,
    /// Offset the segment was truncated to.
    pub offset: u64,
    /// Bytes removed.
    pub dropped_bytes: u64,
    /// Why the bytes did not decode.
    pub reason: String,
}

/// What recovery found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryReport {
    /// The sequence number the next append gets (= records in the journal).
    pub next_seq: u64,
    /// Segment files in the journal.
    pub segments: usize,
    /// Set when a torn tail was cut.
    pub truncated: Option<TornTail>,
}

pub(crate) fn read_manifest(storage: &dyn Storage, dir: &Path) -> Result<Manifest> {
    let path = dir.join(crate::layout::MANIFEST);
    if !storage.exists(&path) {
        return Err(JournalError::NotAJournal {
            path: dir.to_path_buf(),
            reason: format!("no {} in it", crate::layout::MANIFEST),
        });
    }
    let bytes = storage
        .read(&path)
        .map_err(|e| JournalError::io("read", &path, e))?;
    Manifest::parse(&bytes).map_err(|reason| JournalError::NotAJournal {
        path: dir.to_path_buf(),
        reason,
    })
}

pub(crate) fn list_segments(storage: &dyn Storage, dir: &Path) -> Result<Vec<u64>> {
    let names = storage
        .list(dir)
        .map_err(|e| JournalError::io("list", dir, e))?;
    Ok(segment_seqs(&names))
}

fn layout_error(segment: PathBuf, seq: Option<u64>, msg: String) -> JournalError {
    JournalError::Corrupt {
        segment,
        offset: 0,
        seq,
        reason: CorruptReason::Layout(msg),
    }
}

/// The chain value at the end of a sealed segment: from its index when that
/// is intact, else by scanning it.
fn chain_after(
    storage: &dyn Storage,
    dir: &Path,
    first_seq: u64,
    m: &Manifest,
) -> Result<(u64, ChainHasher)> {
    let ipath = index_path(dir, first_seq);
    let spath = segment_path(dir, first_seq);
    if let Some(idx) = storage
        .read(&ipath)
        .ok()
        .and_then(|b| SegmentIndex::decode(&b))
    {
        return Ok((
            idx.end_seq,
            ChainHasher::new(m.block_records, idx.chain_out),
        ));
    }
    let bytes = storage
        .read(&spath)
        .map_err(|e| JournalError::io("read", &spath, e))?;
    let header = SegmentHeader::decode(&bytes).map_err(|e| JournalError::Corrupt {
        segment: spath.clone(),
        offset: 0,
        seq: Some(first_seq),
        reason: CorruptReason::Decode(e),
    })?;
    let scan = scan_segment(
        &spath,
        &bytes,
        header.first_seq,
        ChainHasher::new(m.block_records, header.chain_in),
        false,
    )?;
    Ok((scan.next_seq, scan.chain))
}

/// The chain at the end of the segment before the last one, checked to end
/// exactly where the last segment (`path`) starts.
fn previous_chain(
    storage: &dyn Storage,
    dir: &Path,
    seqs: &[u64],
    m: &Manifest,
    path: &Path,
) -> Result<ChainHasher> {
    let last = seqs[seqs.len() - 1];
    let (end_seq, chain) = chain_after(storage, dir, seqs[seqs.len() - 2], m)?;
    if end_seq != last {
        return Err(layout_error(
            path.to_path_buf(),
            Some(last),
            format!("previous segment ends at seq {end_seq}"),
        ));
    }
    Ok(chain)
}

/// Recovers the last segment and returns the writer's starting state.
pub(crate) fn recover(
    storage: &dyn Storage,
    dir: &Path,
    m: &Manifest,
    policy: RecoveryPolicy,
) -> Result<(Resume, RecoveryReport)> {
    let mut seqs = list_segments(storage, dir)?;
    let Some(&last) = seqs.last() else {
        // A crash during create, after the manifest and before the first segment.
        Active::create_segment(storage, dir, 0, m.block_records, genesis())?;
        return recover(storage, dir, m, policy);
    };
    let r = Recovery {
        storage,
        dir,
        m,
        policy,
        seqs: &seqs,
        last,
        path: segment_path(dir, last),
    };
    let (header, bytes, rewritten) = r.read_last()?;
    r.check_header(&header)?;
    if seqs.len() > 1 && rewritten.is_none() {
        r.check_continues_previous(&header)?;
    }
    let scan = scan_segment(
        &r.path,
        &bytes,
        header.first_seq,
        ChainHasher::new(m.block_records, header.chain_in),
        true,
    )?;
    let mut truncated = rewritten;
    if let Some(reason) = scan.torn {
        truncated = Some(r.cut_torn_tail(&scan, bytes.len(), reason)?);
    }
    r.check_closed_end(&scan)?;
    seqs.dedup();
    let report = RecoveryReport {
        next_seq: scan.next_seq,
        segments: seqs.len(),
        truncated,
    };
    let resume = Resume {
        seg_first_seq: last,
        seg_len: scan.end as u64,
        next_seq: scan.next_seq,
        chain: scan.chain,
        index: scan.entries,
    };
    Ok((resume, report))
}

/// The journal being recovered and its last segment, which the steps of
/// [`recover`] share.
struct Recovery<'a> {
    storage: &'a dyn Storage,
    dir: &'a Path,
    m: &'a Manifest,
    policy: RecoveryPolicy,
    /// Every segment's first sequence number, in order; `last` is the last.
    seqs: &'a [u64],
    last: u64,
    /// The last segment's file.
    path: PathBuf,
}

impl Recovery<'_> {
    /// The last segment's header and bytes, and the torn header it rewrote
    /// if it had to.
    fn read_last(&self) -> Result<(SegmentHeader, Vec<u8>, Option<TornTail>)> {
        let bytes = self.read_bytes()?;
        match SegmentHeader::decode(&bytes) {
            Ok(header) => Ok((header, bytes, None)),
            Err(e)
                if self.seqs.len() > 1
                    && bytes.len() <= SEGMENT_HEADER_LEN
                    && self.policy == RecoveryPolicy::TruncateTornTail =>
            {
                let (header, torn) = self.rewrite_header(bytes.len(), e)?;
                Ok((header, self.read_bytes()?, Some(torn)))
            }
            Err(e) => Err(JournalError::Corrupt {
                segment: self.path.clone(),
                offset: 0,
                seq: Some(self.last),
                reason: CorruptReason::Decode(e),
            }),
        }
    }

    /// The last segment's bytes as they are now.
    fn read_bytes(&self) -> Result<Vec<u8>> {
        self.storage
            .read(&self.path)
            .map_err(|e| JournalError::io("read", &self.path, e))
    }

    /// A crash during a segment roll: the new segment's header never became
    /// durable. Rewrites it from the sealed segment before it.
    fn rewrite_header(&self, len: usize, e: DecodeError) -> Result<(SegmentHeader, TornTail)> {
        let path = &self.path;
        let chain = previous_chain(self.storage, self.dir, self.seqs, self.m, path)?;
        tracing::warn!(segment = %path.display(), reason = %e, "rewriting a torn segment header");
        let torn = TornTail {
            segment: path.clone(),
            offset: 0,
            dropped_bytes: len as u64,
            reason: e.to_string(),
        };
        self.storage
            .truncate(path, 0)
            .map_err(|err| JournalError::io("truncate", path, err))?;
        let header = SegmentHeader {
            block_records: self.m.block_records,
            first_seq: self.last,
            chain_in: chain.chain(),
        };
        let mut f = self
            .storage
            .open_append(path)
            .map_err(|err| JournalError::io("open", path, err))?;
        f.write_all(&header.encode())
            .and_then(|()| f.sync_data())
            .map_err(|err| JournalError::io("write", path, err))?;
        Ok((header, torn))
    }

    /// The header must name the segment's own first sequence number and the
    /// manifest's block size.
    fn check_header(&self, header: &SegmentHeader) -> Result<()> {
        let (last, m) = (self.last, self.m);
        if header.first_seq != last || header.block_records != m.block_records {
            return Err(layout_error(
                self.path.clone(),
                Some(last),
                format!(
                    "header says first_seq {} and block_records {}, expected {last} and {}",
                    header.first_seq, header.block_records, m.block_records
                ),
            ));
        }
        Ok(())
    }

    /// The writer continues the chain from this header: it must continue the
    /// previous segment's chain, or every later record would be appended to
    /// a journal that can never verify.
    fn check_continues_previous(&self, header: &SegmentHeader) -> Result<()> {
        let chain = previous_chain(self.storage, self.dir, self.seqs, self.m, &self.path)?;
        if chain.head() != header.chain_in {
            return Err(JournalError::ChainMismatch {
                segment: self.path.clone(),
                offset: 0,
                seq: self.last,
                stored: hex::encode(header.chain_in),
                computed: hex::encode(chain.head()),
            });
        }
        Ok(())
    }

    /// Cuts the torn tail the scan stopped at (`len` is the segment's size),
    /// or refuses by policy.
    fn cut_torn_tail(
        &self,
        scan: &SegmentScan,
        len: usize,
        reason: DecodeError,
    ) -> Result<TornTail> {
        let path = &self.path;
        let dropped = (len - scan.end) as u64;
        // After a clean close every byte was synced: no append was
        // interrupted, so bytes that do not decode are damage, not a tear.
        if self.policy == RecoveryPolicy::Strict || self.m.closed.is_some() {
            return Err(JournalError::Corrupt {
                segment: path.clone(),
                offset: scan.end as u64,
                seq: Some(scan.next_seq),
                reason: CorruptReason::Decode(reason),
            });
        }
        tracing::warn!(
            segment = %path.display(),
            offset = scan.end,
            dropped_bytes = dropped,
            seq = scan.next_seq,
            reason = %reason,
            "truncating a torn tail left by an interrupted append"
        );
        self.storage
            .truncate(path, scan.end as u64)
            .map_err(|e| JournalError::io("truncate", path, e))?;
        Ok(TornTail {
            segment: path.clone(),
            offset: scan.end as u64,
            dropped_bytes: dropped,
            reason: reason.to_string(),
        })
    }

    /// The manifest of a cleanly closed journal names its end. Check it
    /// before the writer clears it, or a lost tail (a last segment cut at a
    /// frame boundary, a deleted segment) would go unnoticed for good.
    fn check_closed_end(&self, scan: &SegmentScan) -> Result<()> {
        let Some(closed) = &self.m.closed else {
            return Ok(());
        };
        let computed = hex::encode(scan.chain.head());
        if closed.next_seq != scan.next_seq || closed.head_hash != computed {
            return Err(JournalError::ChainMismatch {
                segment: self.dir.join(crate::layout::MANIFEST),
                offset: 0,
                seq: closed.next_seq,
                stored: closed.head_hash.clone(),
                computed: format!("{computed} at next_seq {}", scan.next_seq),
            });
        }
        Ok(())
    }
}
