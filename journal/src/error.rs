//! Typed errors. Variants carry where the problem is: segment file, byte
//! offset and sequence number, so an operator can act without a debugger.

use std::path::PathBuf;

use crate::format::DecodeError;

/// Everything that can go wrong in the journal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// An operating-system I/O call failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done (`"write"`, `"fdatasync"`, ...).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Bytes before the tail do not decode: a hard error, never truncated.
    #[error("corrupt journal: segment {}, offset {offset}{}: {reason}", segment.display(), seq_suffix(*seq))]
    Corrupt {
        /// The segment file.
        segment: PathBuf,
        /// Byte offset of the bad frame (or header) in the segment.
        offset: u64,
        /// The sequence number expected (or read) at that offset, if known.
        seq: Option<u64>,
        /// What is wrong.
        reason: CorruptReason,
    },
    /// The recomputed hash chain disagrees with a stored chain value.
    #[error("hash chain mismatch: segment {}, offset {offset}, seq {seq}: stored {stored}, computed {computed}", segment.display())]
    ChainMismatch {
        /// The segment file whose header or index holds the stored value.
        segment: PathBuf,
        /// Byte offset the stored value applies to.
        offset: u64,
        /// Sequence number the stored value applies to.
        seq: u64,
        /// Stored chain value, hex.
        stored: String,
        /// Recomputed chain value, hex.
        computed: String,
    },
    /// The directory is not a journal (no manifest, or an unreadable one).
    #[error("{} is not an AXON journal: {reason}", path.display())]
    NotAJournal {
        /// The directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `create` was called on a directory that already holds a journal.
    #[error("{} already holds a journal", path.display())]
    AlreadyExists {
        /// The directory.
        path: PathBuf,
    },
    /// Another writer (this process or another) has the journal open.
    #[error("{} is open for writing by another writer", path.display())]
    Locked {
        /// The journal directory.
        path: PathBuf,
    },
    /// A payload larger than the format allows.
    #[error("payload of {len} bytes exceeds the maximum of {max} bytes")]
    PayloadTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A sequence number past the end of the journal.
    #[error("sequence number {seq} is past the end of the journal (next is {next})")]
    SeqOutOfRange {
        /// Requested.
        seq: u64,
        /// The next sequence number the journal would assign.
        next: u64,
    },
    /// An earlier write or fsync failed; the writer refuses further work
    /// because the state of the file on disk is unknown.
    #[error("journal writer stopped after a fatal I/O error: {cause}")]
    Poisoned {
        /// The original error, as text.
        cause: String,
    },
    /// An artifact is not in the store.
    #[error("artifact sha256:{sha256} is not in the store {}", store.display())]
    ArtifactMissing {
        /// Its hash, hex.
        sha256: String,
        /// The store directory.
        store: PathBuf,
    },
    /// An artifact's bytes do not hash to its name.
    #[error("artifact {} is corrupt: its bytes hash to {computed}", path.display())]
    ArtifactCorrupt {
        /// The artifact file.
        path: PathBuf,
        /// The hash of its bytes, hex.
        computed: String,
    },
}

fn seq_suffix(seq: Option<u64>) -> String {
    seq.map(|s| format!(", seq {s}")).unwrap_or_default()
}

/// What is wrong with corrupt bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CorruptReason {
    /// The frame or header failed to decode.
    #[error("{0}")]
    Decode(DecodeError),
    /// A frame carries a different sequence number than expected.
    #[error("sequence gap: expected {expected}, found {found}")]
    SeqGap {
        /// Expected seq.
        expected: u64,
        /// Found seq.
        found: u64,
    },
    /// A segment's header disagrees with its file name or its neighbours.
    #[error("{0}")]
    Layout(String),
}

impl JournalError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

/// Result alias for the journal.
pub type Result<T, E = JournalError> = std::result::Result<T, E>;
