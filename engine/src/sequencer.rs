//! The sequencer: the one loop backtest, replay and live share. For each
//! input it appends the input to the log first (write-ahead), steps the
//! engine, then appends every output.

use crate::engine::Engine;
use crate::event::{EVENT_VERSION, Input, Output};

/// Where the sequencer writes records: the journal, or memory in tests.
pub trait EventLog {
    /// The error appends can fail with.
    type Error: std::error::Error + Send + Sync + 'static;
    /// Appends a record whose payload `encode` writes; returns its sequence number.
    fn append(
        &mut self,
        time_ns: i64,
        kind: u16,
        version: u16,
        encode: &mut dyn FnMut(&mut Vec<u8>),
    ) -> Result<u64, Self::Error>;
}

impl EventLog for axon_journal::Journal {
    type Error = axon_journal::JournalError;

    #[inline]
    fn append(
        &mut self,
        time_ns: i64,
        kind: u16,
        version: u16,
        encode: &mut dyn FnMut(&mut Vec<u8>),
    ) -> Result<u64, Self::Error> {
        self.append_with(time_ns, kind, version, encode)
    }
}

impl EventLog for axon_journal::ChainLog {
    type Error = axon_journal::JournalError;

    #[inline]
    fn append(
        &mut self,
        time_ns: i64,
        kind: u16,
        version: u16,
        encode: &mut dyn FnMut(&mut Vec<u8>),
    ) -> Result<u64, Self::Error> {
        self.append_with(time_ns, kind, version, encode)
    }
}

/// An in-memory log of owned records.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MemoryLog {
    /// Records in order.
    pub records: Vec<axon_journal::Record>,
}

impl EventLog for MemoryLog {
    type Error = std::convert::Infallible;

    fn append(
        &mut self,
        time_ns: i64,
        kind: u16,
        version: u16,
        encode: &mut dyn FnMut(&mut Vec<u8>),
    ) -> Result<u64, Self::Error> {
        let mut payload = Vec::new();
        encode(&mut payload);
        let seq = self.records.len() as u64;
        self.records.push(axon_journal::Record {
            seq,
            time_ns,
            kind,
            version,
            payload,
        });
        Ok(seq)
    }
}

/// Stamps, journals and steps inputs.
#[derive(Debug)]
pub struct Sequencer<L> {
    engine: Engine,
    log: L,
    outputs: Vec<Output>,
    records: u64,
}

impl<L: EventLog> Sequencer<L> {
    /// A sequencer over an engine and a log.
    pub fn new(engine: Engine, log: L) -> Self {
        Self {
            engine,
            log,
            outputs: Vec::with_capacity(16),
            records: 0,
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The log.
    pub fn log(&self) -> &L {
        &self.log
    }

    /// The outputs of the last `submit`.
    pub fn outputs(&self) -> &[Output] {
        &self.outputs
    }

    /// Records appended by this sequencer.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Journals `input` (write-ahead), steps the engine, journals the outputs,
    /// and returns them.
    #[inline]
    pub fn submit(&mut self, time_ns: i64, input: &Input) -> Result<&[Output], L::Error> {
        self.submit_marked(time_ns, input, || {})
    }

    /// [`Sequencer::submit`], calling `journaled` once the input is appended
    /// and before the engine sees it (latency measurement of live sessions).
    #[inline]
    pub fn submit_marked(
        &mut self,
        time_ns: i64,
        input: &Input,
        journaled: impl FnOnce(),
    ) -> Result<&[Output], L::Error> {
        self.log
            .append(time_ns, input.kind(), EVENT_VERSION, &mut |buf| {
                input.encode(buf)
            })?;
        journaled();
        self.outputs.clear();
        self.engine.step(time_ns, input, &mut self.outputs);
        for o in &self.outputs {
            self.log
                .append(time_ns, o.kind(), EVENT_VERSION, &mut |buf| o.encode(buf))?;
        }
        self.records += 1 + self.outputs.len() as u64;
        Ok(&self.outputs)
    }

    /// Gives back the engine and the log.
    pub fn into_parts(self) -> (Engine, L) {
        (self.engine, self.log)
    }
}
