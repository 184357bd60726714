//! `axon`: the command line of AXON, a deterministic, event-sourced
//! backtest/live trading engine. See README.md.

mod commands;
mod exit;
mod output;

use commands::{ctl, journal, live, report, sweep, walkforward};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "axon",
    version,
    about = "Deterministic, event-sourced backtest/live trading engine"
)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Synthetic data -> backtest -> replay --verify -> summary, from any folder.
    Demo {
        /// Keep the files in this folder (default: a temporary one).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Ticks to synthesize.
        #[arg(long, default_value_t = 1_000_000)]
        ticks: u64,
        /// Seed of the synthetic data.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Print only the verdict.
        #[arg(long)]
        quiet: bool,
    },
    /// Run a backtest from a TOML config.
    Backtest {
        /// Config file.
        #[arg(short, long)]
        config: PathBuf,
        /// Write the summary as JSON here.
        #[arg(long)]
        summary_json: Option<PathBuf>,
        /// Write closed trades as CSV here.
        #[arg(long)]
        trades_csv: Option<PathBuf>,
        /// Journal folder (overrides journal.path).
        #[arg(long)]
        journal: Option<PathBuf>,
        /// Serve Prometheus metrics on this port during the run (0: any free port).
        #[arg(long)]
        metrics_port: Option<u16>,
        /// Address the metrics server binds to.
        #[arg(long, default_value = "127.0.0.1")]
        metrics_bind: std::net::IpAddr,
        /// Keep serving metrics this many seconds after the run (for a last scrape).
        #[arg(long, default_value_t = 0)]
        metrics_hold_secs: u64,
        /// No progress bar, no table.
        #[arg(long)]
        quiet: bool,
    },
    /// Backtest a config over a grid (or a random sample) of parameter
    /// values, the data read once: results.parquet, best.toml, heatmap.html.
    Sweep(sweep::Args),
    /// A session's report from its journal: an interactive HTML page
    /// (price, trades, equity, drawdown, statistics), optionally a PDF.
    Report(report::Args),
    /// Walk-forward: optimise on each training window, trade the best
    /// parameters on the next test window, stitch the test windows into
    /// one journaled out-of-sample session with its report.
    Walkforward(walkforward::Args),
    /// Trade live on a venue (or paper-trade its live market data), journaled.
    Live {
        /// Config file with an [exchange] section.
        #[arg(short, long)]
        config: PathBuf,
        /// Journal folder (overrides journal.path; must not hold a journal yet).
        #[arg(long)]
        journal: Option<PathBuf>,
        /// Stop after this long (90s, 5m, 2h); SIGINT and SIGTERM also stop it.
        #[arg(long, value_parser = live::parse_duration)]
        max_duration: Option<std::time::Duration>,
        /// Serve Prometheus metrics on this port (0: any free port).
        #[arg(long)]
        metrics_port: Option<u16>,
        /// Address the metrics server binds to.
        #[arg(long, default_value = "127.0.0.1")]
        metrics_bind: std::net::IpAddr,
        /// Write the session summary as JSON here.
        #[arg(long)]
        summary_json: Option<PathBuf>,
        /// No table.
        #[arg(long)]
        quiet: bool,
    },
    /// Steer a running live session: status, pause, resume, flatten,
    /// kill switch, weights, model swap, cancel-all (journaled).
    Ctl(ctl::Args),
    /// Re-run the engine from a journal and compare every output.
    Replay {
        /// Journal folder.
        #[arg(long)]
        journal: PathBuf,
        /// Compare outputs bit for bit (exit 1 on the first difference).
        #[arg(long)]
        verify: bool,
        /// Print the outcome as JSON.
        #[arg(long)]
        json: bool,
        /// No progress bar, no table.
        #[arg(long)]
        quiet: bool,
    },
    /// Compare two journals record by record (exit 1 if they differ).
    Diff {
        /// Left journal.
        left: PathBuf,
        /// Right journal.
        right: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Inspect, export or verify a journal.
    Journal {
        #[command(subcommand)]
        command: JournalCommand,
    },
    /// Market data tools.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
    /// Check a config file without running it (exit 2 on any problem).
    ValidateConfig {
        /// Config file.
        #[arg(short, long)]
        config: PathBuf,
    },
    /// Rebuild one past decision from its journal, check it, explain it.
    Audit {
        /// Journal directory.
        #[arg(long)]
        journal: PathBuf,
        /// The Decision record's sequence number.
        #[arg(long, conflicts_with = "order", required_unless_present = "order")]
        seq: Option<u64>,
        /// Or: the client order id of an order (its decision is audited).
        #[arg(long)]
        order: Option<u64>,
        /// The ML slot to explain (default: the one that moved the score most).
        #[arg(long)]
        slot: Option<u16>,
        /// Background rows: the model's earlier inputs.
        #[arg(long, default_value_t = 100)]
        background: usize,
        #[command(flatten)]
        explain: ExplainFlags,
        #[arg(long)]
        quiet: bool,
    },
    /// Explain a model's prediction on an observation against a background.
    Explain {
        #[command(flatten)]
        model: ModelArgs,
        /// JSON array shaped like one model input (batch dimension optional).
        #[arg(long)]
        observation: PathBuf,
        /// JSON array of observations, or a Parquet file of rows.
        #[arg(long)]
        background: PathBuf,
        /// buy, sell, hold or an output index (default: the model's choice).
        #[arg(long)]
        action: Option<String>,
        #[command(flatten)]
        explain: ExplainFlags,
    },
    /// Run and describe models; list and restore a journal's models.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
}

