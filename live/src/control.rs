//! Operator control of a running session (`axon ctl`): a Unix socket in
//! the journal folder (`ctl.sock`, mode 0600: the owner only) that takes
//! one JSON request per line and answers one JSON line.
//!
//! Requests reach the session loop, which answers `status` from its state
//! and turns every other command into a journaled input (an `Operator`, a
//! `WeightOverride` or a `ModelSwap`) naming who sent it, so a replay does
//! what the operator did. One controller at a time, so two operators never
//! interleave: a connection waits up to 5 s for the one before it to close,
//! then is refused.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};

use crate::error::LiveError;

/// The socket's file name in the journal folder.
pub const SOCKET: &str = "ctl.sock";

/// How long a controller waits for the one connected before it.
const WAIT_FOR_TURN: Duration = Duration::from_secs(5);

/// A request, as the JSON line names it (`{"command": "flatten",
/// "symbol": "BTCUSDT"}`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    /// The session's state.
    Status,
    /// No new decisions.
    Pause,
    /// Decisions again.
    Resume,
    /// Cancel orders and close positions: all, or one symbol's.
    Flatten {
        /// The symbol; none: every one.
        #[serde(default)]
        symbol: Option<String>,
    },
    /// Engage or release the kill switch.
    KillSwitch {
        /// Engaged.
        on: bool,
    },
    /// New ensemble weights, one per slot.
    Weights {
        /// The weights.
        weights: Vec<f64>,
    },
    /// Load a model the journal's store holds into a slot.
    Swap {
        /// The slot.
        slot: u16,
        /// The model's SHA-256, hex.
        sha256: String,
    },
    /// Cancel every working order.
    CancelAll,
}

/// A request on its way to the session loop.
#[derive(Debug)]
pub struct Call {
    /// What is asked.
    pub request: Request,
    /// Who asks: the peer's user and process ids.
    pub who: String,
    /// Where the answer goes.
    pub reply: oneshot::Sender<Value>,
}

/// An error answer.
pub fn refused(error: impl std::fmt::Display) -> Value {
    json!({"ok": false, "error": error.to_string()})
}

/// The listening socket; dropping it stops listening and removes the file.
#[derive(Debug)]
pub struct Control {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Control {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Listens on `journal/ctl.sock`, handing requests to `calls`.
pub fn listen(journal: &Path, calls: mpsc::Sender<Call>) -> Result<Control, LiveError> {
    let path = journal.join(SOCKET);
    let failed = |reason: String| LiveError::Control {
        path: path.clone(),
        reason,
    };
    if path.exists() {
        // A socket left by a session that died; a live one answers.
        if std::os::unix::net::UnixStream::connect(&path).is_ok() {
            return Err(failed("another session is listening on it".into()));
        }
        std::fs::remove_file(&path).map_err(|e| failed(e.to_string()))?;
    }
    let listener = UnixListener::bind(&path).map_err(|e| failed(e.to_string()))?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| failed(e.to_string()))?;
    }
    // One controller at a time: the next waits for the current one to
    // finish (a script's commands follow each other), or is refused.
    let turn = Arc::new(tokio::sync::Mutex::new(()));
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (calls, turn) = (calls.clone(), turn.clone());
            tokio::spawn(async move {
                match tokio::time::timeout(WAIT_FOR_TURN, turn.lock_owned()).await {
                    Ok(_held) => serve(stream, calls).await,
                    Err(_) => refuse_second(stream).await,
                }
            });
        }
    });
    Ok(Control { path, task })
}

async fn refuse_second(stream: UnixStream) {
    let line =
        refused("another controller is connected to this session; try again when it is done");
    let (read, mut write) = stream.into_split();
    let _ = write.write_all(format!("{line}\n").as_bytes()).await;
    // Read the request before closing, so the client's write does not
    // meet a closed socket before it reads the answer.
    let mut lines = BufReader::new(read).lines();
    let _ = tokio::time::timeout(Duration::from_secs(1), lines.next_line()).await;
}

/// One controller's connection: a request per line, an answer per line.
async fn serve(stream: UnixStream, calls: mpsc::Sender<Call>) {
    let who = match stream.peer_cred() {
        Ok(c) => format!("uid {} pid {}", c.uid(), c.pid().unwrap_or(0)),
        Err(_) => "unknown peer".to_string(),
    };
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Request>(&line) {
            Err(e) => refused(format!("not a request ({e}): {line}")),
            Ok(request) => {
                let (reply, answer) = oneshot::channel();
                let call = Call {
                    request,
                    who: who.clone(),
                    reply,
                };
                if calls.send(call).await.is_err() {
                    refused("the session is stopping")
                } else {
                    answer
                        .await
                        .unwrap_or_else(|_| refused("the session is stopping"))
                }
            }
        };
        if write
            .write_all(format!("{answer}\n").as_bytes())
            .await
            .is_err()
        {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_as_the_cli_writes_them() {
        let r = |s: &str| serde_json::from_str::<Request>(s);
        assert_eq!(r(r#"{"command":"status"}"#).unwrap(), Request::Status);
        assert_eq!(
            r(r#"{"command":"flatten","symbol":"BTCUSDT"}"#).unwrap(),
            Request::Flatten {
                symbol: Some("BTCUSDT".into())
            }
        );
        assert_eq!(
            r(r#"{"command":"flatten"}"#).unwrap(),
            Request::Flatten { symbol: None }
        );
        assert_eq!(
            r(r#"{"command":"kill-switch","on":true}"#).unwrap(),
            Request::KillSwitch { on: true }
        );
        assert_eq!(
            r(r#"{"command":"cancel-all"}"#).unwrap(),
            Request::CancelAll
        );
        assert!(r(r#"{"command":"reboot"}"#).is_err());
        // A misspelt key of a command that takes keys is an error.
        assert!(r(r#"{"command":"flatten","symbl":"BTCUSDT"}"#).is_err());
    }
}
