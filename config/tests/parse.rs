//! Parsing a config file: the source is `[data]` or `[exchange]`, never
//! both or neither; sections read straight into the engine's and the
//! venue's types keep those types' defaults; errors name the file, the
//! key and the line; parsing reads nothing but the text.

use std::path::Path;

use axon_adapters::exchange::config::{RateLimitConfig, ReconnectConfig};
use axon_config::{Config, ConfigError, Source};
use axon_engine::config::{DecisionLog, KillMode, RiskLimits, StrategyConfig};

const HEAD: &str = "[session]\ncash = 1000.0\n\n[strategy]\nkind = \"sma_cross\"\nfast = 2\nslow = 5\n\n[journal]\npath = \"j\"\n";
const DATA: &str = "\n[data]\npath = \"missing.parquet\"\n";
const EXCHANGE: &str =
    "\n[exchange]\nvenue = \"binance\"\nmode = \"paper\"\nsymbols = [\"BTCUSDT\"]\n";

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text.to_owned(), Path::new("dir/c.toml"))
}

#[test]
fn the_source_is_data_or_exchange() {
    let backtest = parse(&format!("{HEAD}{DATA}")).expect("a backtest file parses");
    assert!(matches!(backtest.file.source, Source::Data(_)));
    let live = parse(&format!("{HEAD}{EXCHANGE}")).expect("a live file parses");
    assert!(matches!(live.file.source, Source::Exchange(_)));

    let both = parse(&format!("{HEAD}{DATA}{EXCHANGE}")).unwrap_err();
    assert!(matches!(&both, ConfigError::Key { key, .. } if key == "data"));
    assert!(both.to_string().contains("not both"), "{both}");
    let neither = parse(HEAD).unwrap_err();
    assert!(
        neither
            .to_string()
            .starts_with("dir/c.toml: key data: required"),
        "{neither}"
    );
}

#[test]
fn a_backtest_file_does_not_plan_a_live_session_and_back() {
    let backtest = parse(&format!("{HEAD}{DATA}")).expect("parses");
    let e = backtest.live_plan().unwrap_err();
    assert!(e.to_string().contains("key exchange"), "{e}");
    let live = parse(&format!("{HEAD}{EXCHANGE}")).expect("parses");
    let e = live.backtest_plan().unwrap_err();
    assert!(e.to_string().contains("key data"), "{e}");
}

#[test]
fn risk_reads_into_the_engine_limits_with_their_defaults() {
    let c = parse(&format!(
        "{HEAD}{DATA}\n[risk]\nmax_position = 3.0\nkill_switch = \"halted\"\n\n[execution]\ndecisions = \"all\"\n"
    ))
    .expect("parses");
    assert_eq!(
        c.file.risk,
        RiskLimits {
            max_position: Some(3.0),
            kill_mode: KillMode::Halted,
            ..RiskLimits::default()
        }
    );
    assert_eq!(c.file.execution.decisions, DecisionLog::All);
    let none = parse(&format!("{HEAD}{DATA}")).expect("parses");
    assert_eq!(none.file.risk, RiskLimits::default());

    let e = parse(&format!("{HEAD}{DATA}\n[risk]\nkill_mode = \"halted\"\n")).unwrap_err();
    assert!(
        matches!(&e, ConfigError::Parse { key, .. } if key == "risk.kill_mode"),
        "{e}"
    );
}

#[test]
fn venue_limits_left_out_keep_the_adapter_defaults() {
    let c = parse(&format!(
        "{HEAD}{EXCHANGE}\n[exchange.rate_limit]\norders_per_minute = 5\n"
    ))
    .expect("parses");
    let Source::Exchange(ex) = &c.file.source else {
        panic!("a live file");
    };
    assert_eq!(
        ex.rate_limit,
        RateLimitConfig {
            orders_per_minute: 5,
            ..RateLimitConfig::default()
        }
    );
    assert_eq!(ex.reconnect, ReconnectConfig::default());
}

