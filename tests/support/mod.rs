//! Running the `axon` binary from integration tests.
#![allow(dead_code, reason = "each test binary uses part of this")]

pub mod live;

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// What a run of `axon` left behind.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics unless the exit code is `code`; checks no run ever panics.
    pub fn expect(self, code: i32) -> Self {
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "axon {:?} panicked:\n{}",
            self.args,
            self.stderr
        );
        assert_eq!(
            self.code, code,
            "axon {:?}: exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.stdout, self.stderr
        );
        self
    }

    pub fn ok(self) -> Self {
        self.expect(0)
    }

    /// Exit `code` with one error line starting with `axon: ` that contains
    /// every `needle`. Returns that line.
    pub fn error(self, code: i32, needles: &[&str]) -> String {
        let run = self.expect(code);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "axon {:?}: expected one error line, got:\n{}",
            run.args,
            run.stderr
        );
        let line = lines[0];
        assert!(
            line.starts_with("axon: "),
            "axon {:?}: error line does not start with 'axon: ': {line}",
            run.args
        );
        for n in needles {
            assert!(
                line.contains(n),
                "axon {:?}: error line does not mention {n:?}: {line}",
                run.args
            );
        }
        line.to_string()
    }
}

/// Runs `axon` in `dir`.
pub fn axon(dir: &Path, args: &[&str]) -> Run {
    axon_env(dir, args, &[])
}

pub fn axon_env(dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_axon"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env_remove("AXON_LOG");
    // Python strategies run with the project's Python (which has axon_quant).
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() {
        cmd.env("AXON_PYTHON", venv);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("running the axon binary");
    Run {
        args: args.iter().map(|s| (*s).to_string()).collect(),
        // A signal (None) is never an acceptable exit.
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn tempdir() -> TempDir {
    tempfile::Builder::new()
        .prefix("axon-cli-")
        .tempdir()
        .expect("temporary folder")
}

/// backtesting.py's GOOG daily bars (the CSV shipped with it), imported as
/// `goog.parquet` (symbol `GOOG`) in `dir`; returns the CSV's path.
pub fn goog(dir: &Path) -> PathBuf {
    let path = goog_csv();
    let csv = path.to_str().expect("a UTF-8 path");
    axon(
        dir,
        &[
            "data",
            "import-csv",
            csv,
            "-o",
            "goog.parquet",
            "--symbol",
            "GOOG",
            "--quiet",
        ],
    )
    .ok();
    path
}

/// The GOOG daily bars CSV shipped with backtesting.py.
pub fn goog_csv() -> PathBuf {
    let path = run_python(&[
        "-c",
        "import os, backtesting.test as t; print(os.path.join(os.path.dirname(t.__file__), 'GOOG.csv'))",
    ]);
    let path = PathBuf::from(path.trim());
    assert!(path.exists(), "{} is missing", path.display());
    path
}

/// The project's Python (`scripts/setup-python.sh`), the outside oracle.
pub fn python() -> PathBuf {
    let py = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        py.exists(),
        "{} is missing: run scripts/setup-python.sh to create the Python test \
         environment (pyarrow, pandas, onnxruntime) this test checks against",
        py.display()
    );
    py
}

/// Runs the project's Python with `args`; returns stdout, panics with
/// stderr on failure.
pub fn run_python(args: &[&str]) -> String {
    let out = Command::new(python())
        .args(args)
        .env("PYTHONHASHSEED", "0")
        .output()
        .expect("running .venv/bin/python");
    assert!(
        out.status.success(),
        "python {args:?} failed ({}); if a module is missing, rerun \
         scripts/setup-python.sh\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("python output is UTF-8")
}

/// A float an oracle script wrote as its `{key}_exact` string (Rust's
/// parser is correctly rounded, so this is the same f64 Python held).
pub fn exact(v: &serde_json::Value, key: &str) -> f64 {
    let s = v[format!("{key}_exact")]
        .as_str()
        .unwrap_or_else(|| panic!("oracle output lacks {key}_exact: {v}"));
    s.parse()
        .unwrap_or_else(|e| panic!("oracle {key}_exact {s:?}: {e}"))
}

/// The reference models' folder.
pub fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/models")
}

/// A reference model's path, as text for configs and arguments.
pub fn model(name: &str) -> String {
    models().join(name).display().to_string()
}

/// A tick backtest with the SMA crossover in slot 0, `mlp_4` (candle) in
/// slot 1 and `mlp_64x128` (ONNX Runtime) in slot 2, dynamic weights, and
/// `extra` appended (swaps).
pub fn ensemble_config(journal: &str, slot1: &str, extra: &str) -> String {
    format!(
        r#"[session]
cash = 100000.0
seed = 3

[data]
path = "ticks.parquet"

[strategy]
kind = "sma_cross"
fast = 20
slow = 80

[execution]
fill = "next_tick"
sizing = "fraction"
fraction = 0.5

[ensemble]
threshold = 0.3
weights = [0.4, 0.3, 0.3]
mode = "dynamic"
performance_window = 200
rebalance_every = 100
floor = 0.05

[[models.slots]]
path = "{slot1}"

[[models.slots]]
path = "{big}"
threads = 1
{extra}
[journal]
path = "{journal}"
durability = "none"
"#,
        big = model("mlp_64x128.onnx"),
    )
}

/// 400 days of two related instruments in one file: `B` a random walk,
/// `A` twice `B` times a mean-reverting factor.
pub fn pair(dir: &Path) {
    use axon_data::{BarBatch, SymbolTable, write_bars};
    let mut symbols = SymbolTable::new();
    let (a, b) = (symbols.intern("A"), symbols.intern("B"));
    let mut batch = BarBatch::with_capacity(800);
    let (mut price_b, mut factor) = (50.0_f64, 0.0_f64);
    for day in 0..400i64 {
        let wave = (day as f64 / 3.0).sin();
        price_b *= 1.0 + 0.01 * (day as f64 / 7.0).cos();
        factor += -0.2 * factor + 0.02 * wave;
        for (symbol, close) in [(a, 2.0 * price_b * factor.exp()), (b, price_b)] {
            batch
                .ts
                .push(1_600_000_000_000_000_000 + day * 86_400_000_000_000);
            batch.symbol.push(symbol);
            batch.open.push(close);
            batch.high.push(close * 1.001);
            batch.low.push(close * 0.999);
            batch.close.push(close);
            batch.volume.push(100.0);
        }
    }
    write_bars(&dir.join("pair.parquet"), &batch, &symbols).expect("writing pair.parquet");
}
