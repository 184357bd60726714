//! The host process a Python strategy runs in: `python -m
//! axon_quant.backtesting._host`, spoken to in JSON lines over its stdin
//! and stdout, one request and one reply at a time, so the strategy sees
//! the events in the engine's order and nothing else. Its stderr (the
//! strategy's prints included) is passed through, the last lines kept for
//! error messages.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::bundle::Bundle;
use crate::error::PyStrategyError;

/// The protocol version this crate speaks (the host says its own).
pub const PROTOCOL: u32 = 1;

/// Lines of the host's stderr kept for error messages.
const STDERR_TAIL: usize = 20;

/// What the host loads: the class, its parameters, and how many bars
/// `init()` sees (0: all so far).
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    /// The `Strategy` subclass.
    pub class: String,
    /// Its parameters.
    pub params: serde_json::Value,
    /// The last bars `init()` sees on each bar (0: all).
    pub lookback: u64,
}

/// A running host with a strategy loaded.
#[derive(Debug)]
pub struct Host {
    child: Child,
    /// `None` once closed (the host then exits).
    stdin: Option<BufWriter<ChildStdin>>,
    stdout: BufReader<ChildStdout>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    /// The extracted bundle the strategy was imported from; removed with
    /// the host.
    _dir: tempfile::TempDir,
    line: String,
    buf: Vec<u8>,
    /// What the host reported: interpreter and package versions.
    pub runtime: String,
}

/// A failure the host reports: where in the strategy's files, and what.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HostError {
    /// The file, relative to the bundle's root (empty: outside it).
    pub file: String,
    /// The line in it (0: unknown).
    pub line: u32,
    /// The exception, `Type: message`.
    pub message: String,
    /// The configuration key at fault, when it is one (`strategy.params`).
    #[serde(default)]
    pub key: Option<String>,
}

impl HostError {
    /// `{folder}/{file} line N: message`, the folder being how the user
    /// knows the strategy's folder.
    pub fn describe(&self, folder: &str) -> (String, String) {
        let file = if self.file.is_empty() {
            "the strategy".to_owned()
        } else if folder.is_empty() || folder == "." {
            self.file.clone()
        } else {
            format!("{}/{}", folder.trim_end_matches('/'), self.file)
        };
        let place = if self.line > 0 {
            format!("{file} line {}", self.line)
        } else {
            file
        };
        (place, self.message.clone())
    }
}

#[derive(Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
enum Ready {
    Ready { protocol: u32, runtime: String },
    Error(HostError),
}

impl Host {
    /// Starts `python` on the host module, extracts `bundle` for it and
    /// loads `class` from its entry with `params`; a strategy that does not
    /// load is [`PyStrategyError::Load`] naming the file and line.
    pub fn start(
        python: &str,
        bundle: &Bundle,
        launch: &Launch,
        folder: &str,
    ) -> Result<Self, PyStrategyError> {
        let dir = tempfile::Builder::new()
            .prefix("axon-strategy-")
            .tempdir()
            .map_err(|e| {
                PyStrategyError::Host(format!("cannot make a folder for the source: {e}"))
            })?;
        bundle.extract(dir.path())?;
        let start_error = |reason: String| PyStrategyError::Start {
            python: python.to_owned(),
            reason,
        };
        let mut child = Command::new(python)
            .args(["-m", "axon_quant.backtesting._host"])
            // Set iteration order and `hash()` must not differ between a
            // session and its replay.
            .env("PYTHONHASHSEED", "0")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| start_error(e.to_string()))?;
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(start_error("no pipes to the child".into()));
        };
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        pass_through(stderr, stderr_tail.clone());
        let mut host = Self {
            child,
            stdin: Some(BufWriter::new(stdin)),
            stdout: BufReader::new(stdout),
            stderr_tail,
            _dir: dir,
            line: String::new(),
            buf: Vec::new(),
            runtime: String::new(),
        };
        let init = serde_json::json!({
            "t": "init",
            "protocol": PROTOCOL,
            "root": host._dir.path(),
            "file": bundle.entry,
            "class": launch.class,
            "params": launch.params,
            "lookback": launch.lookback,
        });
        let ready: Ready = host.request(&init).map_err(|e| match e {
            PyStrategyError::Host(reason) => start_error(reason),
            e => e,
        })?;
        match ready {
            Ready::Ready { protocol, runtime } if protocol == PROTOCOL => {
                host.runtime = runtime;
                Ok(host)
            }
            Ready::Ready { protocol, .. } => Err(start_error(format!(
                "its axon_quant speaks protocol {protocol}, this engine {PROTOCOL}: install the axon_quant of this release"
            ))),
            Ready::Error(e) => {
                let (where_, message) = e.describe(folder);
                Err(PyStrategyError::Load {
                    where_,
                    message,
                    key: e.key,
                })
            }
        }
    }

    /// Sends one request and reads its reply.
    pub fn request<T: DeserializeOwned>(
        &mut self,
        message: &impl serde::Serialize,
    ) -> Result<T, PyStrategyError> {
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, message)
            .map_err(|e| PyStrategyError::Host(format!("cannot encode a request: {e}")))?;
        self.buf.push(b'\n');
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(PyStrategyError::Host("the host was closed".into()));
        };
        let sent = stdin.write_all(&self.buf).and_then(|()| stdin.flush());
        if let Err(e) = sent {
            return Err(self.gone(&format!("cannot write to it ({e})")));
        }
        self.line.clear();
        match self.stdout.read_line(&mut self.line) {
            Ok(0) => Err(self.gone("it exited")),
            Ok(_) => serde_json::from_str(&self.line).map_err(|e| {
                PyStrategyError::Host(format!("unreadable reply ({e}): {}", self.line.trim_end()))
            }),
            Err(e) => Err(self.gone(&format!("cannot read from it ({e})"))),
        }
    }

    /// The error for a host that went away, with what it last said.
    fn gone(&mut self, what: &str) -> PyStrategyError {
        // Let the stderr thread catch up with a dying process's last words.
        let mut status = None;
        for _ in 0..100 {
            if let Ok(Some(s)) = self.child.try_wait() {
                status = Some(s);
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        let tail: Vec<String> = self
            .stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        let status = status.map_or(String::new(), |s| format!(", {s}"));
        let said = if tail.is_empty() {
            String::new()
        } else {
            format!(": {}", tail.join(" | "))
        };
        PyStrategyError::Host(format!("{what}{status}{said}"))
    }
}

impl Drop for Host {
    /// Closes the host's stdin, so it ends on its own (its last output
    /// flushed), and kills it if it has not within a second.
    fn drop(&mut self) {
        drop(self.stdin.take());
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies the host's stderr to ours, keeping its last lines.
fn pass_through(stderr: impl Read + Send + 'static, tail: Arc<Mutex<VecDeque<String>>>) {
    std::thread::spawn(move || {
        let reader = BufReader::new(stderr);
        for line in reader.lines() {
            let Ok(line) = line else { break };
            eprintln!("{line}");
            if let Ok(mut t) = tail.lock() {
                if t.len() == STDERR_TAIL {
                    t.pop_front();
                }
                t.push_back(line);
            }
        }
    });
}
