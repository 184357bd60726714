//! A Python strategy (`[strategy] kind = "python"`) in `axon live`
//! against the loopback mock exchange, unchanged from its backtest: its
//! orders reach the venue, the session replays from the journal's copy of
//! the source, and an exception stops the session with exit 2 and a
//! journal that replays.
//!
//! Needs the project's Python environment with `axon_quant` installed
//! (`scripts/test.sh` builds it first).

mod support;

use support::live::{
    config, finish, mock, replay_verifies, session_dir, spawn_live, summary, terminate, wait_for,
};

/// Every `n`th tick: buys a sliver of equity while flat, else closes.
/// Raises at tick `fail_at` (0: never).
const EVERY_N: &str = r#"from axon_quant.backtesting import Strategy


class EveryN(Strategy):
    n = 15
    fail_at = 0

    def init(self):
        pass

    def next(self):
        ticks = len(self.data)
        if ticks == self.fail_at:
            raise RuntimeError(f"gave up at tick {ticks}")
        if ticks % self.n == 0:
            if self.position:
                self.position.close()
            else:
                self.buy(size=0.0001)
"#;

/// The mock's live config with the strategy above and its parameters.
fn python_config(mode: &str, m: &axon_mockex::MockExchange, params: &str) -> String {
    config("binance", mode, "BTCUSDT", m).replace(
        "kind = \"sma_cross\"\nfast = 3\nslow = 8\n",
        &format!(
            "kind = \"python\"\npath = \"strategy/every_n.py\"\nclass = \"EveryN\"\n\
             [strategy.params]\n{params}\n"
        ),
    )
}

fn session(config: &str) -> tempfile::TempDir {
    let dir = session_dir(config);
    let folder = dir.path().join("strategy");
    std::fs::create_dir(&folder).expect("strategy folder");
    std::fs::write(folder.join("every_n.py"), EVERY_N).expect("writing the strategy");
    dir
}

#[test]
fn a_python_strategy_trades_a_testnet_session_and_it_replays() {
    let m = mock();
    let dir = session(&python_config("testnet", &m, "n = 15"));
    let child = spawn_live(dir.path(), &[]);
    wait_for("two orders at the venue", || m.orders().len() >= 2);
    terminate(&child);
    let (code, logs) = finish(child);
    assert_eq!(code, 0, "{logs}");
    let s = summary(dir.path());
    assert!(s["orders"].as_u64().unwrap() >= 2, "{s}");
    assert!(s["fills"].as_u64().unwrap() >= 1, "{s}");
    // The replay runs the journal's copy of the strategy.
    std::fs::remove_dir_all(dir.path().join("strategy")).expect("removing the strategy");
    replay_verifies(dir.path(), &dir.path().join("journal"));
}

#[test]
fn an_exception_stops_a_paper_session_with_exit_2_and_it_replays() {
    let m = mock();
    let dir = session(&python_config("paper", &m, "n = 10\nfail_at = 35"));
    let child = spawn_live(dir.path(), &[]);
    wait_for("the market stream", || m.connections() >= 1);
    let (code, logs) = finish(child);
    assert_eq!(code, 2, "{logs}");
    for needle in [
        "strategy/every_n.py line 14",
        "RuntimeError: gave up at tick 35",
        "at seq ",
        "the journal is closed and replays",
    ] {
        assert!(logs.contains(needle), "{needle:?} not in:\n{logs}");
    }
    replay_verifies(dir.path(), &dir.path().join("journal"));
    // Its entries were sized from the equity fraction it asked for, and
    // filled.
    let records = support::axon(dir.path(), &["journal", "inspect", "journal"]).ok();
    assert!(records.stdout.contains(" Fill "), "{}", records.stdout);
}
