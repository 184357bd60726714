//! Counterfactuals: the smallest changes of one feature (or, when no single
//! feature will do, of two or three together) that make the model choose
//! another action than the one it chose.
//!
//! Each feature is searched on its own scale: its range in the background,
//! or, with no background or where the background does not vary, the
//! magnitude of its value (at least 1, so a zero value steps in units). From
//! the observation the search walks outward in both directions, ring by
//! ring: up to one scale in `n_samples / 2` seeded, stratified steps plus a
//! geometric ladder down to 2⁻¹⁰ scale (narrow flips near the observation),
//! then 1–2, 2–4, 4–8 and 8–16 scales more coarsely. The walk stops at the
//! first ring where the action changes, and batched bisection between the
//! last step that kept the action and the first that changed it narrows the
//! change to the smallest one.
//!
//! When no feature flips the decision alone, pairs (then triples) of the
//! features that brought the model closest to a flip move together, along a
//! few directions, searched the same way. Windowed inputs shift every time
//! step of a feature by the same delta. Every result is verified by running
//! the model once more; results are sorted by distance (Σ |delta| / scale),
//! and the same seed gives the same results.

use std::cmp::Ordering;
use std::sync::Arc;

use axon_inference::Backend;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::error::{ExplainError, Result};
use crate::layout::FeatureLayout;
use crate::report::action_name;
use crate::value::BATCH_VALUES;

/// The fine ladder near the observation: 2⁻ᶠ … 2⁻¹ scales.
const FINE: i32 = 10;
/// Rings walked, in scales: (0, 1], (1, 2], (2, 4], (4, 8], (8, 16].
const RINGS: usize = 5;
/// Features tried in pairs and in triples: those that came nearest to a
/// flip alone (every pair of 6 is 15 walks, every triple of 4 is 4).
const PAIR_FEATURES: usize = 6;
const TRIPLE_FEATURES: usize = 4;
/// Directions a pair moves along, as weights on its features' scales.
const PAIR_WEIGHTS: [[f64; 2]; 3] = [[1.0, 1.0], [1.0, 0.5], [0.5, 1.0]];
/// Bisection: interior points per model call, and calls at most.
const REFINE_POINTS: usize = 15;
const REFINE_ROUNDS: usize = 10;

/// How to search.
#[derive(Debug, Clone)]
pub struct CounterfactualOptions {
    /// Per input cell instead of per feature.
    pub per_cell: bool,
    /// Seed of the stratified steps.
    pub seed: u64,
    /// Names of the input's last-dimension features.
    pub feature_names: Option<Vec<String>>,
    /// Most features changed together (1: single-feature changes only).
    pub max_features: usize,
}

impl Default for CounterfactualOptions {
    fn default() -> Self {
        Self {
            per_cell: false,
            seed: 0,
            feature_names: None,
            max_features: 3,
        }
    }
}

/// One feature's part of a counterfactual.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeatureChange {
    /// The feature changed.
    pub feature_name: String,
    /// Its index in the layout.
    pub feature_index: usize,
    /// Its value in the observation (its newest cell).
    pub original_value: f64,
    /// Its value after the change.
    pub counterfactual_value: f64,
    /// The change (added to every cell of the feature).
    pub delta: f64,
}

/// A change of one or more features that flips the decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counterfactual {
    /// The features changed, by feature index.
    pub changes: Vec<FeatureChange>,
    /// The action the model then chooses.
    pub new_action: usize,
    /// Its name.
    pub new_action_name: String,
    /// The model's outputs after the change.
    pub new_outputs: Vec<f32>,
    /// Σ |delta| over each feature's scale (its background range, or its
    /// value's magnitude, at least 1).
    pub distance: f64,
}

