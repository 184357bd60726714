//! The parameter space: `--param KEY=START:STOP:STEP` (both ends
//! included) or `KEY=a,b,c`, their grid (the last parameter varying
//! fastest, as `itertools.product`), a constraint over the keys, and a
//! seeded random sample.

use std::fmt;

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

use crate::error::SweepError;

/// One parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Str(String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::Float(v) => write!(f, "{v:?}"),
            Self::Bool(v) => write!(f, "{v}"),
            Self::Str(v) => write!(f, "{v:?}"),
        }
    }
}

impl Value {
    /// A list item: an integer, a float, `true`/`false`, else a string
    /// (quotes stripped).
    fn parse(text: &str) -> Self {
        let t = text.trim();
        if let Ok(v) = t.parse::<i64>() {
            Self::Int(v)
        } else if let Ok(v) = t.parse::<f64>() {
            Self::Float(v)
        } else if t == "true" || t == "false" {
            Self::Bool(t == "true")
        } else {
            Self::Str(t.trim_matches('"').trim_matches('\'').to_owned())
        }
    }
}

/// A parameter and the values it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The config key, dotted (`strategy.fast`, `strategy.params.n1`).
    pub key: String,
    /// Its values, in order.
    pub values: Vec<Value>,
}

/// Keys a sweep may not set: the data is loaded once for every run, and
/// the sweep decides where journals go.
const FIXED: &[&str] = &["data", "journal", "exchange"];

impl Param {
    /// Parses `KEY=START:STOP:STEP` or `KEY=a,b,c`.
    pub fn parse(spec: &str) -> Result<Self, SweepError> {
        let bad = |why: &str| SweepError::Spec(format!("--param {spec:?}: {why}"));
        let (key, values) = spec
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=START:STOP:STEP or KEY=a,b,c"))?;
        let key = key.trim();
        if key.is_empty() || key.split('.').any(|part| part.trim().is_empty()) {
            return Err(bad("the key is empty or has an empty part"));
        }
        if let Some(top) = FIXED.iter().find(|t| key.split('.').next() == Some(t)) {
            return Err(bad(&format!(
                "[{top}] is the same for every run of a sweep (the data is read once)"
            )));
        }
        let parts: Vec<&str> = values.split(':').collect();
        let values = match parts.as_slice() {
            [start, stop, step] => range(start, stop, step).map_err(|e| bad(&e))?,
            [_] => values.split(',').map(Value::parse).collect(),
            _ => return Err(bad("a range is START:STOP:STEP")),
        };
        if values.is_empty() {
            return Err(bad("no values"));
        }
        Ok(Self {
            key: key.to_owned(),
            values,
        })
    }
}

/// `start..=stop` by `step`: integers when all three are, else floats
/// rounded to the inputs' decimals (`0.1:0.3:0.1` is 0.1, 0.2, 0.3).
fn range(start: &str, stop: &str, step: &str) -> Result<Vec<Value>, String> {
    let (a, b, c) = (start.trim(), stop.trim(), step.trim());
    if let (Ok(a), Ok(b), Ok(c)) = (a.parse::<i64>(), b.parse::<i64>(), c.parse::<i64>()) {
        if c <= 0 || b < a {
            return Err("a range needs START <= STOP and STEP > 0".into());
        }
        let n = (b - a) / c + 1;
        if n > 1_000_000 {
            return Err(format!("{n} values: too many"));
        }
        return Ok((0..n).map(|k| Value::Int(a + k * c)).collect());
    }
    let num = |s: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{s:?} is not a number"))
    };
    let (x, y, z) = (num(a)?, num(b)?, num(c)?);
    if z <= 0.0 || y < x {
        return Err("a range needs START <= STOP and STEP > 0".into());
    }
    let decimals = [a, b, c]
        .iter()
        .map(|s| s.split_once('.').map_or(0, |(_, d)| d.len()))
        .max()
        .unwrap_or(0)
        .min(12) as i32;
    let scale = 10f64.powi(decimals);
    let n = ((y - x) / z + 1e-9).floor() as i64 + 1;
    if n > 1_000_000 {
        return Err(format!("{n} values: too many"));
    }
    Ok((0..n)
        .map(|k| Value::Float(((x + k as f64 * z) * scale).round() / scale))
        .collect())
}

/// A point of the space: one value per parameter, in parameter order.
pub type Point = Vec<Value>;

/// The grid, in order (the last parameter fastest).
pub fn grid(params: &[Param]) -> Vec<Point> {
    let mut points: Vec<Point> = vec![Vec::new()];
    for p in params {
        let mut next = Vec::with_capacity(points.len() * p.values.len());
        for point in &points {
            for v in &p.values {
                let mut q = point.clone();
                q.push(v.clone());
                next.push(q);
            }
        }
        points = next;
    }
    points
}

/// `n` points drawn without replacement with a seeded generator, kept in
/// grid order (all of them when the grid has no more than `n`).
pub fn sample(points: Vec<Point>, n: usize, seed: u64) -> Vec<Point> {
    if n >= points.len() {
        return points;
    }
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut chosen: Vec<usize> = order[..n].to_vec();
    chosen.sort_unstable();
    chosen.into_iter().map(|i| points[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_include_both_ends() {
        let p = Param::parse("strategy.fast=5:50:5").unwrap();
        assert_eq!(p.values.len(), 10);
        assert_eq!(p.values[9], Value::Int(50));
        let f = Param::parse("strategy.k=0.1:0.3:0.1").unwrap();
        assert_eq!(
            f.values,
            vec![Value::Float(0.1), Value::Float(0.2), Value::Float(0.3)]
        );
        let l = Param::parse("strategy.short=true,false").unwrap();
        assert_eq!(l.values, vec![Value::Bool(true), Value::Bool(false)]);
    }

    #[test]
    fn bad_params_say_why() {
        for (spec, why) in [
            ("strategy.fast", "expected KEY="),
            ("data.path=a,b", "same for every run"),
            ("strategy.fast=5:1:1", "START <= STOP"),
            ("strategy.fast=1:5:0", "STEP > 0"),
            ("strategy.fast=1:x:1", "not a number"),
            ("=1,2", "key is empty"),
        ] {
            let e = Param::parse(spec).unwrap_err().to_string();
            assert!(e.contains(why), "{spec}: {e}");
        }
    }

    #[test]
    fn the_grid_varies_the_last_parameter_fastest_and_samples_repeat() {
        let a = Param::parse("a=1,2").unwrap();
        let b = Param::parse("b=x,y,z").unwrap();
        let g = grid(&[a, b]);
        assert_eq!(g.len(), 6);
        assert_eq!(g[1], vec![Value::Int(1), Value::Str("y".into())]);
        let s = sample(g.clone(), 3, 7);
        assert_eq!(s, sample(g.clone(), 3, 7));
        assert_eq!(s.len(), 3);
        assert!((8..40).any(|seed| sample(g.clone(), 3, seed) != s));
    }
}
