//! Determinism: same inputs, same journal (same head hash); replay --verify
//! reproduces every output; one changed input value changes the head hash and
//! the diff names that record; a tampered output is caught by replay.

use std::path::Path;

use axon_adapters::sim::FillModel;
use axon_data::{SymbolTable, TickBatch, write_bars, write_ticks};
use axon_engine::config::Sizing;
use axon_engine::event::{EVENT_VERSION, Output, kind};
use axon_engine::{Engine, Input, Sequencer};
use axon_journal::{Journal, JournalOptions, JournalReader};
use axon_replay::{BacktestPlan, BacktestReport, diff_journals, run_backtest, verify_replay};
use proptest::prelude::*;

mod common;
use common::{bars, plan};

fn run(plan: &BacktestPlan) -> BacktestReport {
    run_backtest(plan, &mut |_, _| {}).expect("backtest")
}

fn ticks(steps: &[i16]) -> (TickBatch, SymbolTable) {
    let mut symbols = SymbolTable::default();
    let id = symbols.intern("TCK");
    let mut t = TickBatch::default();
    let mut mid = 100.0f64;
    for (i, s) in steps.iter().enumerate() {
        mid = (mid * (1.0 + f64::from(*s) / 5000.0)).max(1.0);
        t.ts.push(1_700_000_000_000_000_000 + i as i64 * 100_000_000);
        t.symbol.push(id);
        t.bid.push(mid - 0.01);
        t.ask.push(mid + 0.01);
        t.bid_size.push(5.0);
        t.ask_size.push(7.0);
        t.last.push(mid);
        t.volume.push(1.0);
    }
    (t, symbols)
}

fn first_market_divergence(left: &Path, right: &Path) -> (u64, String) {
    let d = diff_journals(left, right).expect("diff");
    assert!(!d.identical, "journals should differ");
    let first = d.first.expect("a divergence");
    (first.seq, first.left.expect("left record").kind)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn bar_backtests_are_deterministic_and_replay_exactly(
        steps in proptest::collection::vec(-40i16..40, 60..240),
        fast in 2usize..6,
        extra in 1usize..10,
        sizing in prop_oneof![Just(Sizing::AllIn), Just(Sizing::Fixed(3.0)), Just(Sizing::Fraction(0.5))],
        change_at in any::<prop::sample::Index>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (batch, symbols) = bars(&steps);
        let data = dir.path().join("bars.parquet");
        write_bars(&data, &batch, &symbols).unwrap();
        let slow = fast + extra;
        let a = run(&plan(&data, &dir.path().join("a"), fast, slow, sizing, FillModel::NextOpen));
        let b = run(&plan(&data, &dir.path().join("b"), fast, slow, sizing, FillModel::NextOpen));
        prop_assert_eq!(&a.head_hash, &b.head_hash);
        prop_assert!(diff_journals(&dir.path().join("a"), &dir.path().join("b")).unwrap().identical);
        let v = verify_replay(&dir.path().join("a"), &mut |_, _| {}).unwrap();
        prop_assert!(v.mismatch.is_none(), "replay diverged: {:?}", v.mismatch);
        prop_assert_eq!(&v.head_hash, &a.head_hash);

        // Re-sequencing the same inputs with one close changed changes the
        // head hash, and the diff's first divergence is that bar.
        let bars_in_a = count_kind(&dir.path().join("a"), kind::BAR);
        let nth = (change_at.index(bars_in_a as usize)) as u64;
        let changed_seq = resequence_with_change(&dir.path().join("a"), &dir.path().join("c"), nth);
        let c_head = JournalReader::open(dir.path().join("c")).unwrap().verify().unwrap().head_hash;
        prop_assert_ne!(a.head_hash.clone(), hex(&c_head));
        let (seq, kind_name) = first_market_divergence(&dir.path().join("a"), &dir.path().join("c"));
        prop_assert_eq!(kind_name, "Bar");
        prop_assert_eq!(seq, changed_seq);
    }

    #[test]
    fn tick_backtests_are_deterministic_and_replay_exactly(
        steps in proptest::collection::vec(-30i16..30, 200..800),
        fast in 3usize..20,
        extra in 1usize..30,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (batch, symbols) = ticks(&steps);
        let data = dir.path().join("ticks.parquet");
        write_ticks(&data, &batch, &symbols).unwrap();
        let p = |j: &str| plan(&data, &dir.path().join(j), fast, fast + extra, Sizing::AllIn, FillModel::NextTick);
        let a = run(&p("a"));
        let b = run(&p("b"));
        prop_assert_eq!(&a.head_hash, &b.head_hash);
        let v = verify_replay(&dir.path().join("a"), &mut |_, _| {}).unwrap();
        prop_assert!(v.mismatch.is_none(), "replay diverged: {:?}", v.mismatch);
    }
}

fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn count_kind(dir: &Path, k: u16) -> u64 {
    let reader = JournalReader::open(dir).unwrap();
    let mut c = reader.cursor(0, false).unwrap();
    let mut n = 0;
    while let Some(r) = c.next().unwrap() {
        n += u64::from(r.kind == k);
    }
    n
}

/// Feeds the inputs of journal `from` through a fresh engine and sequencer
/// into `to`, with the close of the `nth` bar nudged. Returns that bar's seq
/// in `to`.
fn resequence_with_change(from: &Path, to: &Path, nth: u64) -> u64 {
    let reader = JournalReader::open(from).unwrap();
    let mut cursor = reader.cursor(0, false).unwrap();
    let mut seq: Option<Sequencer<Journal>> = None;
    let mut bars_seen = 0;
    let mut changed = u64::MAX;
    while let Some(r) = cursor.next().unwrap() {
        if !kind::is_input(r.kind) {
            continue;
        }
        let mut input = Input::decode(r.kind, r.version, r.payload).unwrap();
        if let Input::Bar(b) = &mut input {
            if bars_seen == nth {
                // Always a change: the bars have high > low.
                b.close = if b.close < b.high { b.high } else { b.low };
                changed = seq.as_ref().map_or(0, |s| s.log().next_seq());
            }
            bars_seen += 1;
        }
        let s = seq.get_or_insert_with(|| {
            let Input::SessionStart(start) = &input else {
                panic!("first record must start the session")
            };
            let engine = Engine::from_session(start).unwrap();
            Sequencer::new(
                engine,
                Journal::create(to, JournalOptions::default()).unwrap(),
            )
        });
        s.submit(r.time_ns, &input).unwrap();
    }
    let (_, journal) = seq.unwrap().into_parts();
    journal.close().unwrap();
    changed
}

#[test]
fn replay_catches_a_tampered_output() {
    let dir = tempfile::tempdir().unwrap();
    let steps: Vec<i16> = (0..400).map(|i| ((i * 37 % 61) - 30) as i16).collect();
    let (batch, symbols) = bars(&steps);
    let data = dir.path().join("bars.parquet");
    write_bars(&data, &batch, &symbols).unwrap();
    let a = dir.path().join("a");
    let report = run(&plan(&data, &a, 3, 8, Sizing::AllIn, FillModel::NextOpen));
    assert!(report.summary.trades > 0, "test needs trades");

    // Copy the journal record by record, changing one decision's action: the
    // copy is a valid journal (fresh CRCs and chain), but not what the engine
    // decides.
    let tampered = dir.path().join("t");
    let mut out = Journal::create(&tampered, JournalOptions::default()).unwrap();
    let reader = JournalReader::open(&a).unwrap();
    let mut cursor = reader.cursor(0, true).unwrap();
    let mut changed_seq = None;
    while let Some(r) = cursor.next().unwrap() {
        if changed_seq.is_none() && r.kind == kind::DECISION {
            let Output::Decision(mut d) = Output::decode(r.kind, r.version, r.payload).unwrap()
            else {
                unreachable!("kind says decision")
            };
            d.score += 1e-12;
            let mut payload = Vec::new();
            Output::Decision(d).encode(&mut payload);
            out.append(r.time_ns, r.kind, EVENT_VERSION, &payload)
                .unwrap();
            changed_seq = Some(r.seq);
        } else {
            out.append(r.time_ns, r.kind, r.version, r.payload).unwrap();
        }
    }
    out.close().unwrap();
    let v = verify_replay(&tampered, &mut |_, _| {}).unwrap();
    let m = v.mismatch.expect("replay must catch the tampered decision");
    assert_eq!(Some(m.seq), changed_seq);
    assert_eq!(m.journaled.unwrap().kind, "Decision");
    let d = diff_journals(&a, &tampered).unwrap();
    assert_eq!(d.first.map(|f| f.seq), changed_seq);
    assert_eq!(d.left_counts, d.right_counts);
}