impl Counterfactual {
    /// The change in words: `f2 0.1 -> 0.32 (+0.22), f3 ...`.
    pub fn describe(&self) -> String {
        self.changes
            .iter()
            .map(|c| {
                format!(
                    "{} {:.6} -> {:.6} ({:+.6})",
                    c.feature_name, c.original_value, c.counterfactual_value, c.delta
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The generator.
#[derive(Debug, Clone)]
pub struct CounterfactualGenerator {
    model: Arc<dyn Backend>,
    options: CounterfactualOptions,
}

pub(crate) fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &x)| {
            if x > best.1 { (i, x) } else { best }
        })
        .0
}

/// A direction in input space: each feature's change per unit of `t`.
#[derive(Debug, Clone)]
struct Ray(Vec<(usize, f64)>);

/// Appends `x` with every cell of each ray feature moved by `t · u`.
fn push_changed(out: &mut Vec<f32>, x: &[f32], layout: &FeatureLayout, ray: &Ray, t: f64) {
    let at = out.len();
    out.extend_from_slice(x);
    for &(j, u) in &ray.0 {
        let d = t * u;
        for &c in &layout.groups[j] {
            out[at + c] = (f64::from(x[c]) + d) as f32;
        }
    }
}

/// The values of `t` in ring `r`: stratified, seeded, ascending.
fn ring(r: usize, steps: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let (lo, hi, n) = if r == 0 {
        (0.0, 1.0, steps)
    } else {
        let lo = f64::from(1u32 << (r - 1));
        (lo, 2.0 * lo, (steps / 4).max(2))
    };
    // One draw in each of n equal strata of (lo, hi].
    let mut ts: Vec<f64> = (0..n)
        .map(|k| lo + (k as f64 + 1.0 - rng.random::<f64>()) / n as f64 * (hi - lo))
        .collect();
    if r == 0 {
        ts.extend((1..=FINE).map(|e| 0.5f64.powi(e)));
    }
    ts.sort_by(f64::total_cmp);
    ts.dedup();
    ts
}

/// What one walk found: per ray, the smallest `t` that flips (refined) and
/// the lowest margin of the chosen action seen on the way.
struct Walk {
    found: Vec<Option<f64>>,
    closest: Vec<f64>,
}

/// A feature and how far it alone, moved up and down, brought the model
/// toward another action (the drop in the chosen action's margin).
type Moved = (usize, [f64; 2]);

/// One observation's search state.
struct Search<'a> {
    model: &'a dyn Backend,
    x: &'a [f32],
    layout: &'a FeatureLayout,
    action: usize,
    classes: usize,
    scales: Vec<Option<f64>>,
    batch: Vec<f32>,
    y: Vec<f32>,
}

impl Search<'_> {
    /// The model's outputs for each (ray, t), in order, flat.
    fn outputs(&mut self, rays: &[Ray], cands: &[(usize, f64)]) -> Result<Vec<f32>> {
        let per_call = (BATCH_VALUES / self.x.len().max(1)).max(1);
        let mut all = Vec::with_capacity(cands.len() * self.classes);
        for chunk in cands.chunks(per_call) {
            self.batch.clear();
            for &(r, t) in chunk {
                push_changed(&mut self.batch, self.x, self.layout, &rays[r], t);
            }
            self.model
                .predict_batch(&self.batch, chunk.len(), &mut self.y)?;
            let expected = chunk.len() * self.classes;
            let rows = self.y.get(..expected).ok_or(ExplainError::Outputs {
                got: self.y.len(),
                expected,
            })?;
            all.extend_from_slice(rows);
        }
        Ok(all)
    }

    fn flips(&self, row: &[f32]) -> bool {
        argmax(row) != self.action
    }

