//! `axon data synth`, `axon data import-csv`, `axon data import SOURCE`
//! and `axon data catalog add|ls`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use axon_data::{
    AddReport, BinanceKind, BinanceName, BinanceOptions, Catalog, CsvMapping, ImportReport,
    SynthConfig, import_binance, import_csv, import_mapped_csv, import_tardis,
    synth_ticks_to_parquet,
};

use crate::exit::Failure;
use crate::output::table;

/// `axon data synth --seed S --ticks N -o OUT`.
pub fn synth(seed: u64, ticks: u64, symbol: &str, out: &Path, quiet: bool) -> anyhow::Result<()> {
    let cfg = SynthConfig {
        seed,
        ticks,
        symbol: symbol.to_string(),
        ..SynthConfig::default()
    };
    let rows = synth_ticks_to_parquet(&cfg, out)?;
    if !quiet {
        println!(
            "{rows} ticks of {symbol} (seed {seed}) written to {}",
            out.display()
        );
    }
    Ok(())
}

/// `axon data import-csv IN -o OUT [--symbol S]`.
pub fn import(csv: &Path, out: &Path, symbol: Option<&str>, quiet: bool) -> anyhow::Result<()> {
    let default = csv
        .file_stem()
        .map(|s| s.to_string_lossy().to_uppercase())
        .unwrap_or_else(|| "BARS".into());
    let symbol = symbol.unwrap_or(&default);
    let rows = import_csv(csv, out, symbol)?;
    if !quiet {
        println!("{rows} bars of {symbol} written to {}", out.display());
    }
    Ok(())
}

/// `axon data import SOURCE ...`: the formats venues and vendors publish.
#[derive(Debug, clap::Subcommand)]
pub enum ImportSource {
    /// Binance public data archives (data.binance.vision): klines of any
    /// interval, aggTrades, trades, bookTicker; spot or futures; .zip as
    /// downloaded, .csv or .csv.gz. One symbol and kind per output.
    Binance(BinanceArgs),
    /// Tardis.dev CSV datasets: trades, quotes, book_snapshot_25/5,
    /// incremental_book_L2 (the book rebuilt); .csv or .csv.gz as
    /// downloaded. Symbols from the `symbol` column.
    Tardis(TardisArgs),
    /// Any CSV with a header, through a column mapping: a TOML file
    /// (--mapping) or flags (--kind, --ts, --col TARGET=SOURCE, ...).
    Csv(MappedArgs),
}

/// `axon data import csv FILES... -o OUT (--mapping M.toml | --kind K --ts C --col T=S ...)`.
#[derive(Debug, clap::Args)]
pub struct MappedArgs {
    /// CSV files with a header, in time order.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output Parquet file.
    #[arg(short, long)]
    output: PathBuf,
    /// The mapping as TOML (kind, ts, ts_unit, symbol or symbol_column,
    /// delimiter, [columns]); flags below are not taken with it.
    #[arg(long, conflicts_with_all = ["kind", "ts", "ts_unit", "symbol", "symbol_column", "col", "delimiter"])]
    mapping: Option<PathBuf>,
    /// ticks or bars.
    #[arg(long, required_unless_present = "mapping")]
    kind: Option<String>,
    /// The time column.
    #[arg(long, required_unless_present = "mapping")]
    ts: Option<String>,
    /// s, ms, us, ns, datetime or auto.
    #[arg(long, default_value = "auto")]
    ts_unit: String,
    /// Every row's symbol.
    #[arg(long)]
    symbol: Option<String>,
    /// The column holding each row's symbol.
    #[arg(long)]
    symbol_column: Option<String>,
    /// TARGET=SOURCE: a ticks (bid, ask, bid_size, ask_size, last, volume)
    /// or bars (open, high, low, close, volume) column and the CSV column
    /// that holds it; repeat for each.
    #[arg(long = "col", value_name = "TARGET=SOURCE")]
    col: Vec<String>,
    /// The field delimiter.
    #[arg(long, default_value_t = ',')]
    delimiter: char,
    /// No output.
    #[arg(long)]
    quiet: bool,
}

