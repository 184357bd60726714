//! Python strategies from the CLI (`[strategy] kind = "python"`): the
//! strategy files in `tests/oracle/py_strategies/`, written against
//! `axon_quant.backtesting`, run by `axon backtest` and, unchanged, by
//! backtesting.py 0.6.5 itself (`tests/oracle/py_strategy_backtesting.py`
//! makes `axon_quant.backtesting` backtesting.py for its process), on the
//! GOOG daily CSV backtesting.py ships. Then what the journal does with
//! them: the source in its store and its identity, replays from its copy,
//! an exception's exit 2, load errors before any data is read, seeded
//! randomness.
//!
//! Compared trade for trade: entry and exit bar, entry and exit price and
//! size exactly, PnL within 1e-6. backtesting.py runs with
//! `finalize_trades=False` and leaves its last trade open, which AXON
//! closes at the last bar's close (as in `tests/oracle_builtins.rs`): that
//! trade is only counted.
//!
//! Needs the project's Python environment with `axon_quant` installed
//! (`scripts/test.sh` builds it first); fails, never skips, without it.

use std::path::{Path, PathBuf};

use serde_json::Value;

mod support;
use support::{Run, axon_env, exact, python, run_python, tempdir};

fn strategies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/py_strategies")
}

/// `axon` in `dir` with the project's Python as the strategies' interpreter.
fn axon(dir: &Path, args: &[&str]) -> Run {
    axon_env(dir, args, &[("AXON_PYTHON", &python())])
}

/// A folder with GOOG as Parquet and a copy of the test strategies under
/// `strategies/`.
fn workspace() -> tempfile::TempDir {
    let dir = tempdir();
    support::goog(dir.path());
    let to = dir.path().join("strategies");
    std::fs::create_dir(&to).expect("strategies folder");
    for entry in std::fs::read_dir(strategies()).expect("tests/oracle/py_strategies") {
        let path = entry.expect("listing").path();
        if path.extension().is_some_and(|e| e == "py") {
            std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    dir
}

/// A backtest config running `class` from `file` (under `strategies/`).
fn write_config(dir: &Path, name: &str, file: &str, class: &str, extra: &str) {
    let config = format!(
        "[session]\ncash = 10000.0\nseed = 7\n[data]\npath = \"goog.parquet\"\n\
         [strategy]\nkind = \"python\"\npath = \"strategies/{file}\"\nclass = \"{class}\"\n{extra}\n\
         [execution]\nfill = \"next_open\"\nsizing = \"all_in\"\ncommission_bps = 0.0\n\
         [journal]\npath = \"journal-{name}\"\ndurability = \"none\"\n"
    );
    std::fs::write(dir.join(format!("{name}.toml")), config).expect("writing the config");
}

/// Runs a config; returns its summary JSON.
fn backtest(dir: &Path, name: &str) -> Value {
    axon(
        dir,
        &[
            "backtest",
            "-c",
            &format!("{name}.toml"),
            "--summary-json",
            &format!("{name}.json"),
            "--trades-csv",
            &format!("{name}.csv"),
            "--quiet",
        ],
    )
    .ok();
    let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("summary");
    serde_json::from_str(&text).expect("summary JSON")
}

fn verify(dir: &Path, name: &str) {
    let run = axon(
        dir,
        &[
            "replay",
            "--journal",
            &format!("journal-{name}"),
            "--verify",
        ],
    )
    .ok();
    assert!(run.stdout.contains("replay verified"), "{}", run.stdout);
}

/// AXON's closed trades: entry bar, exit bar, entry price, exit price,
/// size, PnL.
fn axon_trades(dir: &Path, name: &str) -> Vec<[f64; 6]> {
    let text = std::fs::read_to_string(dir.join(format!("{name}.csv"))).expect("trades CSV");
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let n = |i: usize| f[i].parse::<f64>().expect("a number");
            [n(2), n(3), n(6), n(7), n(1), n(8)]
        })
        .collect()
}