/// Report outputs and explainer settings.
#[derive(Debug, clap::Args)]
struct ExplainFlags {
    /// Write the HTML report here.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Write the PDF report here.
    #[arg(long)]
    pdf: Option<PathBuf>,
    /// Write the explanation as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// One feature per input cell instead of per last-dimension feature.
    #[arg(long)]
    per_cell: bool,
    /// Kernel SHAP coalitions (default 2·M + 2048) when M is above 14.
    #[arg(long)]
    samples: Option<usize>,
    /// Seed of the samplers.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Counterfactual search: seeded steps per feature within one scale of its value (more steps find smaller changes).
    #[arg(long, default_value_t = 100)]
    counterfactual_samples: usize,
}

impl ExplainFlags {
    fn args(&self) -> commands::explain::ExplainArgs {
        commands::explain::ExplainArgs {
            files: axon_explain::ReportFiles {
                html: self.html.clone(),
                pdf: self.pdf.clone(),
                json: self.json.clone(),
            },
            per_cell: self.per_cell,
            samples: self.samples,
            seed: self.seed,
            counterfactual_samples: self.counterfactual_samples,
        }
    }
}

/// How to load a model file.
#[derive(Debug, clap::Args)]
struct ModelArgs {
    /// The model file (.onnx, .pt, .safetensors).
    #[arg(long)]
    model: PathBuf,
    /// onnx, tch or candle (default: from the file extension).
    #[arg(long)]
    backend: Option<axon_inference::InferenceBackend>,
    /// Input shape, e.g. 1,64,128 (TorchScript files do not declare one).
    #[arg(long, value_delimiter = ',')]
    input_shape: Option<Vec<usize>>,
    /// cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    device: axon_inference::Device,
    /// Intra-op threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Half precision where the backend and device allow it.
    #[arg(long)]
    fp16: bool,
}

impl ModelArgs {
    fn load_args(&self) -> commands::models::LoadArgs {
        commands::models::LoadArgs {
            model: self.model.clone(),
            backend: self.backend,
            input_shape: self.input_shape.clone(),
            device: self.device,
            threads: self.threads,
            fp16: self.fp16,
        }
    }
}

