//! A journal that keeps nothing but its head hash: each record is framed
//! exactly as [`crate::Journal`] frames it and fed to the same hash chain,
//! so a run logged here has the head hash its journal would have had. For
//! runs whose records nobody will read (a parameter sweep's), at the cost
//! of hashing alone.

use crate::chain::{ChainHasher, genesis};
use crate::error::{JournalError, Result};
use crate::format::{MAX_PAYLOAD, begin_frame, finish_frame};
use crate::{Hash, JournalOptions};

/// Records framed and hashed, never stored.
#[derive(Debug, Clone)]
pub struct ChainLog {
    chain: ChainHasher,
    buf: Vec<u8>,
    next_seq: u64,
}

impl Default for ChainLog {
    fn default() -> Self {
        Self::new(JournalOptions::default().block_records)
    }
}

impl ChainLog {
    /// An empty log hashing in blocks of `block_records` (a journal's
    /// [`JournalOptions::block_records`]: equal blocks, equal head hashes).
    pub fn new(block_records: u32) -> Self {
        Self {
            chain: ChainHasher::new(block_records, genesis()),
            buf: Vec::with_capacity(256),
            next_seq: 0,
        }
    }

    /// Frames and hashes a record whose payload `encode` writes; returns its
    /// sequence number.
    #[inline]
    pub fn append_with(
        &mut self,
        time_ns: i64,
        kind: u16,
        version: u16,
        encode: impl FnOnce(&mut Vec<u8>),
    ) -> Result<u64> {
        self.buf.clear();
        let seq = self.next_seq;
        let start = begin_frame(&mut self.buf, seq, time_ns, kind, version);
        encode(&mut self.buf);
        finish_frame(&mut self.buf, start).map_err(|len| JournalError::PayloadTooLarge {
            len,
            max: MAX_PAYLOAD,
        })?;
        self.chain.push_frame(&self.buf);
        self.next_seq += 1;
        Ok(seq)
    }

    /// The sequence number the next append gets (= records so far).
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The head hash over every record so far.
    pub fn head_hash(&self) -> Hash {
        self.chain.head()
    }
}
