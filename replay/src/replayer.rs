//! The replayer: rebuilds a session's engine from its journal alone and
//! steps it through the journaled inputs, one record at a time.
//!
//! What a [`Replayer`] guarantees:
//!
//! - It opens only journals whose record 0 is a `SessionStart`, and builds
//!   the engine from that record's configuration with a model registry (over
//!   the journal's own artifact store, or the caller's). Record 0 itself is
//!   read when the replayer opens ([`Replayer::session`],
//!   [`Replayer::first_record`]); [`Replayer::next`] yields the records
//!   after it.
//! - Every later record is yielded once, in journal order, with the hash
//!   chain checked as it is read. Each input record is decoded and stepped
//!   into the engine at its journaled time, exactly once, until
//!   [`Replayer::stop_stepping`] (or, in [strict](Replayer::strict) mode,
//!   a divergence) stops stepping.
//! - Outputs pair in order: each journaled output record is paired with the
//!   oldest output the engine produced that no earlier output record took.
//!   The replayer does not judge whether the two are equal; its callers
//!   compare them as they need.
//! - Errors name the journal and the record: [`ReplayError`].
//! - Nothing is allocated per record besides the decoded input: the
//!   engine's outputs go to one reused buffer.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axon_engine::event::{SessionStart, kind};
use axon_engine::strategy::StrategyFactory;
use axon_engine::{Engine, Input, Output};
use axon_inference::ModelRegistry;
use axon_journal::{Cursor, Hash, JournalReader, Record, RecordRef};
use axon_pystrategy::Strategies;

use crate::error::ReplayError;

/// Replays a journal through a rebuilt engine; see the [module](self) for
/// what it guarantees.
#[derive(Debug)]
pub struct Replayer {
    dir: PathBuf,
    cursor: Cursor,
    registry: Arc<ModelRegistry>,
    session: Box<SessionStart>,
    first: Record,
    engine: Engine,
    /// The engine's outputs in order; `queue[head..]` are not yet paired
    /// with a journaled output.
    queue: Vec<Output>,
    head: usize,
    /// The last input record's decoded input.
    input: Option<Input>,
    stepping: bool,
    strict: bool,
}

/// One journal record as the replay met it.
#[derive(Debug, Clone, Copy)]
pub struct ReplayStep<'a> {
    /// The record as journaled.
    pub record: RecordRef<'a>,
    /// Its decoded input, for an input record (`None` for an output record,
    /// and for the input at which a strict replay diverged).
    pub input: Option<&'a Input>,
    /// For an input record: the outputs the engine produced stepping it
    /// (empty when it was not stepped). Empty for an output record.
    pub outputs: &'a [Output],
    /// For an output record: the engine output paired with it (`None`: the
    /// engine produced nothing that is not paired already).
    pub paired: Option<&'a Output>,
    /// Outputs the engine produced that no journaled output has paired with
    /// yet, after this record (for an input record, they end with
    /// `outputs`).
    pub pending: &'a [Output],
    /// The engine, after this record.
    pub engine: &'a Engine,
}

impl ReplayStep<'_> {
    /// Whether the record is an input.
    pub fn is_input(&self) -> bool {
        kind::is_input(self.record.kind)
    }

    /// For an input record: the outputs produced before it that no
    /// journaled output paired with (the journal moved on to this input
    /// without them: the replay has diverged). Empty for an output record.
    pub fn unpaired(&self) -> &[Output] {
        if !self.is_input() {
            return &[];
        }
        &self.pending[..self.pending.len() - self.outputs.len()]
    }
}