fn compare_with_backtesting_py(file: &str, class: &str) {
    let dir = workspace();
    write_config(dir.path(), class, file, class, "");
    backtest(dir.path(), class);
    verify(dir.path(), class);
    let oracle = run_python(&[
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/oracle/py_strategy_backtesting.py")
            .display()
            .to_string(),
        &support::goog_csv().display().to_string(),
        &strategies().join(file).display().to_string(),
        class,
    ]);
    let oracle: Value = serde_json::from_str(&oracle).expect("oracle JSON");
    let want = oracle["trades"].as_array().expect("trades");
    let got = axon_trades(dir.path(), class);
    assert!(want.len() > 20, "{class}: too few trades to compare");
    assert_eq!(
        got.len(),
        want.len() + oracle["open_trades"].as_u64().expect("open_trades") as usize,
        "{class}: AXON's trades are backtesting.py's closed and open ones"
    );
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        let w6 = [
            w["entry_bar"].as_f64().expect("entry_bar"),
            w["exit_bar"].as_f64().expect("exit_bar"),
            exact(w, "entry_price"),
            exact(w, "exit_price"),
            exact(w, "size"),
        ];
        assert_eq!(w6, g[..5], "{class}: trade {i}: {w} vs AXON {g:?}");
        let pnl = exact(w, "pnl");
        assert!(
            (pnl - g[5]).abs() < 1e-6,
            "{class}: trade {i} PnL {pnl} vs {}",
            g[5]
        );
    }
}

#[test]
fn sma_cross_equals_backtesting_py() {
    compare_with_backtesting_py("sma.py", "SmaCross");
}

#[test]
fn limit_entries_with_stop_loss_and_take_profit_equal_backtesting_py() {
    compare_with_backtesting_py("bracket.py", "Bracket");
}

#[test]
fn stop_entries_trailing_stop_and_partial_close_equal_backtesting_py() {
    compare_with_backtesting_py("breakout.py", "Breakout");
}

/// The journal's artifacts, by SHA-256 name.
fn artifacts(dir: &Path, name: &str) -> Vec<PathBuf> {
    let store = dir.join(format!("journal-{name}/artifacts/sha256"));
    let mut v: Vec<PathBuf> = std::fs::read_dir(store)
        .expect("artifact store")
        .map(|e| e.expect("entry").path())
        .collect();
    v.sort();
    v
}

#[test]
fn the_source_is_in_the_journal_and_its_identity() {
    let dir = workspace();
    let d = dir.path();
    write_config(d, "a", "sma.py", "SmaCross", "[strategy.params]\nn1 = 5");
    let first = backtest(d, "a");
    // The bundle holds the strategy and the modules of its folder.
    let stored = artifacts(d, "a");
    assert_eq!(stored.len(), 1, "{stored:?}");
    let bundle: Value =
        serde_json::from_slice(&std::fs::read(&stored[0]).expect("bundle")).expect("bundle JSON");
    assert_eq!(bundle["entry"], "sma.py");
    for module in ["sma.py", "indicators.py", "bracket.py"] {
        assert!(bundle["files"][module].is_string(), "{module} not stored");
    }
    // The replay runs the journal's copy: the files on disk are gone.
    std::fs::remove_dir_all(d.join("strategies")).expect("removing the strategies");
    verify(d, "a");
    // Another source is another session, even where it trades the same.
    let fresh = workspace();
    let f = fresh.path();
    let helper = f.join("strategies/indicators.py");
    let text = std::fs::read_to_string(&helper).expect("indicators.py");
    std::fs::write(&helper, text + "\n# a comment\n").expect("editing");
    write_config(f, "a", "sma.py", "SmaCross", "[strategy.params]\nn1 = 5");
    let edited = backtest(f, "a");
    assert_eq!(first["trades"], edited["trades"]);
    assert_ne!(first["head_hash"], edited["head_hash"]);
    // And other parameters.
    write_config(f, "b", "sma.py", "SmaCross", "[strategy.params]\nn1 = 6");
    let other = backtest(f, "b");
    assert_ne!(other["head_hash"], edited["head_hash"]);
    // A source altered in the store is refused, never run.
    let stored = artifacts(f, "a");
    std::fs::write(&stored[0], b"{\"entry\":\"sma.py\",\"files\":{}}").expect("tampering");
    let run = axon(f, &["replay", "--journal", "journal-a", "--verify"]).expect(2);
    assert!(run.stderr.contains("hash"), "{}", run.stderr);
}