impl MappedArgs {
    /// The mapping: read from --mapping, or built from the flags (the same
    /// checks either way: it goes through the TOML form).
    fn mapping(&self) -> Result<CsvMapping, Failure> {
        if let Some(path) = &self.mapping {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
            return toml::from_str(&text)
                .map_err(|e| Failure::input(format!("{}: {e}", path.display())));
        }
        let mut table = toml::Table::new();
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                table.insert(k.into(), toml::Value::String(v.clone()));
            }
        };
        put("kind", &self.kind);
        put("ts", &self.ts);
        put("ts_unit", &Some(self.ts_unit.clone()));
        put("symbol", &self.symbol);
        put("symbol_column", &self.symbol_column);
        table.insert(
            "delimiter".into(),
            toml::Value::String(self.delimiter.to_string()),
        );
        let mut columns = toml::Table::new();
        for c in &self.col {
            let (target, source) = c.split_once('=').ok_or_else(|| {
                Failure::input(format!(
                    "--col {c:?}: expected TARGET=SOURCE, e.g. bid=best_bid"
                ))
            })?;
            columns.insert(
                target.trim().into(),
                toml::Value::String(source.trim().into()),
            );
        }
        table.insert("columns".into(), toml::Value::Table(columns));
        toml::Value::Table(table)
            .try_into::<CsvMapping>()
            .map_err(|e| Failure::input(format!("the mapping flags: {e}")))
    }
}

/// `axon data import tardis FILES... -o OUT`.
#[derive(Debug, clap::Args)]
pub struct TardisArgs {
    /// Files of one data type, in time order.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output Parquet file (ticks).
    #[arg(short, long)]
    output: PathBuf,
    /// No output.
    #[arg(long)]
    quiet: bool,
}

/// `axon data import binance FILES... -o OUT`.
#[derive(Debug, clap::Args)]
pub struct BinanceArgs {
    /// Archives in time order (a shell glob of monthly or daily files sorts so).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output Parquet file (ticks, or bars for klines).
    #[arg(short, long)]
    output: PathBuf,
    /// Symbol (default: from the file names, e.g. BTCUSDT-aggTrades-2024-01.zip).
    #[arg(long)]
    symbol: Option<String>,
    /// Kind: klines, aggTrades, trades or bookTicker (default: from the file names).
    #[arg(long, value_parser = parse_binance_kind)]
    kind: Option<BinanceKind>,
    /// No output.
    #[arg(long)]
    quiet: bool,
}

fn parse_binance_kind(s: &str) -> Result<BinanceKind, String> {
    BinanceKind::parse(s)
        .ok_or_else(|| format!("{s:?}: expected klines, aggTrades, trades or bookTicker"))
}

/// Runs `axon data import`.
pub fn import_source(source: &ImportSource) -> anyhow::Result<()> {
    let started = Instant::now();
    let (report, output, quiet) = match source {
        ImportSource::Binance(a) => {
            let options = BinanceOptions {
                symbol: a.symbol.clone(),
                kind: a.kind,
            };
            let report = import_binance(&a.files, &a.output, &options).map_err(Failure::from)?;
            (report, &a.output, a.quiet)
        }
        ImportSource::Tardis(a) => {
            let report = import_tardis(&a.files, &a.output).map_err(Failure::from)?;
            (report, &a.output, a.quiet)
        }
        ImportSource::Csv(a) => {
            let report =
                import_mapped_csv(&a.files, &a.output, &a.mapping()?).map_err(Failure::from)?;
            (report, &a.output, a.quiet)
        }
    };
    if !quiet {
        print_import(&report, output, started.elapsed().as_secs_f64());
    }
    Ok(())
}

fn print_import(r: &ImportReport, out: &Path, secs: f64) {
    let span = match (r.first_ts, r.last_ts) {
        (Some(a), Some(b)) => format!("{} .. {}", axon_data::format_ns(a), axon_data::format_ns(b)),
        _ => "no rows".into(),
    };
    table(
        "Import",
        &[
            ("output", out.display().to_string()),
            ("kind", r.kind.to_string()),
            ("symbols", r.symbols.join(", ")),
            ("rows", r.rows.to_string()),
            (
                "skipped",
                format!("{} (quotes or books without both sides)", r.skipped),
            ),
            ("files", r.files.to_string()),
            ("time span (UTC)", span),
            (
                "speed",
                format!("{:.0} rows/s ({secs:.2} s)", r.rows as f64 / secs.max(1e-9)),
            ),
        ],
    );
}

/// `axon data catalog add|ls`.
#[derive(Debug, clap::Subcommand)]
pub enum CatalogCommand {
    /// File ticks or bars Parquet (from `axon data import`) or Binance
    /// archives into the catalog's venue=/symbol=/kind=/date= partitions,
    /// merged with what is there (sorted; rows already held not added again).
    Add(CatalogAdd),
    /// What the catalog holds: per venue, symbol and kind, the days, rows and bytes.
    Ls {
        /// The catalog folder.
        #[arg(long)]
        catalog: PathBuf,
        /// One JSON object per series instead of the table.
        #[arg(long)]
        json: bool,
    },
}

