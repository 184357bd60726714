//! Operator control of a running live session, as `axon ctl` does it.
//!
//! Starts the mock exchange on loopback, runs a paper session against it
//! (no credentials), and steers it over the control socket in its journal
//! folder (`journal/ctl.sock`): status, pause, flatten, kill switch,
//! resume. The protocol is one JSON request per line and one JSON answer
//! per line; `axon ctl --journal DIR status|pause|...` speaks it for you.
//! Every command but `status` is journaled with the operator's uid and
//! pid, so the replay at the end does what the operator did.
//!
//! `cargo run --release --example operator_control`

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use axon_config::Config;
use axon_mockex::{MockConfig, MockExchange};
use serde_json::Value;

/// One request, one answer.
fn ask(socket: &Path, request: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let mut stream = UnixStream::connect(socket)?;
    stream.write_all(format!("{request}\n").as_bytes())?;
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line)?;
    Ok(serde_json::from_str(&line)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockExchange::start(MockConfig {
        tick_interval_ms: 10,
        ..MockConfig::default()
    })?;
    let dir = tempfile::tempdir()?;
    let text = format!(
        "[session]\ncash = 100000.0\n[strategy]\nkind = \"sma_cross\"\nfast = 3\nslow = 8\n\
         [execution]\nsizing = \"fixed\"\nunits = 0.002\n[journal]\npath = \"journal\"\n\
         [exchange]\nvenue = \"binance\"\nmode = \"paper\"\nsymbols = [\"BTCUSDT\"]\n\
         rest_url = \"{}\"\nws_url = \"{}\"\n",
        mock.rest_url(),
        mock.ws_url()
    );
    let plan = Config::parse(text, &dir.path().join("live.toml"))?.live_plan()?;
    let journal = plan.session.journal_dir.clone();
    let socket = journal.join(axon_live::control::SOCKET);

    let operator = std::thread::spawn(move || -> Result<(), String> {
        let step = |request: &str| {
            let answer = ask(&socket, request).map_err(|e| e.to_string())?;
            println!("{request:<48} -> {answer}");
            std::thread::sleep(Duration::from_millis(300));
            Ok::<Value, String>(answer)
        };
        while !socket.exists() {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(500));
        let status = step(r#"{"command":"status"}"#)?;
        println!(
            "  equity {}, positions {}",
            status["status"]["equity"], status["status"]["positions"]
        );
        step(r#"{"command":"pause"}"#)?;
        step(r#"{"command":"flatten","symbol":"BTCUSDT"}"#)?;
        step(r#"{"command":"kill-switch","on":true}"#)?;
        step(r#"{"command":"kill-switch","on":false}"#)?;
        step(r#"{"command":"weights","weights":[0.5,0.5]}"#)?; // refused: one slot
        step(r#"{"command":"resume"}"#)?;
        Ok(())
    });
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(axon_live::run(
        plan,
        Some(Duration::from_secs(4)),
        None,
        std::future::pending::<()>(),
    ))?;
    operator
        .join()
        .map_err(|_| "the operator thread panicked")??;
    println!(
        "session: {} ticks, {} orders, {} records, head {}",
        report.ticks,
        report.orders,
        report.records,
        &report.head_hash[..16]
    );
    let replay = axon_replay::verify_replay(&journal, &mut |_, _| {})?;
    println!(
        "replay: {}",
        match replay.mismatch {
            None => "every output reproduced bit for bit, the operator's commands included",
            Some(_) => "DIFFERS",
        }
    );
    Ok(())
}