#[derive(Debug, Subcommand)]
enum ModelsCommand {
    /// Run a model on a JSON input (an array of the model's input shape,
    /// row-major) and print the output vector as JSON.
    Predict {
        #[command(flatten)]
        model: ModelArgs,
        /// The input JSON file.
        #[arg(long)]
        input: PathBuf,
    },
    /// Print backend, input/output shapes and SHA-256 as JSON.
    Info {
        #[command(flatten)]
        model: ModelArgs,
    },
    /// List a journal's model swaps and whether their bytes are stored.
    List {
        /// Journal directory.
        #[arg(long)]
        journal: PathBuf,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write a model from a journal's store to a file (rollback: a hot
    /// reloader watching the file swaps it back in).
    Restore {
        /// Journal directory.
        #[arg(long)]
        journal: PathBuf,
        /// The model's SHA-256 (from `axon models list`).
        #[arg(long)]
        sha256: String,
        /// The file to write (atomically).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum JournalCommand {
    /// Print records.
    Inspect {
        /// Journal folder.
        journal: PathBuf,
        /// First sequence number.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Records to print.
        #[arg(long)]
        limit: Option<u64>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Write one Parquet row per record.
    Export {
        /// Journal folder.
        journal: PathBuf,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Check checksums, sequence numbers and the hash chain.
    Verify {
        /// Journal folder.
        journal: PathBuf,
    },
    /// Recover a journal after a crash: cut a torn tail (never corruption)
    /// and close it cleanly.
    Recover {
        /// Journal folder.
        journal: PathBuf,
    },
    /// Rebuild a session's journal from its NATS JetStream replica (the
    /// same head hash, checked against the session's after its close).
    Pull(journal::Replica),
    /// Follow a session's journal on NATS JetStream, record by record.
    Tail(journal::Replica),
}

#[derive(Debug, Subcommand)]
enum DataCommand {
    /// Write seeded synthetic ticks to Parquet.
    Synth {
        /// Seed.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Number of ticks.
        #[arg(long, default_value_t = 1_000_000)]
        ticks: u64,
        /// Symbol.
        #[arg(long, default_value = "SYN")]
        symbol: String,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
        /// No output.
        #[arg(long)]
        quiet: bool,
    },
    /// Bars from ticks (trades or quotes), built as the engine builds them:
    /// --bar 1m, 1h, 1d, 1000ticks or vol:50.
    Resample {
        /// Ticks Parquet (a file or a folder).
        input: PathBuf,
        /// Bar spec: a time bar (1s, 1m, 4h, 1d), a tick-count bar
        /// (1000ticks) or a volume bar (vol:50).
        #[arg(long)]
        bar: String,
        /// Output bars Parquet.
        #[arg(short, long)]
        output: PathBuf,
        /// No output.
        #[arg(long)]
        quiet: bool,
    },
    /// A partitioned market data catalog: add files, list what it holds.
    Catalog {
        #[command(subcommand)]
        command: commands::data::CatalogCommand,
    },
    /// Import the files venues and data vendors publish into Parquet.
    Import {
        #[command(subcommand)]
        source: commands::data::ImportSource,
    },
    /// Convert a Date,Open,High,Low,Close,Volume CSV to a bars Parquet file.
    ImportCsv {
        /// CSV file.
        csv: PathBuf,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
        /// Symbol (default: the file name, upper-cased).
        #[arg(long)]
        symbol: Option<String>,
        /// No output.
        #[arg(long)]
        quiet: bool,
    },
}

/// Logs at `warn`, or as `AXON_LOG` says: a level (`debug`) or targets
/// with levels (`warn,axon_adapters=debug`). `Targets` needs no regex
/// engine, which keeps a cold build shorter than `EnvFilter` would.
fn init_logs(format: LogFormat) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let warn = || Targets::new().with_default(tracing::Level::WARN);
    let filter = match std::env::var("AXON_LOG") {
        Ok(spec) if !spec.trim().is_empty() => {
            let filter = spec.parse::<Targets>().unwrap_or_else(|e| {
                eprintln!("axon: AXON_LOG={spec:?} is not a log filter ({e}); logging at warn");
                warn()
            });
            // The NATS client logs every reconnect attempt and its wire
            // traffic; its warnings stay, the rest only when asked for.
            if spec.contains("async_nats") {
                filter
            } else {
                filter.with_target("async_nats", tracing::Level::WARN)
            }
        }
        _ => warn(),
    };
    let registry = tracing_subscriber::registry().with(filter);
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    match format {
        LogFormat::Text => registry.with(layer).init(),
        LogFormat::Json => registry.with(layer.json()).init(),
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    use commands::*;
    match cli.command {
        Command::Demo {
            out,
            ticks,
            seed,
            quiet,
        } => demo::demo(out, ticks, seed, quiet),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Report(args) => report::report(args),
        Command::Ctl(args) => ctl::ctl(args),
        Command::Walkforward(args) => walkforward::walkforward(args),
        Command::Backtest {
            config,
            summary_json,
            trades_csv,
            journal,
            metrics_port,
            metrics_bind,
            metrics_hold_secs,
            quiet,
        } => backtest::backtest(
            &config,
            &backtest::Outputs {
                journal,
                summary_json,
                trades_csv,
                metrics: metrics_port.map(|port| backtest::MetricsServe {
                    addr: std::net::SocketAddr::new(metrics_bind, port),
                    hold: std::time::Duration::from_secs(metrics_hold_secs),
                }),
            },
            quiet,
        ),
        Command::Replay {
            journal,
            verify,
            json,
            quiet,
        } => {
            if !verify {
                return Err(exit::Failure::input(
                    "replay needs --verify (the only replay mode so far)",
                )
                .into());
            }
            replay::replay(&journal, json, quiet)
        }
        Command::Live {
            config,
            journal,
            max_duration,
            metrics_port,
            metrics_bind,
            summary_json,
            quiet,
        } => {
            let (metrics, _exporter) = match metrics_port {
                Some(port) => {
                    let m = axon_metrics::MetricsCollector::new()?;
                    let addr = std::net::SocketAddr::new(metrics_bind, port);
                    let exporter = m.export_prometheus(addr).map_err(|e| {
                        exit::Failure::input(format!(
                            "--metrics-port: cannot listen on {addr}: {e}"
                        ))
                    })?;
                    eprintln!("metrics: http://{}/metrics", exporter.addr());
                    (Some(m), Some(exporter))
                }
                None => (None, None),
            };
            live::run(live::LiveArgs {
                config,
                journal,
                max_duration,
                metrics,
                summary_json,
                quiet,
            })?;
            Ok(())
        }
        Command::Diff { left, right, json } => replay::diff(&left, &right, json),
        Command::Journal { command } => match command {
            JournalCommand::Inspect {
                journal,
                from,
                limit,
                json,
            } => journal::inspect(&journal, from, limit, json),
            JournalCommand::Export {
                journal,
                output,
                quiet,
            } => journal::export(&journal, &output, quiet),
            JournalCommand::Verify { journal } => journal::verify(&journal),
            JournalCommand::Recover { journal } => journal::recover(&journal),
            JournalCommand::Pull(r) => journal::pull(&r),
            JournalCommand::Tail(r) => journal::tail(&r),
        },
        Command::Data { command } => match command {
            DataCommand::Synth {
                seed,
                ticks,
                symbol,
                output,
                quiet,
            } => data::synth(seed, ticks, &symbol, &output, quiet),
            DataCommand::ImportCsv {
                csv,
                output,
                symbol,
                quiet,
            } => data::import(&csv, &output, symbol.as_deref(), quiet),
            DataCommand::Import { source } => data::import_source(&source),
            DataCommand::Catalog { command } => data::catalog(&command),
            DataCommand::Resample {
                input,
                bar,
                output,
                quiet,
            } => commands::resample::run(&input, &bar, &output, quiet),
        },
        Command::ValidateConfig { config } => backtest::validate_config(&config),
        Command::Audit {
            journal,
            seq,
            order,
            slot,
            background,
            explain: flags,
            quiet,
        } => {
            let target = match (seq, order) {
                (Some(s), _) => axon_replay::AuditTarget::Seq(s),
                (None, Some(o)) => axon_replay::AuditTarget::Order(o),
                (None, None) => {
                    return Err(exit::Failure::input("audit needs --seq or --order").into());
                }
            };
            explain::audit_cmd(&journal, target, slot, background, &flags.args(), quiet)
        }
        Command::Explain {
            model,
            observation,
            background,
            action,
            explain: flags,
        } => explain::explain_cmd(
            &model.load_args(),
            &observation,
            &background,
            action.as_deref(),
            &flags.args(),
        ),
        Command::Models { command } => match command {
            ModelsCommand::Predict { model, input } => models::predict(&model.load_args(), &input),
            ModelsCommand::Info { model } => models::info(&model.load_args()),
            ModelsCommand::List { journal, json } => models::list(&journal, json),
            ModelsCommand::Restore {
                journal,
                sha256,
                out,
            } => models::restore(&journal, &sha256, &out),
        },
    }
}

/// Parses the command line. Help and version print as usual; a usage error
/// becomes one `axon: ` line on stderr with exit code 2, like every other
/// error (clap would print several lines, usage included).
fn parse() -> Result<Cli, ExitCode> {
    match Cli::try_parse() {
        Ok(cli) => Ok(cli),
        // Help and version, asked for or shown for a bare `axon` / `axon journal`.
        Err(e)
            if !e.use_stderr()
                || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand =>
        {
            e.exit()
        }
        Err(e) => {
            let text = e.to_string();
            let end = ["\nUsage:", "\nFor more information"]
                .iter()
                .filter_map(|m| text.find(m))
                .min()
                .unwrap_or(text.len());
            let text = text[..end].trim();
            let text = text.strip_prefix("error:").unwrap_or(text);
            let words: Vec<&str> = text.split_whitespace().collect();
            eprintln!("axon: {} (see axon --help)", words.join(" "));
            Err(ExitCode::from(2))
        }
    }
}

#[allow(
    unsafe_code,
    reason = "setting the environment before any thread starts"
)]
fn main() -> ExitCode {
    // candle sizes its matrix kernels' thread pool from RAYON_NUM_THREADS;
    // one thread unless the user says otherwise keeps latency low and runs
    // reproducible. SAFETY: no other thread exists yet.
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        unsafe { std::env::set_var("RAYON_NUM_THREADS", "1") };
    }
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    init_logs(cli.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let failure = exit::classify(err);
            eprintln!("axon: {failure}");
            ExitCode::from(failure.code)
        }
    }
}
