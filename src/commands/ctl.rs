//! `axon ctl`: operator commands to a running live session, over the Unix
//! socket in its journal folder (`axon_live::control`).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::exit::Failure;

/// The command line's `ctl`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The running session's journal folder.
    #[arg(long)]
    pub journal: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

/// What to tell the session. Every command but `status` is journaled
/// with who sent it.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the session's state as JSON: positions, open orders, equity,
    /// kill switch, slots, weights, streams, journal lag.
    Status,
    /// No new decisions (marks, fills and working orders go on).
    Pause,
    /// Decisions again.
    Resume,
    /// Cancel working orders and close positions: every symbol, or one.
    Flatten {
        /// Only this symbol.
        #[arg(long)]
        symbol: Option<String>,
    },
    /// Engage or release the kill switch.
    KillSwitch {
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// New ensemble weights, one per slot: 0.5,0.3,0.2.
    Weights {
        /// Comma-separated weights.
        weights: String,
    },
    /// Load a model from the journal's store into a slot (a rollback).
    Swap {
        /// The slot.
        #[arg(long)]
        slot: u16,
        /// The model's SHA-256 (`axon models list --journal` shows them).
        #[arg(long)]
        sha256: String,
    },
    /// Cancel every working order.
    CancelAll,
}

fn request(command: &Command) -> Result<Value, Failure> {
    Ok(match command {
        Command::Status => json!({"command": "status"}),
        Command::Pause => json!({"command": "pause"}),
        Command::Resume => json!({"command": "resume"}),
        Command::CancelAll => json!({"command": "cancel-all"}),
        Command::Flatten { symbol } => json!({"command": "flatten", "symbol": symbol}),
        Command::KillSwitch { state } => json!({"command": "kill-switch", "on": state == "on"}),
        Command::Weights { weights } => {
            let parsed: Result<Vec<f64>, _> = weights
                .split(',')
                .map(|w| w.trim().parse::<f64>())
                .collect();
            let weights = parsed.map_err(|e| {
                Failure::input(format!(
                    "weights {weights:?}: {e} (give numbers: 0.5,0.3,0.2)"
                ))
            })?;
            json!({"command": "weights", "weights": weights})
        }
        Command::Swap { slot, sha256 } => {
            json!({"command": "swap", "slot": slot, "sha256": sha256})
        }
    })
}

pub fn ctl(args: Args) -> anyhow::Result<()> {
    let request = request(&args.command)?;
    let socket = args.journal.join(axon_live::control::SOCKET);
    let gone = |e: std::io::Error| {
        Failure::input(format!(
            "no session is running on {} ({}: {e})",
            args.journal.display(),
            socket.display()
        ))
    };
    let mut stream = UnixStream::connect(&socket).map_err(gone)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    // A refusal may come before the request is read: its answer is read
    // even when the write failed.
    let sent = stream.write_all(format!("{request}\n").as_bytes());
    let mut line = String::new();
    let read = BufReader::new(&stream).read_line(&mut line);
    if line.is_empty() {
        sent.map_err(gone)?;
        read.map_err(gone)?;
    }
    let answer: Value = serde_json::from_str(&line).map_err(|_| {
        Failure::input(format!(
            "the session on {} closed the connection without an answer (it is stopping?)",
            args.journal.display()
        ))
    })?;
    if answer["ok"] != true {
        let why = answer["error"].as_str().unwrap_or("refused");
        return Err(Failure::input(format!("refused: {why}")).into());
    }
    match args.command {
        Command::Status => println!("{}", serde_json::to_string_pretty(&answer["status"])?),
        _ => println!("ok: journaled at seq {}", answer["seq"]),
    }
    Ok(())
}
