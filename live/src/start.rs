//! Opening a live session's journal: a new one (session start,
//! instruments, model slots), or, after a stop or a crash, the same one
//! resumed: recovered, the engine rebuilt by replaying its inputs, the
//! session's tag and orders read back, so order ids continue where they
//! stopped and no order is ever sent twice.

use std::sync::Arc;

use axon_adapters::exchange::client_id::session_tag;
use axon_adapters::exchange::venue::now_ns;
use axon_engine::event::{InstrumentDef, Reconcile, SessionStart};
use axon_engine::{Input, Output, Sequencer};
use axon_inference::{ModelRegistry, swap_record};
use axon_journal::{Journal, JournalOptions, JournalReader};
use axon_metrics::MetricsCollector;
use axon_replay::{InferenceMetrics, Replayer};

use axon_config::{LivePlan, Mode};

use crate::error::LiveError;
use crate::orders::Tracker;

/// A journal ready for the session loop.
pub struct Opened {
    pub seq: Sequencer<Journal>,
    pub tag: String,
    pub tracker: Tracker,
    pub last_time: i64,
    /// The venue's state when the session first started (resumed sessions).
    pub first_reconcile: Option<Reconcile>,
    pub resumed: bool,
    /// The engine's model factory (hot reload stages models in it).
    pub registry: Arc<ModelRegistry>,
}

fn journal_options(plan: &LivePlan, collector: &Option<MetricsCollector>) -> JournalOptions {
    let mut opts = plan.session.journal.clone();
    if let Some(m) = collector {
        let m = m.clone();
        opts.on_sync = Some(Arc::new(move |d| m.record_fsync(d.as_secs_f64())));
    }
    opts
}

fn registry(journal: &Journal, collector: &Option<MetricsCollector>) -> Arc<ModelRegistry> {
    let registry = Arc::new(ModelRegistry::new(journal.artifacts().clone()));
    if let Some(m) = collector {
        registry.set_observer(Arc::new(InferenceMetrics(m.clone())));
    }
    registry
}

/// The session tag: the session-start record's payload and time, so
/// client order ids differ between sessions and a replay derives them.
fn tag_of(payload: &[u8], time_ns: i64) -> String {
    let mut bytes = payload.to_vec();
    bytes.extend_from_slice(&time_ns.to_le_bytes());
    session_tag(&bytes)
}

/// A new journal: session start, instruments, model slots.
pub fn new(plan: &LivePlan, collector: &Option<MetricsCollector>) -> Result<Opened, LiveError> {
    let journal = Journal::create(&plan.session.journal_dir, journal_options(plan, collector))?;
    axon_replay::write_config_source(&plan.session.journal_dir, &plan.session.config_source)?;
    let registry = registry(&journal, collector);
    plan.session.store_sources(journal.artifacts())?;
    let engine = plan.session.engine(Box::new(registry.clone()))?;
    let start = Input::SessionStart(Box::new(SessionStart {
        config: plan.session.engine.clone(),
        config_text: plan.session.config_text.clone(),
        data: Vec::new(),
        seed: plan.session.seed,
        engine_version: env!("CARGO_PKG_VERSION").to_string(),
    }));
    let t0 = now_ns();
    let mut payload = Vec::new();
    start.encode(&mut payload);
    let tag = tag_of(&payload, t0);
    let mut seq = Sequencer::new(engine, journal);
    seq.submit(t0, &start)?;
    for (id, symbol) in plan.exchange.symbols.iter().enumerate() {
        let def = InstrumentDef {
            id: id as u32,
            symbol: symbol.clone(),
        };
        seq.submit(t0, &Input::Instrument(def))?;
    }
    let mut versions = std::collections::BTreeMap::new();
    for m in &plan.session.models {
        let sha = seq.log().artifacts().put(&m.bytes)?;
        let version = versions
            .entry(m.slot)
            .and_modify(|v| *v += 1)
            .or_insert(1u32);
        seq.submit(
            t0,
            &Input::ModelSwap(swap_record(m.slot, *version, sha, &m.config)),
        )?;
    }
    if !registry.errors().is_empty() {
        return Err(LiveError::Models(registry.errors().join("; ")));
    }
    Ok(Opened {
        seq,
        tracker: Tracker::new(tag.clone()),
        tag,
        last_time: t0,
        first_reconcile: None,
        resumed: false,
        registry,
    })
}

/// The journal of an earlier run of this session, recovered and replayed.
pub fn resume(plan: &LivePlan, collector: &Option<MetricsCollector>) -> Result<Opened, LiveError> {
    let dir = &plan.session.journal_dir;
    if plan.mode == Mode::Paper {
        return Err(LiveError::PaperResume { dir: dir.clone() });
    }
    let (journal, recovery) = Journal::open(dir, journal_options(plan, collector))?;
    if let Some(torn) = &recovery.truncated {
        tracing::warn!(
            ?torn,
            "resuming after a crash: the unacknowledged torn tail was cut"
        );
    }
    let bad = |reason: String| LiveError::Resume {
        dir: dir.clone(),
        reason,
    };
    let registry = registry(&journal, collector);
    let reader = JournalReader::open(dir)?;
    let mut replay =
        Replayer::with_factories(&reader, registry.clone(), &*plan.session.strategies)?;
    if replay.session().config != plan.session.engine {
        return Err(bad(
            "it was started with a different engine configuration (strategy, sizing, risk, ensemble); resume with the same file or start a new journal".into(),
        ));
    }
    let first = replay.first_record();
    let tag = tag_of(&first.payload, first.time_ns);
    let mut last_time = first.time_ns;
    let mut tracker = Tracker::new(tag.clone());
    let mut first_reconcile = None;
    while let Some(step) = replay.next()? {
        last_time = step.record.time_ns;
        let Some(input) = step.input else {
            continue;
        };
        for o in step.outputs {
            if let Output::OrderSubmitted(s) = o {
                tracker.submitted(s.order.client_id, s.order.instrument, s.order.side);
            }
        }
        tracker.replayed(input);
        if let Input::Reconcile(r) = input
            && first_reconcile.is_none()
        {
            first_reconcile = Some(r.clone());
        }
    }
    if !registry.errors().is_empty() {
        return Err(bad(format!(
            "models failed to load: {}",
            registry.errors().join("; ")
        )));
    }
    let engine = replay.into_engine();
    tracing::info!(
        records = journal.next_seq(),
        open_orders = tracker.open().count(),
        "resumed the session"
    );
    Ok(Opened {
        seq: Sequencer::new(engine, journal),
        tag,
        tracker,
        last_time,
        first_reconcile,
        resumed: true,
        registry,
    })
}