    /// The chosen action's lead over the best other output (below zero or
    /// tied, another action wins).
    fn margin(&self, row: &[f32]) -> f64 {
        let best_other = row
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.action)
            .map(|(_, v)| f64::from(*v))
            .fold(f64::NEG_INFINITY, f64::max);
        let m = f64::from(row[self.action]) - best_other;
        if m.is_nan() { f64::INFINITY } else { m }
    }

    /// Walks every ray outward ring by ring, stops at the first ring where
    /// some ray changes the action, and narrows each such change.
    fn walk(&mut self, rays: &[Ray], steps: usize, rng: &mut ChaCha8Rng) -> Result<Walk> {
        let mut keep = vec![0.0; rays.len()];
        let mut closest = vec![f64::INFINITY; rays.len()];
        for r in 0..RINGS {
            let ts = ring(r, steps, rng);
            let cands: Vec<(usize, f64)> = (0..rays.len())
                .flat_map(|i| ts.iter().map(move |&t| (i, t)))
                .collect();
            let y = self.outputs(rays, &cands)?;
            let mut rows = y.chunks_exact(self.classes);
            let mut brackets = vec![None; rays.len()];
            for i in 0..rays.len() {
                for &t in &ts {
                    let row = rows.next().expect("one output row per candidate");
                    if brackets[i].is_some() {
                        continue;
                    }
                    closest[i] = closest[i].min(self.margin(row));
                    if self.flips(row) {
                        brackets[i] = Some((keep[i], t));
                    } else {
                        keep[i] = t;
                    }
                }
            }
            if brackets.iter().any(Option::is_some) {
                let found = self.refine(rays, brackets)?;
                return Ok(Walk { found, closest });
            }
        }
        Ok(Walk {
            found: vec![None; rays.len()],
            closest,
        })
    }

    /// Bisection, many points per call: each bracket (keeps, flips) shrinks
    /// to the first flipping point and the one before it.
    fn refine(
        &mut self,
        rays: &[Ray],
        mut brackets: Vec<Option<(f64, f64)>>,
    ) -> Result<Vec<Option<f64>>> {
        let point =
            |lo: f64, hi: f64, k: usize| lo + (hi - lo) * k as f64 / (REFINE_POINTS + 1) as f64;
        for _ in 0..REFINE_ROUNDS {
            // Below ~f32 resolution there is nothing left to narrow.
            let active: Vec<usize> = (0..rays.len())
                .filter(|&i| brackets[i].is_some_and(|(lo, hi)| hi - lo > hi * 1e-7))
                .collect();
            if active.is_empty() {
                break;
            }
            let cands: Vec<(usize, f64)> = active
                .iter()
                .flat_map(|&i| {
                    let (lo, hi) = brackets[i].expect("active brackets are set");
                    (1..=REFINE_POINTS).map(move |k| (i, point(lo, hi, k)))
                })
                .collect();
            let y = self.outputs(rays, &cands)?;
            for (n, &i) in active.iter().enumerate() {
                let (lo, hi) = brackets[i].expect("active brackets are set");
                let rows = &y[n * REFINE_POINTS * self.classes..];
                let first = (0..REFINE_POINTS)
                    .find(|&k| self.flips(&rows[k * self.classes..(k + 1) * self.classes]));
                brackets[i] = Some(match first {
                    Some(0) => (lo, point(lo, hi, 1)),
                    Some(k) => (point(lo, hi, k), point(lo, hi, k + 1)),
                    None => (point(lo, hi, REFINE_POINTS), hi),
                });
            }
        }
        Ok(brackets.into_iter().map(|b| b.map(|(_, hi)| hi)).collect())
    }

    /// Σ |change per t| / scale: the distance one unit of `t` covers.
    fn distance_per_t(&self, ray: &Ray) -> f64 {
        ray.0
            .iter()
            .map(|&(j, u)| u.abs() / self.scales[j].unwrap_or(1.0))
            .sum()
    }

    /// The counterfactual at `t` along `ray`, if a fresh prediction
    /// confirms that the action changes.
    fn verified(&self, ray: &Ray, t: f64) -> Result<Option<Counterfactual>> {
        let mut changed = Vec::with_capacity(self.x.len());
        push_changed(&mut changed, self.x, self.layout, ray, t);
        let out = self.model.predict(&changed)?;
        let new_action = argmax(&out);
        if new_action == self.action {
            return Ok(None);
        }
        let mut parts = ray.0.clone();
        parts.sort_by_key(|p| p.0);
        let changes: Vec<FeatureChange> = parts
            .iter()
            .map(|&(j, u)| {
                let original = self.layout.value(self.x, j);
                FeatureChange {
                    feature_name: self.layout.names[j].clone(),
                    feature_index: j,
                    original_value: original,
                    counterfactual_value: original + t * u,
                    delta: t * u,
                }
            })
            .collect();
        Ok(Some(Counterfactual {
            changes,
            new_action,
            new_action_name: action_name(new_action),
            new_outputs: out,
            distance: t * self.distance_per_t(ray),
        }))
    }

    /// The nearest verified counterfactual among what a walk found.
    fn nearest(&self, rays: &[Ray], walk: &Walk) -> Result<Option<Counterfactual>> {
        let mut hits: Vec<(f64, usize, f64)> = walk
            .found
            .iter()
            .enumerate()
            .filter_map(|(i, t)| t.map(|t| (t * self.distance_per_t(&rays[i]), i, t)))
            .collect();
        hits.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (_, i, t) in hits {
            if let Some(c) = self.verified(&rays[i], t)? {
                return Ok(Some(c));
            }
        }
        Ok(None)
    }

    /// Walks each feature alone, up and down (its scale a unit of `t`):
    /// the nearest flip of each, and how far each moved the model.
    fn singles(
        &mut self,
        base_margin: f64,
        steps: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<(Vec<Counterfactual>, Vec<Moved>)> {
        let mut found = Vec::new();
        let mut moved = Vec::new();
        for j in 0..self.layout.len() {
            let Some(scale) = self.scales[j] else {
                continue;
            };
            let rays = [Ray(vec![(j, scale)]), Ray(vec![(j, -scale)])];
            let walk = self.walk(&rays, steps, rng)?;
            moved.push((
                j,
                [base_margin - walk.closest[0], base_margin - walk.closest[1]],
            ));
            if let Some(c) = self.nearest(&rays, &walk)? {
                found.push(c);
            }
        }
        Ok((found, moved))
    }

    /// Pairs, then triples (up to `max_features`) of the features that
    /// moved the model most, sparse first: the first size at which some
    /// combination flips the decision gives the results.
    fn combinations(
        &mut self,
        mut moved: Vec<Moved>,
        max_features: usize,
        steps: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<Counterfactual>> {
        moved.sort_by(|a, b| {
            let best = |m: &[f64; 2]| m[0].max(m[1]);
            best(&b.1).total_cmp(&best(&a.1)).then(a.0.cmp(&b.0))
        });
        let mut found = Vec::new();
        for k in 2..=max_features.min(3) {
            if !found.is_empty() {
                break;
            }
            let top = if k == 2 {
                PAIR_FEATURES
            } else {
                TRIPLE_FEATURES
            };
            let ranked: Vec<usize> = (0..moved.len().min(top)).collect();
            for subset in subsets(&ranked, k) {
                let rays =
                    combination_rays(self, &subset.iter().map(|&i| moved[i]).collect::<Vec<_>>());
                let walk = self.walk(&rays, steps, rng)?;
                if let Some(c) = self.nearest(&rays, &walk)? {
                    found.push(c);
                }
            }
        }
        Ok(found)
    }
}

/// Every `k`-subset of `items`, in lexicographic order.
fn subsets(items: &[usize], k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![Vec::new()];
    }
    if items.len() < k {
        return Vec::new();
    }
    let mut out: Vec<Vec<usize>> = subsets(&items[1..], k - 1)
        .into_iter()
        .map(|mut rest| {
            rest.insert(0, items[0]);
            rest
        })
        .collect();
    out.extend(subsets(&items[1..], k));
    out
}

