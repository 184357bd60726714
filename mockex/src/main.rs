//! `axon-mockex --port 18080 [--seed N]`: runs the mock exchange until Ctrl-C.

use std::process::ExitCode;

use axon_mockex::{MockConfig, MockExchange};

const USAGE: &str = "usage: axon-mockex [--port PORT] [--seed N]";

fn main() -> ExitCode {
    let mut cfg = MockConfig::default();
    let mut port = 0u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        let parsed = match arg.as_str() {
            "--port" => value.and_then(|v| v.parse().ok()).map(|p| port = p),
            "--seed" => value.and_then(|v| v.parse().ok()).map(|s| cfg.seed = s),
            _ => None,
        };
        if parsed.is_none() {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    let mock = match MockExchange::start_on(cfg, port) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("axon-mockex: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("REST      {}", mock.rest_url());
    println!("websocket {}", mock.ws_url());
    println!("key mock-key, secret mock-secret, passphrase mock-pass; Ctrl-C stops");
    let waited = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|rt| rt.block_on(tokio::signal::ctrl_c()));
    if let Err(e) = waited {
        eprintln!("axon-mockex: waiting for Ctrl-C failed: {e}");
    }
    mock.shutdown();
    ExitCode::SUCCESS
}
