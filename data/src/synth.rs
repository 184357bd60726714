//! Seeded synthetic ticks: [`TickSynth`] and [`synth_ticks_to_parquet`].
//!
//! The model, per tick (all state in log price `x`):
//!
//! - spacing: `max(1 ns, round(mean_spacing * E))`, `E ~ Exp(1)`; the first
//!   tick is at `start_ts_ns`, so timestamps strictly increase;
//! - regimes: each tick starts a new regime with probability 1/20,000; a
//!   regime has a drift (normal, scaled so a regime's trend is about as large
//!   as its noise) and a volatility level (calm 0.6, normal 1.0, storm 1.6,
//!   normalized so the mean variance multiplier is 1);
//! - `x += drift*h + sigma*level*sqrt(h)*Z - kappa*h*(x - x0)` with
//!   `h = spacing / mean_spacing`, `Z ~ N(0, 1)`, `sigma` the configured
//!   annual volatility scaled to one mean spacing (half of the variance is
//!   noise, half comes from regime trends), and a weak pull `kappa` towards
//!   the start price (half-life about a million ticks);
//! - quotes: a spread of 1 to 3 ticks, wider in volatile regimes, centred on
//!   `exp(x)` and rounded to `tick_size`, so `bid < ask` always; sizes 100 to
//!   6,400; the last trade at the bid or ask, volume 100 to 1,600.
//!
//! Random draws come from `ChaCha8Rng::seed_from_u64(seed)` and the maths uses
//! only IEEE basic operations and `sqrt` (see `detmath`), so a seed gives the
//! same ticks, bit for bit, on every platform.

use std::path::Path;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::detmath::{exp, ln, round};
use crate::{DataError, SymbolTable, TickBatch, TickWriter};

/// Parameters of [`TickSynth`].
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Seed of the random generator.
    pub seed: u64,
    /// Number of ticks to generate.
    pub ticks: u64,
    /// Symbol name (default `"SYN"`).
    pub symbol: String,
    /// Timestamp of the first tick, ns since the epoch (default 2024-01-02T00:00:00Z).
    pub start_ts_ns: i64,
    /// Mean spacing between ticks in ns (default 100 ms), at least 1.
    pub mean_spacing_ns: i64,
    /// Mid price of the first tick (default 100.0), finite and > 0.
    pub start_price: f64,
    /// Annualized volatility of the log price (default 0.3), finite and >= 0.
    pub annual_vol: f64,
    /// Price increment (default 0.01), finite and > 0.
    pub tick_size: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            ticks: 1_000_000,
            symbol: "SYN".to_owned(),
            start_ts_ns: 1_704_153_600_000_000_000,
            mean_spacing_ns: 100_000_000,
            start_price: 100.0,
            annual_vol: 0.3,
            tick_size: 0.01,
        }
    }
}

impl SynthConfig {
    /// Checks the ranges documented on each field.
    pub fn validate(&self) -> Result<(), DataError> {
        let bad = |field: &'static str, expected: &'static str, found: String| {
            Err(DataError::InvalidConfig {
                field,
                expected,
                found,
            })
        };
        if self.symbol.is_empty() {
            return bad("symbol", "a non-empty name", String::new());
        }
        if self.mean_spacing_ns < 1 {
            return bad("mean_spacing_ns", ">= 1", self.mean_spacing_ns.to_string());
        }
        if !(self.start_price > 0.0 && self.start_price.is_finite()) {
            return bad(
                "start_price",
                "finite and > 0",
                self.start_price.to_string(),
            );
        }
        if !(self.annual_vol >= 0.0 && self.annual_vol.is_finite()) {
            return bad("annual_vol", "finite and >= 0", self.annual_vol.to_string());
        }
        if !(self.tick_size > 0.0 && self.tick_size.is_finite()) {
            return bad("tick_size", "finite and > 0", self.tick_size.to_string());
        }
        Ok(())
    }
}