#[test]
fn errors_name_the_key_and_the_line() {
    let e = parse(&HEAD.replace("cash = 1000.0", "cash = \"lots\"")).unwrap_err();
    let text = e.to_string();
    for needle in ["dir/c.toml", "session.cash", "line 2"] {
        assert!(text.contains(needle), "{needle} missing from {text}");
    }
    let e = parse("[session\n").unwrap_err();
    assert!(
        matches!(e, ConfigError::Syntax { line: Some(1), .. }),
        "{e}"
    );
}

#[test]
fn relative_paths_resolve_against_the_file_folder() {
    let c = parse(&format!("{HEAD}{DATA}")).expect("parses");
    assert_eq!(
        c.resolve(Path::new("m.onnx")),
        Path::new("dir").join("m.onnx")
    );
    assert_eq!(
        c.resolve(Path::new("/abs/m.onnx")),
        Path::new("/abs/m.onnx")
    );
}

#[test]
fn each_strategy_kind_reads_its_own_keys() {
    let with = |strategy: &str| {
        let text = format!("{HEAD}{DATA}").replace(
            "kind = \"sma_cross\"\nfast = 2\nslow = 5\n",
            &format!("{strategy}\n"),
        );
        parse(&text).expect("parses").strategy_config()
    };
    let ok = |strategy: &str| with(strategy).expect("a valid [strategy]");
    assert_eq!(
        ok("kind = \"donchian\"\nn = 20\nexit_n = 10"),
        StrategyConfig::Donchian {
            n: 20,
            exit_n: 10,
            short: false,
            bars: vec![]
        }
    );
    assert_eq!(
        ok("kind = \"bollinger\"\nn = 20\nk = 2.0\nk_stop = 1.5\nshort = true"),
        StrategyConfig::Bollinger {
            n: 20,
            k: 2.0,
            k_stop: 1.5,
            short: true,
            bars: vec![]
        }
    );
    assert_eq!(
        ok("kind = \"pairs\"\nlegs = [\"X\", \"Y\"]\nn = 10\nentry_z = 2.0\nexit_z = 0.5"),
        StrategyConfig::Pairs {
            legs: ["X".into(), "Y".into()],
            n: 10,
            entry_z: 2.0,
            exit_z: 0.5,
            fraction: 0.5
        }
    );
    assert_eq!(
        ok("kind = \"donchian\"\nn = 20\nexit_n = 10\nbars = [\"1m\", \"500ticks\"]"),
        StrategyConfig::Donchian {
            n: 20,
            exit_n: 10,
            short: false,
            bars: vec!["1m".parse().unwrap(), "500ticks".parse().unwrap()]
        }
    );
    assert_eq!(
        ok("kind = \"sma_cross\"\nfast = 2\nslow = 5"),
        StrategyConfig::SmaCross { fast: 2, slow: 5 }
    );
    for (strategy, key) in [
        ("kind = \"bollinger\"\nn = 20\nk = 2.0", "strategy.k_stop"),
        ("kind = \"sma_cross\"\nfast = 5\nslow = 5", "strategy.fast"),
        (
            "kind = \"donchian\"\nn = 20\nexit_n = 10\nk = 1.0",
            "strategy.k",
        ),
        // A Python strategy's keys are checked before its file is read.
        (
            "kind = \"python\"\npath = \"s.py\"\nclass = \"S\"\nn = 3",
            "strategy.n",
        ),
        ("kind = \"python\"\nclass = \"S\"", "strategy.path"),
        (
            "kind = \"python\"\npath = \"s.py\"\nclass = \"S\"\nlookback = 1",
            "strategy.lookback",
        ),
        (
            "kind = \"python\"\npath = \"s.py\"\nclass = \"not a name\"",
            "strategy.class",
        ),
        (
            "kind = \"python\"\npath = \"absent.py\"\nclass = \"S\"",
            "strategy.path",
        ),
    ] {
        let e = with(strategy).unwrap_err();
        assert!(
            matches!(&e, ConfigError::Key { key: k, .. } if k == key),
            "{strategy}: {e}"
        );
    }
}
