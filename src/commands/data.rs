//! `axon data synth` and `axon data import-csv`.

use std::path::Path;

use axon_data::{SynthConfig, import_csv, synth_ticks_to_parquet};

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
