//! The replayer on its own: on a backtest's journal it pairs every
//! journaled output with an identical engine output and ends with the
//! run's engine; record 0 must be a session start; a journal that lacks
//! outputs the engine produced shows them as unpaired at the next input.

use std::path::Path;
use std::sync::Arc;

use axon_adapters::sim::FillModel;
use axon_data::write_bars;
use axon_engine::config::Sizing;
use axon_engine::event::{EVENT_VERSION, kind};
use axon_engine::market::Tick;
use axon_engine::{Input, Output};
use axon_inference::ModelRegistry;
use axon_journal::{Journal, JournalOptions, JournalReader};
use axon_replay::{BacktestReport, ReplayError, Replayer, run_backtest};

mod common;
use common::{bars, plan};

/// A zig-zag of 400 bars for two symbols: enough crosses to trade.
fn steps() -> Vec<i16> {
    (0..400).map(|i| (i * 37 % 61) as i16 - 30).collect()
}

/// A backtest's journal in `dir/run`.
fn backtest(dir: &Path) -> BacktestReport {
    let (batch, symbols) = bars(&steps());
    let data = dir.join("bars.parquet");
    write_bars(&data, &batch, &symbols).unwrap();
    let report = run_backtest(
        &plan(
            &data,
            &dir.join("run"),
            3,
            8,
            Sizing::AllIn,
            FillModel::NextOpen,
        ),
        &mut |_, _| {},
    )
    .unwrap();
    assert!(report.summary.trades > 0, "the test needs trades");
    report
}

#[test]
fn reproduces_a_backtest_and_its_engine() {
    let dir = tempfile::tempdir().unwrap();
    let report = backtest(dir.path());
    let journal = dir.path().join("run");
    let reader = JournalReader::open(&journal).unwrap();
    let registry = Arc::new(ModelRegistry::new(reader.artifacts()));
    let mut replayer = Replayer::with_registry(&reader, registry.clone()).unwrap();
    assert!(Arc::ptr_eq(replayer.registry(), &registry));
    assert_eq!(replayer.dir(), journal);
    let planned = plan(&journal, &journal, 3, 8, Sizing::AllIn, FillModel::NextOpen).session;
    assert_eq!(replayer.session().seed, planned.seed);
    assert_eq!(replayer.session().config.strategy, planned.engine.strategy);
    let first = replayer.first_record();
    assert_eq!((first.seq, first.kind), (0, kind::SESSION_START));
    assert_eq!(first.payload, {
        let mut bytes = Vec::new();
        Input::SessionStart(Box::new(replayer.session().clone())).encode(&mut bytes);
        bytes
    });

    let (mut records, mut produced, mut paired, mut scratch) = (1u64, 0usize, 0usize, Vec::new());
    while let Some(step) = replayer.next().unwrap() {
        assert_eq!(step.record.seq, records);
        records += 1;
        if step.is_input() {
            let input = step.input.expect("an input record is decoded");
            assert_eq!(input.kind(), step.record.kind);
            assert!(step.unpaired().is_empty(), "seq {}", step.record.seq);
            assert_eq!(step.pending, step.outputs);
            produced += step.outputs.len();
            continue;
        }
        assert!(step.input.is_none() && step.outputs.is_empty());
        let want = step
            .paired
            .expect("every journaled output has its engine output");
        scratch.clear();
        want.encode(&mut scratch);
        assert_eq!(
            (want.kind(), EVENT_VERSION, scratch.as_slice()),
            (step.record.kind, step.record.version, step.record.payload),
            "seq {}",
            step.record.seq
        );
        paired += 1;
    }
    assert_eq!(records, report.events);
    assert_eq!(produced, paired);
    assert!(replayer.pending().is_empty());
    assert_eq!(
        replayer.head_hash().map(hex),
        Some(report.head_hash.clone())
    );
    replayer.check_models().unwrap();
    let engine = replayer.into_engine();
    // Debug, not ==: statistics may be NaN.
    assert_eq!(
        format!("{:?}", engine.summary()),
        format!("{:?}", report.summary)
    );
    assert_eq!(engine.portfolio().trades(), report.trades.as_slice());
}