impl Replayer {
    /// Opens the journal in `dir`, with models from its own artifact store.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, ReplayError> {
        Self::new(&JournalReader::open(dir)?)
    }

    /// Replays `reader`'s journal, with models from its own artifact store
    /// (each checked against the hash its swap names).
    pub fn new(reader: &JournalReader) -> Result<Self, ReplayError> {
        Self::with_registry(reader, Arc::new(ModelRegistry::new(reader.artifacts())))
    }

    /// Replays `reader`'s journal with `registry` as the engine's model
    /// factory (a live session's own, with its observers). Reads record 0,
    /// which must be a `SessionStart`, and builds the engine from it.
    pub fn with_registry(
        reader: &JournalReader,
        registry: Arc<ModelRegistry>,
    ) -> Result<Self, ReplayError> {
        Self::with_factories(
            reader,
            registry,
            &Strategies::from_store(reader.artifacts()),
        )
    }

    /// Replays `reader`'s journal with `registry` as the model factory and
    /// `strategies` building its strategy (the factory the session used).
    pub fn with_factories(
        reader: &JournalReader,
        registry: Arc<ModelRegistry>,
        strategies: &dyn StrategyFactory,
    ) -> Result<Self, ReplayError> {
        let dir = reader.dir().to_path_buf();
        let mut cursor = reader.cursor(0, true)?;
        let record = cursor.next()?.ok_or_else(|| ReplayError::EmptyJournal {
            journal: dir.clone(),
        })?;
        let (decoded, first) = (decode(&dir, &record), record.to_owned());
        let Input::SessionStart(session) = decoded? else {
            return Err(ReplayError::NotSessionStart {
                journal: dir,
                seq: first.seq,
                kind: first.kind,
            });
        };
        let config_error = |reason: String| ReplayError::SessionConfig {
            journal: dir.clone(),
            seq: first.seq,
            reason,
        };
        let strategy = strategies.build(&session.config).map_err(config_error)?;
        let engine =
            Engine::with_strategy(session.config.clone(), Box::new(registry.clone()), strategy)
                .map_err(|reason| config_error(reason.to_string()))?
                .with_seed(session.seed);
        Ok(Self {
            dir,
            cursor,
            registry,
            session,
            first,
            engine,
            queue: Vec::new(),
            head: 0,
            input: None,
            stepping: true,
            strict: false,
        })
    }

    /// Strict mode, for verification: when the journal holds its next input
    /// while outputs the engine produced are still unpaired, the replay has
    /// diverged. That input is yielded as read (neither decoded nor
    /// stepped, its [`unpaired`](ReplayStep::unpaired) outputs set) and
    /// stepping stops. By default such an input is stepped anyway and the
    /// unpaired outputs stay first in line for the next output records.
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// The next record after record 0, `None` at the end of the journal.
    #[allow(
        clippy::should_implement_trait,
        reason = "lending iterator: steps borrow the replayer"
    )]
    pub fn next(&mut self) -> Result<Option<ReplayStep<'_>>, ReplayError> {
        let Self {
            dir,
            cursor,
            engine,
            queue,
            head,
            input,
            stepping,
            strict,
            ..
        } = self;
        let Some(record) = cursor.next()? else {
            return Ok(None);
        };
        *input = None;
        let mut produced = 0;
        let mut paired = None;
        if !kind::is_input(record.kind) {
            if *head < queue.len() {
                paired = Some(*head);
                *head += 1;
            }
        } else if *strict && *stepping && *head < queue.len() {
            *stepping = false;
        } else {
            let decoded = input.insert(decode(dir, &record)?);
            if *stepping {
                produced = step(engine, queue, head, record.time_ns, decoded);
            }
        }
        Ok(Some(ReplayStep {
            record,
            input: input.as_ref(),
            outputs: &queue[queue.len() - produced..],
            paired: paired.map(|i| &queue[i]),
            pending: &queue[*head..],
            engine,
        }))
    }

    /// Stops stepping: later input records are still decoded and yielded,
    /// and output records still paired with what is pending, but the engine
    /// stays as it is now (an audit reads on past its decision).
    pub fn stop_stepping(&mut self) {
        self.stepping = false;
    }

    /// Whether input records are still stepped.
    pub fn is_stepping(&self) -> bool {
        self.stepping
    }

    /// Reads the rest of the journal without decoding or stepping it,
    /// checking its chain, so [`head_hash`](Self::head_hash) covers the
    /// whole journal.
    pub fn skip_to_end(&mut self) -> Result<(), ReplayError> {
        while self.cursor.next()?.is_some() {}
        Ok(())
    }

    /// The head hash over every record, once the end of the journal was
    /// reached; `None` before.
    pub fn head_hash(&self) -> Option<Hash> {
        self.cursor.head_hash()
    }

    /// Fails with [`ReplayError::ModelsUnavailable`] if any model swap
    /// replayed so far could not be built.
    pub fn check_models(&self) -> Result<(), ReplayError> {
        let errors = self.registry.errors();
        if errors.is_empty() {
            return Ok(());
        }
        Err(ReplayError::ModelsUnavailable {
            journal: self.dir.clone(),
            errors,
        })
    }

    /// The journal directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The session-start record, decoded.
    pub fn session(&self) -> &SessionStart {
        &self.session
    }

    /// Record 0 as journaled (its payload and time identify the session).
    pub fn first_record(&self) -> &Record {
        &self.first
    }

    /// The engine's model factory.
    pub fn registry(&self) -> &Arc<ModelRegistry> {
        &self.registry
    }

    /// The engine, after the last record yielded.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Outputs the engine produced that no journaled output paired with
    /// (after the last record: those the journal lacks).
    pub fn pending(&self) -> &[Output] {
        &self.queue[self.head..]
    }

    /// The engine, to go on stepping it (a resumed live session).
    pub fn into_engine(self) -> Engine {
        self.engine
    }
}

/// Steps `input` and queues its outputs after the unpaired ones; returns
/// how many it produced.
fn step(
    engine: &mut Engine,
    queue: &mut Vec<Output>,
    head: &mut usize,
    time_ns: i64,
    input: &Input,
) -> usize {
    if *head == queue.len() {
        queue.clear();
    } else {
        queue.drain(..*head);
    }
    *head = 0;
    let before = queue.len();
    engine.step(time_ns, input, queue);
    queue.len() - before
}

fn decode(dir: &Path, record: &RecordRef<'_>) -> Result<Input, ReplayError> {
    Input::decode(record.kind, record.version, record.payload).map_err(|source| {
        ReplayError::Decode {
            journal: dir.to_path_buf(),
            seq: record.seq,
            source,
        }
    })
}