const YEAR_NS: f64 = 365.25 * 86_400e9;
/// A tick starts a new regime when 20 random bits fall below this (about 1 in 20,000).
const REGIME_SWITCH_BELOW: u64 = (1 << 20) / 20_000;
const REGIME_MEAN_TICKS: f64 = 20_000.0;
/// Volatility levels and their cumulative probabilities (of 65,536).
const VOL_LEVELS: [f64; 3] = [0.6, 1.0, 1.6];
const VOL_CUMULATIVE: [u64; 3] = [19_661, 52_429, 65_536];
/// `1 / sqrt(E[level^2])` = 1 / sqrt(0.3*0.36 + 0.5*1 + 0.2*2.56).
const VOL_NORM: f64 = 0.944_911_182_523_068;
/// Cumulative probabilities (of 65,536) of a spread of 1 and 2 ticks, per level.
const SPREAD_CUMULATIVE: [[u64; 2]; 3] = [[49_152, 62_259], [32_768, 55_706], [13_107, 39_322]];
/// Pull towards the start price per mean spacing.
const KAPPA: f64 = 1.0 / (50.0 * REGIME_MEAN_TICKS);
const LOT: f64 = 100.0;

/// Streaming generator of synthetic ticks for one symbol.
#[derive(Debug, Clone)]
pub struct TickSynth {
    cfg: SynthConfig,
    rng: ChaCha8Rng,
    emitted: u64,
    ts: i64,
    x: f64,
    x0: f64,
    /// Base noise per mean spacing (log units).
    sigma: f64,
    drift: f64,
    level: usize,
    spare_normal: Option<f64>,
    /// `1 / tick_size` when it is an integer (prices are then `n / inv`, the
    /// closest doubles to the decimal prices).
    inv_tick: Option<f64>,
}

impl TickSynth {
    /// A generator for `cfg`. Out-of-range fields (see [`SynthConfig::validate`])
    /// are replaced by their defaults.
    pub fn new(cfg: SynthConfig) -> Self {
        let mut cfg = cfg;
        let d = SynthConfig::default();
        if cfg.symbol.is_empty() {
            cfg.symbol = d.symbol;
        }
        if cfg.mean_spacing_ns < 1 {
            cfg.mean_spacing_ns = d.mean_spacing_ns;
        }
        if !(cfg.start_price > 0.0 && cfg.start_price.is_finite()) {
            cfg.start_price = d.start_price;
        }
        if !(cfg.annual_vol >= 0.0 && cfg.annual_vol.is_finite()) {
            cfg.annual_vol = d.annual_vol;
        }
        if !(cfg.tick_size > 0.0 && cfg.tick_size.is_finite()) {
            cfg.tick_size = d.tick_size;
        }
        let inv = round(1.0 / cfg.tick_size);
        let inv_tick = (inv >= 1.0 && (inv * cfg.tick_size - 1.0).abs() < 1e-9).then_some(inv);
        let sigma = cfg.annual_vol
            * (cfg.mean_spacing_ns as f64 / YEAR_NS).sqrt()
            * std::f64::consts::FRAC_1_SQRT_2;
        let x0 = ln(cfg.start_price);
        let mut s = Self {
            rng: ChaCha8Rng::seed_from_u64(cfg.seed),
            emitted: 0,
            ts: cfg.start_ts_ns,
            x: x0,
            x0,
            sigma,
            drift: 0.0,
            level: 1,
            spare_normal: None,
            inv_tick,
            cfg,
        };
        s.new_regime();
        s
    }

    /// The configuration in use (after replacing out-of-range fields).
    pub fn config(&self) -> &SynthConfig {
        &self.cfg
    }

    /// Ticks still to come.
    pub fn remaining(&self) -> u64 {
        self.cfg.ticks - self.emitted
    }

