//! # axon-journal
//!
//! The append-only, crash-safe, tamper-evident log AXON stands on. It knows
//! bytes, not trading: a record is a sequence number, an event time, a type,
//! a version and an opaque payload.
//!
//! ## Guarantees
//!
//! - **Dense sequence numbers** from 0, one writer per journal.
//! - **Integrity**: every frame carries a CRC32C; a SHA-256 chain over blocks
//!   of records makes the head hash change when any byte of any record
//!   changes, and equal head hashes mean equal journals (independent of
//!   segment size, durability mode and timing).
//! - **Durability** by mode ([`Durability`]): `None` (OS buffers), `Group`
//!   (batched fdatasync; a record is acknowledged only after the sync that
//!   covers it), `Every`. A failed write or fsync stops the writer for good
//!   ([`JournalError::Poisoned`]); it is never retried or ignored.
//! - **Recovery**: on open, an incomplete last frame (a crash mid-append,
//!   never acknowledged) is cut with a warning naming the segment and offset;
//!   corruption anywhere else is a hard error naming segment, offset and
//!   sequence number ([`RecoveryPolicy`]). Acknowledged records survive.
//! - **Self-contained**: a journal is a directory (segments, indexes, a
//!   manifest, a content-addressed [`ArtifactStore`]); copy it and it replays.
//!
//! The byte layout is in `FORMAT.md` next to this crate.
//!
//! ```
//! use axon_journal::{Journal, JournalOptions, JournalReader};
//! let dir = tempfile::tempdir()?;
//! let mut j = Journal::create(dir.path(), JournalOptions::default())?;
//! let seq = j.append(1_700_000_000_000_000_000, 1, 1, b"tick")?;
//! assert_eq!(seq, 0);
//! let head = j.head_hash();
//! j.close()?;
//! let reader = JournalReader::open(dir.path())?;
//! let mut cursor = reader.cursor(0, true)?;
//! assert_eq!(cursor.next()?.map(|r| r.payload.to_vec()), Some(b"tick".to_vec()));
//! assert_eq!(reader.verify()?.head_hash, head);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod active;
mod artifacts;
mod chain;
mod chainlog;
mod error;
pub mod format;
mod layout;
mod options;
mod pipe;
mod reader;
mod recovery;
mod scan;
pub mod storage;
mod tail;
mod writer;

pub use artifacts::ArtifactStore;
pub use chain::{ChainHasher, genesis};
pub use chainlog::ChainLog;
pub use error::{CorruptReason, JournalError, Result};
pub use format::{Record, RecordRef};
pub use layout::{Closed, Manifest};
pub use options::{Durability, JournalOptions, RecoveryPolicy, SyncObserver};
pub use reader::{Cursor, JournalReader, VerifyReport};
pub use recovery::{RecoveryReport, TornTail};
pub use tail::Tail;
pub use writer::{AckHandle, Journal};

/// A SHA-256 digest.
pub type Hash = [u8; 32];
