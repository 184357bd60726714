//! Writer options: durability, segment size, recovery policy.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// When an appended record is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Records are buffered in user space and handed to the OS when the
    /// buffer fills or on `flush`; nothing is fsynced until `sync`, a segment
    /// roll or close. What was handed to the OS survives a process crash (the
    /// user-space buffer does not), nothing unsynced survives a power cut.
    None,
    /// Group commit: a background thread fdatasyncs batches, at least every
    /// `interval` or every `max_bytes` of new data, and at once when someone
    /// waits for an acknowledgement. A record is acknowledged only after the
    /// fdatasync covering it returned.
    Group {
        /// Longest time a record waits before its batch is synced.
        interval: Duration,
        /// Bytes that trigger a sync before the interval is up.
        max_bytes: u64,
    },
    /// fdatasync after every append: slow, simplest to reason about.
    Every,
}

impl Durability {
    /// Group commit with the defaults: 2 ms or 1 MiB.
    pub fn group() -> Self {
        Self::Group {
            interval: Duration::from_millis(2),
            max_bytes: 1 << 20,
        }
    }
}

/// What to do when the last segment ends in a torn frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecoveryPolicy {
    /// Cut an incomplete last frame (an append interrupted by a crash, never
    /// acknowledged) with a warning naming the segment and offset. Corruption
    /// anywhere before the tail is still a hard error.
    #[default]
    TruncateTornTail,
    /// Treat a torn tail as an error too; change nothing on disk.
    Strict,
}

/// Called after each fdatasync with its duration and the bytes it covered
/// (for metrics; must be cheap and must not call back into the journal).
pub type SyncObserver = Arc<dyn Fn(Duration) + Send + Sync>;

/// Options for creating or opening a journal for writing.
#[derive(Clone)]
pub struct JournalOptions {
    /// Durability mode.
    pub durability: Durability,
    /// Roll to a new segment once this many bytes are written (at the next
    /// chain-block boundary, so segments hold whole blocks).
    pub segment_bytes: u64,
    /// Records per hash-chain block. Fixed at creation; part of the format.
    pub block_records: u32,
    /// Torn-tail handling on open.
    pub recovery: RecoveryPolicy,
    /// Size of the user-space write buffer.
    pub buffer_bytes: usize,
    /// Observer of fdatasync latencies.
    pub on_sync: Option<SyncObserver>,
}

impl Default for JournalOptions {
    fn default() -> Self {
        Self {
            durability: Durability::None,
            segment_bytes: 64 << 20,
            block_records: 1024,
            recovery: RecoveryPolicy::default(),
            buffer_bytes: 256 << 10,
            on_sync: None,
        }
    }
}

impl fmt::Debug for JournalOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JournalOptions")
            .field("durability", &self.durability)
            .field("segment_bytes", &self.segment_bytes)
            .field("block_records", &self.block_records)
            .field("recovery", &self.recovery)
            .field("buffer_bytes", &self.buffer_bytes)
            .field("on_sync", &self.on_sync.is_some())
            .finish()
    }
}