#[test]
fn an_exception_in_next_stops_the_session_with_exit_2_and_the_journal_replays() {
    let dir = workspace();
    let d = dir.path();
    std::fs::write(
        d.join("strategies/boom.py"),
        "from axon_quant.backtesting import Strategy\n\n\nclass Boom(Strategy):\n    at = 100\n\n    \
         def init(self):\n        pass\n\n    def next(self):\n        if len(self.data) == 50:\n            \
         self.buy()\n        if len(self.data) == self.at:\n            return 1 / 0\n",
    )
    .expect("writing boom.py");
    write_config(d, "boom", "boom.py", "Boom", "");
    let run = axon(d, &["backtest", "-c", "boom.toml", "--quiet"]).expect(2);
    let last = run.stderr.lines().last().unwrap_or_default();
    for needle in [
        "strategies/boom.py line 14",
        "ZeroDivisionError: division by zero",
        "at seq ",
    ] {
        assert!(last.contains(needle), "{needle:?} not in {last:?}");
    }
    // The traceback went to stderr too.
    assert!(run.stderr.contains("Traceback"), "{}", run.stderr);
    verify(d, "boom");
    // Closed cleanly: the chain checks out to its end.
    axon(d, &["journal", "verify", "journal-boom"]).ok();
}

#[test]
fn load_errors_are_exit_2_before_any_data_is_read() {
    let dir = workspace();
    let d = dir.path();
    std::fs::write(
        d.join("strategies/syntax.py"),
        "from axon_quant.backtesting import Strategy\n\nclass Broken(Strategy)\n    pass\n",
    )
    .expect("writing syntax.py");
    let cases = [
        (
            "syntax.py",
            "Broken",
            "",
            "strategies/syntax.py line 3: SyntaxError",
        ),
        (
            "sma.py",
            "Nope",
            "",
            "class Nope is missing (Strategy classes there: SmaCross)",
        ),
        (
            "sma.py",
            "SmaCross",
            "[strategy.params]\nbogus = 1",
            "key strategy.params: strategies/sma.py: strategy.params.bogus: SmaCross has no parameter bogus",
        ),
        ("missing.py", "SmaCross", "", "strategies/missing.py"),
    ];
    for (i, (file, class, extra, needle)) in cases.into_iter().enumerate() {
        let name = format!("bad{i}");
        write_config(d, &name, file, class, extra);
        // The data is not there: a load error must come first.
        let toml = d.join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&toml).expect("config");
        std::fs::write(&toml, text.replace("goog.parquet", "absent.parquet")).expect("config");
        let line =
            axon(d, &["backtest", "-c", &format!("{name}.toml"), "--quiet"]).error(2, &[needle]);
        assert!(!line.contains("absent.parquet"), "{line}");
        assert!(
            !d.join(format!("journal-{name}")).exists(),
            "{name}: a journal was started"
        );
    }
}

#[test]
fn randomness_comes_seeded_from_the_session() {
    let dir = workspace();
    let d = dir.path();
    std::fs::write(
        d.join("strategies/coin.py"),
        "from axon_quant.backtesting import Strategy\n\n\nclass Coin(Strategy):\n    def init(self):\n        \
         pass\n\n    def next(self):\n        if self.rng.random() < 0.1:\n            \
         self.position.close()\n            self.buy() if self.rng.random() < 0.5 else self.sell()\n",
    )
    .expect("writing coin.py");
    write_config(d, "c1", "coin.py", "Coin", "");
    write_config(d, "c2", "coin.py", "Coin", "");
    let (a, b) = (backtest(d, "c1"), backtest(d, "c2"));
    assert_eq!(a["head_hash"], b["head_hash"]);
    assert!(a["trades"].as_u64().expect("trades") > 20);
    verify(d, "c1");
    let toml = d.join("c2.toml");
    let text = std::fs::read_to_string(&toml).expect("config");
    std::fs::write(&toml, text.replace("seed = 7", "seed = 8")).expect("config");
    std::fs::remove_dir_all(d.join("journal-c2")).expect("removing");
    let c = backtest(d, "c2");
    assert_ne!(a["trades"], c["trades"]);
}

/// Slot 1's model fed the strategy's own features: the last four log
/// returns (in percent).
const LEARNED: &str = r#"import numpy as np
from axon_quant.backtesting import Strategy


class Learned(Strategy):
    lags = 4

    def init(self):
        pass

    def next(self):
        close = np.asarray(self.data.Close)
        if len(close) <= self.lags:
            return
        x = np.diff(np.log(close[-self.lags - 1:])) * 100
        buy, sell, _ = self.model("slot1").predict(x)
        if buy > sell and not self.position.is_long:
            self.position.close()
            self.buy()
        elif sell > buy and not self.position.is_short:
            self.position.close()
            self.sell()
"#;

