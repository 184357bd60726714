//! A live session under simulated load, and where its time goes.
//!
//! Starts the mock exchange in load mode (market data at a set rate over
//! many pairs, order acks and fills on the user stream), runs an `axon
//! live` session against it in binance testnet mode trading the SMA
//! crossover on every pair, and prints what the session measured: for each
//! tick, the time from the socket read to the session loop taking it, to
//! the input journaled, to the engine's decision, and for each order to
//! the request handed to the venue adapter and to the venue's answer; then
//! what the mock published, sent and dropped. The journal replays at the
//! end.
//!
//! `cargo run --release --example load_test -- [RATE] [PAIRS] [SECONDS]`
//! (default 50000 events/s over 20 pairs for 10 s). `scripts/loadtest.sh`
//! runs the full test: separate processes, CPU and memory over time.

use std::time::Duration;

use axon_config::Config;
use axon_mockex::{Load, MockConfig, MockExchange, MockSymbol};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |i: usize, default: u64| -> Result<u64, String> {
        std::env::args().nth(i).map_or(Ok(default), |a| {
            a.parse()
                .map_err(|_| format!("argument {i}: {a:?} is not a number"))
        })
    };
    let (rate, pairs, secs) = (arg(1, 50_000)?, arg(2, 20)?, arg(3, 10)?);
    if pairs == 0 || pairs > 100 || rate == 0 || secs == 0 {
        return Err("expected RATE > 0, 1..=100 PAIRS and SECONDS > 0".into());
    }
    let symbols: Vec<MockSymbol> = (0..pairs)
        .map(|i| MockSymbol {
            step_size: 0.001,
            ..MockSymbol::new(&format!("C{i:02}"), "USDT", 100.0 + i as f64)
        })
        .collect();
    let mut balances = vec![("USDT".to_string(), 1e9)];
    balances.extend(symbols.iter().map(|s| (s.base.clone(), 1e6)));
    let names: Vec<String> = symbols
        .iter()
        .map(|s| format!("\"{}\"", s.binance_name()))
        .collect();
    let mock = MockExchange::start(MockConfig {
        symbols,
        balances,
        order_limit_10s: 1000,
        load: Some(Load {
            rate,
            duration: None,
        }),
        ..MockConfig::default()
    })?;

    let dir = tempfile::tempdir()?;
    let text = format!(
        "[session]\ncash = 1000000.0\n\
         [strategy]\nkind = \"sma_cross\"\nfast = 200\nslow = 800\n\
         [execution]\nsizing = \"fixed\"\nunits = 0.1\n\
         [risk]\nmax_position = 1.0\nmax_open_orders = 100\n\
         [journal]\npath = \"journal\"\ndurability = \"group\"\n\
         [exchange]\nvenue = \"binance\"\nmode = \"testnet\"\nsymbols = [{}]\n\
         rest_url = \"{}\"\nws_url = \"{}\"\napi_key = \"mock-key\"\napi_secret = \"mock-secret\"\n\
         [exchange.rate_limit]\nrequests_per_second = 1000\norders_per_minute = 6000\n",
        names.join(", "),
        mock.rest_url(),
        mock.ws_url()
    );
    let plan = Config::parse(text, &dir.path().join("live.toml"))?.live_plan()?;
    let journal = plan.session.journal_dir.clone();
    println!("{rate} events/s over {pairs} pairs for {secs} s ...");
    // The runtime `axon live` uses: one thread for the session loop and its
    // sockets, so each tick is taken as soon as it is read.
    let report = axon_live::run_blocking(plan, Some(Duration::from_secs(secs)), None)?;

    println!(
        "session: {} ticks ({:.0}/s), {} orders, {} fills, {} records",
        report.ticks,
        report.ticks as f64 / report.elapsed_secs,
        report.orders,
        report.fills,
        report.records
    );
    if let Some(latency) = &report.latency {
        println!("from the socket read, µs:    p50     p99   p99.9     max   count");
        for s in &latency.stages {
            println!(
                "  {:<14} {:>12.1} {:>7.1} {:>7.1} {:>7.0} {:>7}",
                s.stage, s.p50_us, s.p99_us, s.p999_us, s.max_us, s.count
            );
        }
        println!(
            "event queue: at most {} of {}",
            latency.queue_max, latency.queue_capacity
        );
    }
    let md = mock.md_stats();
    println!(
        "mock: {} events published, {} sent, {} dropped (a client too slow to read)",
        md.published, md.sent, md.dropped
    );
    let replay = axon_replay::verify_replay(&journal, &mut |_, _| {})?;
    println!(
        "replay: {}",
        match replay.mismatch {
            None => "every output reproduced bit for bit",
            Some(_) => "DIFFERS",
        }
    );
    Ok(())
}