impl CounterfactualGenerator {
    /// A generator for `model` with default options.
    pub fn new(model: Arc<dyn Backend>) -> Self {
        Self::with_options(model, CounterfactualOptions::default())
    }

    /// A generator with explicit options.
    pub fn with_options(model: Arc<dyn Backend>, options: CounterfactualOptions) -> Self {
        Self { model, options }
    }

    fn layout(&self) -> Result<FeatureLayout> {
        FeatureLayout::for_shape(
            &self.model.info().input_shape,
            self.options.per_cell,
            self.options.feature_names.as_deref(),
        )
    }

    fn check(&self, observation: &[f32], background: &[Vec<f32>]) -> Result<()> {
        crate::value::check_shapes(self.model.as_ref(), observation, background)
    }

    /// `observation` with a counterfactual's changes applied: the input the
    /// model was verified on.
    pub fn apply(&self, observation: &[f32], counterfactual: &Counterfactual) -> Result<Vec<f32>> {
        self.check(observation, &[])?;
        let layout = self.layout()?;
        let mut out = observation.to_vec();
        for c in &counterfactual.changes {
            let cells = layout.groups.get(c.feature_index).ok_or_else(|| {
                ExplainError::Layout(format!(
                    "feature {} is not in the model's layout ({} features)",
                    c.feature_index,
                    layout.len()
                ))
            })?;
            for &cell in cells {
                out[cell] = (f64::from(observation[cell]) + c.delta) as f32;
            }
        }
        Ok(out)
    }