#[test]
fn a_strategy_calls_a_model_through_the_engine_and_the_call_is_audited() {
    let dir = workspace();
    let d = dir.path();
    std::fs::write(d.join("strategies/learned.py"), LEARNED).expect("writing learned.py");
    let slot = format!(
        "\n[[models.slots]]\npath = \"{}\"",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/models/mlp_4.onnx")
            .display()
    );
    write_config(d, "ml", "learned.py", "Learned", "");
    let toml = d.join("ml.toml");
    let text = std::fs::read_to_string(&toml).expect("config") + &slot;
    std::fs::write(&toml, &text).expect("config");
    let summary = backtest(d, "ml");
    assert!(
        summary["trades"].as_u64().expect("trades") > 10,
        "{summary}"
    );
    verify(d, "ml");
    // Every call is a decision record: the input, its digest, the output.
    let records = axon(d, &["journal", "inspect", "journal-ml"]).ok().stdout;
    let decisions: Vec<&str> = records
        .lines()
        .filter(|l| l.contains(" Decision "))
        .collect();
    assert_eq!(
        decisions.len(),
        2148 - 4,
        "one call per bar from the fifth (index 4)"
    );
    let late = decisions[1000].split_whitespace().next().expect("seq");
    let audit = axon(d, &["audit", "--journal", "journal-ml", "--seq", late]).ok();
    for needle in [
        "reproduced       yes, bit for bit",
        "explained slot   1 (onnx",
        "top SHAP values",
    ] {
        assert!(
            audit.stdout.contains(needle),
            "{needle:?} not in\n{}",
            audit.stdout
        );
    }
    // An input of the wrong shape stops the session, naming the line.
    std::fs::write(
        d.join("strategies/learned.py"),
        LEARNED.replace("lags = 4", "lags = 3"),
    )
    .expect("editing learned.py");
    std::fs::write(&toml, text.replace("journal-ml", "journal-ml3")).expect("config");
    let run = axon(d, &["backtest", "-c", "ml.toml", "--quiet"]).expect(2);
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains("strategies/learned.py line 16") && last.contains("the model takes 4 inputs"),
        "{last}"
    );
}

/// Two instruments from one account: `self.datas` by symbol, orders per
/// symbol. Enters both legs when A's close strays from twice B's, closes
/// both when it is back.
const PAIR: &str = r#"import numpy as np
from axon_quant.backtesting import Strategy


class Pair(Strategy):
    n = 20
    entry = 1.0
    exit = 0.2

    def init(self):
        pass

    def next(self):
        a, b = self.datas["A"], self.datas["B"]
        if self.symbol != "B" or len(a) < self.n or len(a) != len(b):
            return
        spread = np.log(a.Close[-self.n:]) - np.log(b.Close[-self.n:])
        z = (spread[-1] - spread.mean()) / spread.std()
        held = self.positions["A"].size
        if held == 0 and abs(z) > self.entry:
            if z > 0:
                self.sell(size=0.4, symbol="A")
                self.buy(size=0.4, symbol="B")
            else:
                self.buy(size=0.4, symbol="A")
                self.sell(size=0.4, symbol="B")
        elif held != 0 and abs(z) < self.exit:
            self.positions["A"].close()
            self.positions["B"].close()
"#;

#[test]
fn a_strategy_trades_two_instruments_from_one_account() {
    let dir = tempdir();
    let d = dir.path();
    support::pair(d);
    std::fs::create_dir(d.join("strategies")).expect("strategies folder");
    std::fs::write(d.join("strategies/pair.py"), PAIR).expect("writing pair.py");
    write_config(d, "pair", "pair.py", "Pair", "");
    let toml = d.join("pair.toml");
    let text = std::fs::read_to_string(&toml).expect("config");
    std::fs::write(&toml, text.replace("goog.parquet", "pair.parquet")).expect("config");
    let summary = backtest(d, "pair");
    verify(d, "pair");
    let trades = axon_trades(d, "pair");
    let csv = std::fs::read_to_string(d.join("pair.csv")).expect("trades");
    let symbols: Vec<&str> = csv.lines().skip(1).map(|l| &l[..1]).collect();
    assert!(trades.len() >= 6, "{summary}");
    // Legs enter and exit together, on opposite sides.
    assert_eq!(
        symbols.iter().filter(|s| **s == "A").count() * 2,
        symbols.len()
    );
    for pair in trades.chunks(2) {
        let [a, b] = pair else {
            panic!("an odd leg: {trades:?}")
        };
        assert_eq!(
            (a[0], a[1]),
            (b[0], b[1]),
            "legs at other bars: {a:?} {b:?}"
        );
        assert!(a[4] * b[4] < 0.0, "legs on one side: {a:?} {b:?}");
    }
}