    /// A standard normal draw (Marsaglia's polar method).
    fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        const SCALE: f64 = 1.0 / (1u64 << 31) as f64;
        loop {
            let r = self.rng.next_u64();
            let u = ((r >> 32) as f64 + 0.5) * SCALE - 1.0;
            let v = ((r & 0xFFFF_FFFF) as f64 + 0.5) * SCALE - 1.0;
            let s = u * u + v * v;
            if s < 1.0 && s > 0.0 {
                let f = (-2.0 * ln(s) / s).sqrt();
                self.spare_normal = Some(v * f);
                return u * f;
            }
        }
    }

    fn new_regime(&mut self) {
        let r = self.rng.next_u64() & 0xFFFF;
        self.level = VOL_CUMULATIVE.iter().position(|&c| r < c).unwrap_or(1);
        self.drift = self.normal() * self.sigma / REGIME_MEAN_TICKS.sqrt();
    }

    fn to_price(&self, ticks: f64) -> f64 {
        match self.inv_tick {
            Some(inv) => ticks / inv,
            None => ticks * self.cfg.tick_size,
        }
    }

    /// Clears `out` and fills it with up to `max` further ticks (symbol
    /// interned in `symbols`). Returns `false`, leaving `out` empty, once all
    /// `cfg.ticks` ticks have been produced (or if `max` is 0).
    pub fn next_batch(
        &mut self,
        max: usize,
        out: &mut TickBatch,
        symbols: &mut SymbolTable,
    ) -> bool {
        out.clear();
        let n = self.remaining().min(max as u64) as usize;
        if n == 0 {
            return false;
        }
        out.reserve(n);
        let symbol = symbols.intern(&self.cfg.symbol);
        let mean = self.cfg.mean_spacing_ns as f64;
        let inv_mean = 1.0 / mean;
        let inv_tick_size = 1.0 / self.cfg.tick_size;
        for _ in 0..n {
            if self.emitted > 0 {
                let u = ((self.rng.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
                let gap = (round(mean * -ln(u)) as i64).max(1);
                self.ts = self.ts.saturating_add(gap);
                let h = gap as f64 * inv_mean;
                let z = self.normal();
                let vol = self.sigma * VOL_LEVELS[self.level] * VOL_NORM;
                self.x += self.drift * h + vol * h.sqrt() * z - KAPPA * h * (self.x - self.x0);
            }
            let m = self.rng.next_u64();
            if m & 0xF_FFFF < REGIME_SWITCH_BELOW {
                self.new_regime();
            }
            let [one, two] = SPREAD_CUMULATIVE[self.level];
            let r = (m >> 20) & 0xFFFF;
            let spread = if r < one {
                1.0
            } else if r < two {
                2.0
            } else {
                3.0
            };
            let mid = exp(self.x) * inv_tick_size;
            let bid_ticks = round(mid - 0.5 * spread).max(1.0);
            let bid = self.to_price(bid_ticks);
            let ask = self.to_price(bid_ticks + spread);
            let bid_size = LOT * (1 + ((m >> 36) & 63)) as f64;
            let ask_size = LOT * (1 + ((m >> 42) & 63)) as f64;
            let volume = LOT * (1 + ((m >> 48) & 15).min((m >> 52) & 15)) as f64;
            let last = if (m >> 56) & 1 == 1 { ask } else { bid };
            out.ts.push(self.ts);
            out.symbol.push(symbol);
            out.bid.push(bid);
            out.ask.push(ask);
            out.bid_size.push(bid_size);
            out.ask_size.push(ask_size);
            out.last.push(last);
            out.volume.push(volume);
            self.emitted += 1;
        }
        true
    }
}

/// Generates `cfg.ticks` ticks into a Parquet file at `out` (see
/// [`crate::TickWriter`]). Returns the number of rows written. The same
/// configuration gives a byte-identical file (with the same build).
pub fn synth_ticks_to_parquet(cfg: &SynthConfig, out: &Path) -> Result<u64, DataError> {
    cfg.validate()?;
    let mut synth = TickSynth::new(cfg.clone());
    let mut symbols = SymbolTable::default();
    let mut batch = TickBatch::default();
    let mut writer = TickWriter::new(out)?;
    while synth.next_batch(65_536, &mut batch, &mut symbols) {
        writer.write(&batch, &symbols)?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generate(cfg: SynthConfig) -> (TickBatch, SymbolTable) {
        let mut synth = TickSynth::new(cfg);
        let mut symbols = SymbolTable::default();
        let mut all = TickBatch::default();
        let mut b = TickBatch::default();
        while synth.next_batch(1000, &mut b, &mut symbols) {
            all.extend_from(&b);
        }
        (all, symbols)
    }

    #[test]
    fn ticks_are_valid_and_realistic() {
        let cfg = SynthConfig {
            ticks: 200_000,
            seed: 7,
            ..SynthConfig::default()
        };
        let (b, symbols) = generate(cfg.clone());
        assert_eq!(b.len(), 200_000);
        assert_eq!(symbols.names(), ["SYN"]);
        assert_eq!(b.ts[0], cfg.start_ts_ns);
        assert!(b.ts.windows(2).all(|w| w[0] < w[1]));
        let mut prev = None;
        assert!(crate::validate::check_ticks(&b, &mut prev).is_ok());
        for t in b.iter() {
            assert!(t.bid < t.ask && t.bid > 0.0);
            let spread = ((t.ask - t.bid) / 0.01).round();
            assert!((1.0..=3.0).contains(&spread), "spread {spread}");
            assert_eq!(
                t.bid,
                (t.bid * 100.0).round() / 100.0,
                "bid on the tick grid"
            );
            assert!(t.bid_size > 0.0 && t.ask_size > 0.0 && t.volume > 0.0);
            assert!(t.last == t.bid || t.last == t.ask);
        }
        let mean_gap = (b.ts[b.len() - 1] - b.ts[0]) as f64 / (b.len() - 1) as f64;
        assert!((mean_gap / 1e8 - 1.0).abs() < 0.02, "mean gap {mean_gap}");
        // The mid moves well beyond a few ticks over ~5.5 hours.
        let mids: Vec<f64> = b.iter().map(|t| 0.5 * (t.bid + t.ask)).collect();
        let (lo, hi) = mids
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &m| (l.min(m), h.max(m)));
        assert!(hi - lo > 0.1, "range {lo}..{hi}");
    }

    #[test]
    fn moving_average_crossover_trades() {
        let (b, _) = generate(SynthConfig {
            ticks: 200_000,
            seed: 3,
            ..SynthConfig::default()
        });
        let (fast, slow) = (200usize, 2_000usize);
        let mids: Vec<f64> = b.iter().map(|t| 0.5 * (t.bid + t.ask)).collect();
        let mut crossings = 0;
        let mut prev_sign = 0i8;
        for i in slow..mids.len() {
            if i % 100 != 0 {
                continue;
            }
            let f: f64 = mids[i - fast..i].iter().sum::<f64>() / fast as f64;
            let s: f64 = mids[i - slow..i].iter().sum::<f64>() / slow as f64;
            let sign = if f > s {
                1
            } else if f < s {
                -1
            } else {
                0
            };
            if sign != 0 && prev_sign != 0 && sign != prev_sign {
                crossings += 1;
            }
            if sign != 0 {
                prev_sign = sign;
            }
        }
        assert!(crossings >= 4, "only {crossings} crossings");
    }

    #[test]
    fn same_seed_same_ticks_and_pinned_digest() {
        use sha2::{Digest, Sha256};
        let cfg = SynthConfig {
            ticks: 5_000,
            seed: 42,
            ..SynthConfig::default()
        };
        let (a, _) = generate(cfg.clone());
        let (b, _) = generate(cfg.clone());
        assert_eq!(a, b);
        let (c, _) = generate(SynthConfig { seed: 43, ..cfg });
        assert_ne!(a, c);
        let mut h = Sha256::new();
        for t in a.iter() {
            h.update(t.ts.to_le_bytes());
            for v in [t.bid, t.ask, t.bid_size, t.ask_size, t.last, t.volume] {
                h.update(v.to_bits().to_le_bytes());
            }
        }
        // Pins the generator across platforms and releases: a change here
        // changes every synthetic data set, so update it only on purpose.
        assert_eq!(
            hex::encode(h.finalize()),
            "e48fc5cdc889313f61a99845e210a2a54a5c6a4005ac44b814d6438e42c74e24"
        );
    }

    #[test]
    fn batches_split_anywhere() {
        let cfg = SynthConfig {
            ticks: 1_234,
            ..SynthConfig::default()
        };
        let (whole, _) = generate(cfg.clone());
        let mut synth = TickSynth::new(cfg);
        let mut symbols = SymbolTable::default();
        let (mut all, mut b) = (TickBatch::default(), TickBatch::default());
        let mut k = 1;
        while synth.next_batch(k, &mut b, &mut symbols) {
            all.extend_from(&b);
            k = k * 3 + 1;
        }
        assert_eq!(all, whole);
        assert!(!synth.next_batch(10, &mut b, &mut symbols) && b.is_empty());
    }

    #[test]
    fn bad_config_is_rejected_or_replaced() {
        let cfg = SynthConfig {
            tick_size: 0.0,
            ..SynthConfig::default()
        };
        assert!(matches!(
            cfg.validate(),
            Err(DataError::InvalidConfig {
                field: "tick_size",
                ..
            })
        ));
        assert_eq!(TickSynth::new(cfg).config().tick_size, 0.01);
    }
}