/// `axon data catalog add FILES... --catalog DIR --venue V [--kind K]`.
#[derive(Debug, clap::Args)]
pub struct CatalogAdd {
    /// Parquet files (ticks or bars, one symbol or several), or Binance
    /// archives (imported on the way: kind from their names).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The catalog folder (created if missing).
    #[arg(long)]
    catalog: PathBuf,
    /// The venue partition, e.g. binance.
    #[arg(long)]
    venue: String,
    /// The kind partition: trades, quotes, bars_1m, ... (default for a
    /// Binance archive: trades, quotes or bars_INTERVAL from its name).
    #[arg(long)]
    kind: Option<String>,
    /// No output.
    #[arg(long)]
    quiet: bool,
}

/// Runs `axon data catalog`.
pub fn catalog(command: &CatalogCommand) -> anyhow::Result<()> {
    match command {
        CatalogCommand::Add(a) => catalog_add(a),
        CatalogCommand::Ls { catalog, json } => catalog_ls(catalog, *json),
    }
}

fn catalog_add(a: &CatalogAdd) -> anyhow::Result<()> {
    let started = Instant::now();
    let catalog = Catalog::new(&a.catalog);
    let mut total = AddReport::default();
    let scratch = tempfile::tempdir()
        .map_err(|e| Failure::input(format!("cannot make a scratch folder: {e}")))?;
    for (n, file) in a.files.iter().enumerate() {
        let binance = BinanceName::parse(file);
        let (parquet, kind) = match (&binance, file.extension().is_some_and(|e| e == "parquet")) {
            (_, true) => {
                let kind = a.kind.clone().ok_or_else(|| {
                    Failure::input(format!(
                        "{}: --kind is needed for a Parquet file (trades, quotes, bars_1m, ...)",
                        file.display()
                    ))
                })?;
                (file.clone(), kind)
            }
            (Some(name), false) => {
                let out = scratch.path().join(format!("{n}.parquet"));
                import_binance(std::slice::from_ref(file), &out, &BinanceOptions::default())
                    .map_err(Failure::from)?;
                let kind = a.kind.clone().unwrap_or_else(|| match name.kind {
                    BinanceKind::AggTrades | BinanceKind::Trades => "trades".into(),
                    BinanceKind::BookTicker => "quotes".into(),
                    BinanceKind::Klines => {
                        format!("bars_{}", name.interval.clone().unwrap_or_default())
                    }
                });
                (out, kind)
            }
            (None, false) => {
                return Err(Failure::input(format!(
                    "{}: expected a .parquet file or a Binance archive (SYMBOL-KIND-DATE.zip); import other formats with axon data import first",
                    file.display()
                ))
                .into());
            }
        };
        let r = catalog
            .add(&parquet, &a.venue, &kind)
            .map_err(Failure::from)?;
        total.rows_read += r.rows_read;
        total.rows_added += r.rows_added;
        total.duplicates += r.duplicates;
        total.partitions += r.partitions;
    }
    if !a.quiet {
        table(
            "Catalog add",
            &[
                ("catalog", a.catalog.display().to_string()),
                ("rows read", total.rows_read.to_string()),
                ("rows added", total.rows_added.to_string()),
                ("already held", total.duplicates.to_string()),
                ("partitions", total.partitions.to_string()),
                ("time", format!("{:.2} s", started.elapsed().as_secs_f64())),
            ],
        );
    }
    Ok(())
}

fn catalog_ls(root: &Path, json: bool) -> anyhow::Result<()> {
    let series = Catalog::new(root).series().map_err(Failure::from)?;
    if json {
        for s in &series {
            println!("{}", serde_json::to_string(s).unwrap_or_default());
        }
        return Ok(());
    }
    println!(
        "{:<12} {:<14} {:<12} {:<10} {:<10} {:>5} {:>12} {:>12}",
        "venue", "symbol", "kind", "first", "last", "days", "rows", "bytes"
    );
    for s in &series {
        println!(
            "{:<12} {:<14} {:<12} {:<10} {:<10} {:>5} {:>12} {:>12}",
            s.venue, s.symbol, s.kind, s.first_date, s.last_date, s.days, s.rows, s.bytes
        );
    }
    Ok(())
}
