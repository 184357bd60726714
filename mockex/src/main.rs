//! `axon-mockex`: runs the mock exchange on loopback until Ctrl-C (or
//! SIGTERM). With `--rate` it is in load mode: market data at that many
//! events a second over `--symbols` pairs, for the load test.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use axon_mockex::{Load, MockConfig, MockExchange, MockSymbol};
use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "axon-mockex",
    about = "A mock Binance/OKX exchange on 127.0.0.1"
)]
struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed of the price walks.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Pairs to list: 1 is BTCUSDT; more are C00USDT, C01USDT, ...
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1000))]
    symbols: u16,
    /// Load mode: market data events per second over all pairs.
    #[arg(long)]
    rate: Option<u64>,
    /// Load mode: seconds of load from the first connection (default: until stopped).
    #[arg(long, requires = "rate")]
    duration: Option<f64>,
    /// API key the venues accept.
    #[arg(long, default_value = "mock-key")]
    key: String,
    /// HMAC secret of both venues.
    #[arg(long, default_value = "mock-secret")]
    secret: String,
    /// The Binance order limit per 10 s it publishes (clients pace to it).
    #[arg(long, default_value_t = 100)]
    order_limit_10s: u64,
    /// Writes the market data counters here as JSON when stopped.
    #[arg(long)]
    stats_json: Option<PathBuf>,
}

fn config(args: &Args) -> Result<MockConfig, String> {
    let mut cfg = MockConfig {
        seed: args.seed,
        api_key: args.key.clone(),
        api_secret: args.secret.clone(),
        order_limit_10s: args.order_limit_10s,
        ..MockConfig::default()
    };
    if args.symbols > 1 {
        cfg.symbols = (0..args.symbols)
            .map(|i| MockSymbol {
                step_size: 0.001,
                ..MockSymbol::new(&format!("C{i:02}"), "USDT", 100.0 + f64::from(i))
            })
            .collect();
        cfg.balances = vec![("USDT".into(), 1e9)];
        cfg.balances
            .extend(cfg.symbols.iter().map(|s| (s.base.clone(), 1e6)));
    }
    if let Some(rate) = args.rate {
        let duration = match args.duration {
            Some(d) if d.is_finite() && d > 0.0 => Some(Duration::from_secs_f64(d)),
            Some(d) => return Err(format!("--duration {d}: expected seconds > 0")),
            None => None,
        };
        cfg.load = Some(Load { rate, duration });
    }
    Ok(cfg)
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let cfg = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("axon-mockex: {e}");
            return ExitCode::from(2);
        }
    };
    let mock = match MockExchange::start_on(cfg, args.port) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("axon-mockex: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("REST      {}", mock.rest_url());
    println!("websocket {}", mock.ws_url());
    println!("key {}, passphrase mock-pass; Ctrl-C stops", args.key);
    let waited = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|rt| rt.block_on(stopped()));
    if let Err(e) = waited {
        eprintln!("axon-mockex: waiting for a stop signal failed: {e}");
    }
    let stats = mock.md_stats();
    mock.shutdown();
    let json = serde_json::to_string_pretty(&stats).unwrap_or_default();
    println!("{json}");
    if let Some(path) = &args.stats_json
        && let Err(e) = std::fs::write(path, json)
    {
        eprintln!("axon-mockex: {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Ctrl-C or SIGTERM.
async fn stopped() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}