    /// Counterfactuals for `observation`, at which the model chooses
    /// `original_action`; `background` (may be empty) sets each feature's
    /// scale. Up to `n_samples` candidates per feature in the first ring.
    pub fn generate(
        &self,
        observation: &[f32],
        original_action: usize,
        n_samples: usize,
        background: &[Vec<f32>],
    ) -> Result<Vec<Counterfactual>> {
        let base = self.chosen_outputs(observation, original_action, background)?;
        let layout = self.layout()?;
        let mut s = Search {
            model: self.model.as_ref(),
            x: observation,
            layout: &layout,
            action: original_action,
            classes: self.model.info().output_dim,
            scales: scales(&layout, observation, background),
            batch: Vec::new(),
            y: Vec::new(),
        };
        let base_margin = s.margin(&base);
        // One generator for every walk, singles then combinations, so the
        // seed fixes the whole search.
        let mut rng = ChaCha8Rng::seed_from_u64(self.options.seed);
        let steps = n_samples.div_ceil(2).max(2);
        let (mut found, moved) = s.singles(base_margin, steps, &mut rng)?;
        if found.is_empty() {
            // No single feature does: a few features together.
            let combo_steps = (n_samples / 4).max(4);
            found = s.combinations(moved, self.options.max_features, combo_steps, &mut rng)?;
        }
        found.sort_by(nearest_first);
        Ok(found)
    }

    /// The model's outputs at `observation`, once the shapes fit and
    /// `action` is the one the model chooses there.
    fn chosen_outputs(
        &self,
        observation: &[f32],
        action: usize,
        background: &[Vec<f32>],
    ) -> Result<Vec<f32>> {
        self.check(observation, background)?;
        let classes = self.model.info().output_dim;
        if action >= classes {
            return Err(ExplainError::Action {
                action,
                outputs: classes,
            });
        }
        let base = self.model.predict(observation)?;
        let chosen = argmax(&base);
        if chosen != action {
            return Err(ExplainError::NotChosen { action, chosen });
        }
        Ok(base)
    }
}

/// Each feature's scale: its range in the background, else its value's
/// magnitude (at least 1); none where the observation's value is not finite.
fn scales(
    layout: &FeatureLayout,
    observation: &[f32],
    background: &[Vec<f32>],
) -> Vec<Option<f64>> {
    (0..layout.len())
        .map(|j| {
            let v = layout.value(observation, j);
            if !v.is_finite() {
                return None;
            }
            let (lo, hi) = background
                .iter()
                .map(|b| layout.value(b, j))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), b| {
                    (lo.min(b), hi.max(b))
                });
            let range = hi - lo;
            Some(if range.is_finite() && range > 0.0 {
                range
            } else {
                v.abs().max(1.0)
            })
        })
        .collect()
}

/// Nearest first; ties go to fewer features, then to lower feature indices,
/// so the order never depends on the search's.
fn nearest_first(a: &Counterfactual, b: &Counterfactual) -> Ordering {
    a.distance
        .total_cmp(&b.distance)
        .then(a.changes.len().cmp(&b.changes.len()))
        .then_with(|| {
            let idx = |c: &Counterfactual| {
                c.changes
                    .iter()
                    .map(|f| f.feature_index)
                    .collect::<Vec<_>>()
            };
            idx(a).cmp(&idx(b))
        })
}

/// Directions for features moved together: each feature in the direction
/// that alone brought the model nearer a flip (both when neither did more),
/// pairs along three mixes of their scales, triples along equal ones.
fn combination_rays(s: &Search<'_>, features: &[Moved]) -> Vec<Ray> {
    let signs: Vec<Vec<f64>> = features
        .iter()
        .map(|(_, m)| {
            if m[0] > m[1] {
                vec![1.0]
            } else if m[1] > m[0] {
                vec![-1.0]
            } else {
                vec![1.0, -1.0]
            }
        })
        .collect();
    let weights: Vec<Vec<f64>> = if features.len() == 2 {
        PAIR_WEIGHTS.iter().map(|w| w.to_vec()).collect()
    } else {
        vec![vec![1.0; features.len()]]
    };
    let mut combos: Vec<Vec<f64>> = vec![Vec::new()];
    for options in &signs {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                options.iter().map(move |&sign| {
                    let mut c = c.clone();
                    c.push(sign);
                    c
                })
            })
            .collect();
    }
    let mut rays = Vec::new();
    for sign in &combos {
        for w in &weights {
            rays.push(Ray(features
                .iter()
                .enumerate()
                .map(|(i, &(j, _))| (j, sign[i] * w[i] * s.scales[j].unwrap_or(1.0)))
                .collect()));
        }
    }
    rays
}