#[test]
fn stopped_stepping_leaves_the_engine_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    backtest(dir.path());
    let mut replayer = Replayer::open(dir.path().join("run")).unwrap();
    for _ in 0..200 {
        replayer.next().unwrap().expect("more than 200 records");
    }
    replayer.stop_stepping();
    assert!(!replayer.is_stepping());
    let before = format!("{:?}", replayer.engine().summary());
    while let Some(step) = replayer.next().unwrap() {
        assert!(step.outputs.is_empty());
        assert_eq!(
            step.input.is_some(),
            step.is_input(),
            "inputs are still decoded"
        );
    }
    assert_eq!(format!("{:?}", replayer.engine().summary()), before);
    assert!(replayer.head_hash().is_some());
}

#[test]
fn record_zero_must_start_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("ticks-first");
    let mut out = Journal::create(&journal, JournalOptions::default()).unwrap();
    let tick = Input::Tick(Tick {
        instrument: 0,
        bid: 99.0,
        ask: 101.0,
        bid_size: 1.0,
        ask_size: 1.0,
        last: 100.0,
        volume: 1.0,
    });
    let mut payload = Vec::new();
    tick.encode(&mut payload);
    out.append(5, kind::TICK, EVENT_VERSION, &payload).unwrap();
    out.close().unwrap();

    let err = Replayer::open(&journal).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(&err, ReplayError::NotSessionStart { journal: j, seq: 0, kind: k } if *j == journal && *k == kind::TICK),
        "{err:?}"
    );
    assert!(
        message.contains(&journal.display().to_string()),
        "{message}"
    );
    assert!(
        message.contains("record 0 is Tick, expected SessionStart"),
        "{message}"
    );

    let empty = dir.path().join("empty");
    Journal::create(&empty, JournalOptions::default())
        .unwrap()
        .close()
        .unwrap();
    let err = Replayer::open(&empty).unwrap_err();
    assert!(
        matches!(&err, ReplayError::EmptyJournal { journal } if *journal == empty),
        "{err:?}"
    );
    assert!(err.to_string().ends_with("the journal is empty"), "{err}");
}

/// Copies `from` to `to` without the outputs journaled after the first
/// decision's input; returns how many were left out and the seq (in `to`)
/// of the input after them.
fn drop_first_decision_outputs(from: &Path, to: &Path) -> (usize, u64) {
    let reader = JournalReader::open(from).unwrap();
    let mut cursor = reader.cursor(0, true).unwrap();
    let mut out = Journal::create(to, JournalOptions::default()).unwrap();
    let (mut dropping, mut dropped, mut next_input) = (false, 0, None);
    while let Some(r) = cursor.next().unwrap() {
        if kind::is_input(r.kind) {
            if dropping && next_input.is_none() {
                next_input = Some(out.next_seq());
            }
            dropping = false;
        } else if r.kind == kind::DECISION && dropped == 0 {
            dropping = true;
        }
        if dropping {
            dropped += 1;
            continue;
        }
        out.append(r.time_ns, r.kind, r.version, r.payload).unwrap();
    }
    out.close().unwrap();
    (
        dropped,
        next_input.expect("an input after the first decision"),
    )
}

#[test]
fn outputs_the_journal_lacks_are_unpaired_at_the_next_input() {
    let dir = tempfile::tempdir().unwrap();
    backtest(dir.path());
    let cut = dir.path().join("cut");
    let (dropped, at) = drop_first_decision_outputs(&dir.path().join("run"), &cut);

    // Strict: that input is yielded as read and stepping stops.
    let mut strict = Replayer::open(&cut).unwrap().strict();
    loop {
        let step = strict.next().unwrap().expect("the replay reaches the cut");
        if step.record.seq < at {
            assert!(step.unpaired().is_empty());
            continue;
        }
        assert!(step.is_input() && step.input.is_none() && step.outputs.is_empty());
        assert_eq!(step.unpaired().len(), dropped);
        assert!(matches!(step.unpaired()[0], Output::Decision(_)));
        break;
    }
    assert!(!strict.is_stepping());

    // Lenient: the input is stepped anyway; the unpaired outputs stay
    // first in line.
    let mut lenient = Replayer::open(&cut).unwrap();
    loop {
        let step = lenient.next().unwrap().expect("the replay reaches the cut");
        if step.record.seq < at {
            continue;
        }
        assert!(step.input.is_some());
        assert_eq!(step.unpaired().len(), dropped);
        assert!(matches!(step.pending[0], Output::Decision(_)));
        assert_eq!(step.pending.len(), dropped + step.outputs.len());
        break;
    }
    assert!(lenient.is_stepping());
}

fn hex(h: [u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
