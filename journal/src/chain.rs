//! The SHA-256 hash chain over commit blocks.
//!
//! Records are grouped into blocks of `block_records` consecutive sequence
//! numbers (a journal-wide constant). `h(b+1) = SHA-256(h(b) || frames of
//! block b)`, starting from [`genesis`]. The head hash covers a trailing partial
//! block the same way. Block boundaries depend only on sequence numbers, so the
//! head hash does not depend on segment size, durability mode or timing: two
//! journals with equal records have equal head hashes.

use sha2::{Digest, Sha256};

use crate::Hash;

/// The chain value before any record.
pub fn genesis() -> Hash {
    Sha256::digest(b"axon-journal-chain-v1").into()
}

/// Incrementally hashes frames into the chain.
#[derive(Debug, Clone)]
pub struct ChainHasher {
    block_records: u64,
    chain: Hash,
    block: Sha256,
    in_block: u64,
}

impl ChainHasher {
    /// Starts a chain at `chain` (the value after the last complete block).
    pub fn new(block_records: u32, chain: Hash) -> Self {
        let mut block = Sha256::new();
        block.update(chain);
        Self {
            block_records: u64::from(block_records.max(1)),
            chain,
            block,
            in_block: 0,
        }
    }

    /// Feeds one whole frame (header and payload). Returns the new chain value
    /// when this frame completed a block.
    #[inline]
    pub fn push_frame(&mut self, frame: &[u8]) -> Option<Hash> {
        self.block.update(frame);
        self.in_block += 1;
        if self.in_block == self.block_records {
            let next = std::mem::replace(&mut self.block, Sha256::new());
            self.chain = next.finalize().into();
            self.block.update(self.chain);
            self.in_block = 0;
            Some(self.chain)
        } else {
            None
        }
    }

    /// The chain value after the last complete block.
    pub fn chain(&self) -> Hash {
        self.chain
    }

    /// Records in the current, incomplete block.
    pub fn in_block(&self) -> u64 {
        self.in_block
    }

    /// The head hash: the chain value including the partial block, if any.
    pub fn head(&self) -> Hash {
        if self.in_block == 0 {
            self.chain
        } else {
            self.block.clone().finalize().into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_depends_on_every_frame_and_on_order() {
        let frames: Vec<Vec<u8>> = (0u8..10).map(|i| vec![i; 5]).collect();
        let head = |fs: &[Vec<u8>]| {
            let mut c = ChainHasher::new(4, genesis());
            for f in fs {
                c.push_frame(f);
            }
            c.head()
        };
        let base = head(&frames);
        let mut swapped = frames.clone();
        swapped.swap(2, 3);
        assert_ne!(base, head(&swapped));
        let mut changed = frames.clone();
        changed[9][0] ^= 1;
        assert_ne!(base, head(&changed));
        assert_ne!(base, head(&frames[..9]));
        assert_eq!(base, head(&frames));
    }

    #[test]
    fn resuming_from_a_block_boundary_matches() {
        let mut a = ChainHasher::new(3, genesis());
        let mut boundary = None;
        for i in 0u8..6 {
            if let Some(h) = a.push_frame(&[i]) {
                boundary.get_or_insert(h);
            }
        }
        let mut b = ChainHasher::new(3, boundary.unwrap());
        for i in 3u8..6 {
            b.push_frame(&[i]);
        }
        assert_eq!(a.head(), b.head());
    }
}
