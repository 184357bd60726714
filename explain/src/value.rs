//! The value of a coalition: the model's mean output when the coalition's
//! features take the observation's values and the others take each
//! background row's (interventional, as shap's KernelExplainer).

use axon_inference::Backend;

use crate::error::{ExplainError, Result};
use crate::layout::FeatureLayout;

/// Values per model call: a 1 MiB batch stays in cache while it is built
/// and read (larger batches measured slower).
pub(crate) const BATCH_VALUES: usize = 1 << 18;

/// Evaluates coalitions of one observation against a background.
pub(crate) struct Coalitions<'a> {
    pub model: &'a dyn Backend,
    pub x: &'a [f32],
    pub background: &'a [Vec<f32>],
    pub layout: &'a FeatureLayout,
    pub classes: usize,
}

impl Coalitions<'_> {
    /// Checks the observation and a non-empty background against the model.
    pub fn check(model: &dyn Backend, x: &[f32], background: &[Vec<f32>]) -> Result<()> {
        check_shapes(model, x, &[])?;
        if background.is_empty() {
            return Err(ExplainError::EmptyBackground);
        }
        check_shapes(model, x, background)
    }

    /// Mean model output per class for each coalition; `member(k, j)` says
    /// whether feature j is in coalition k.
    pub fn values(
        &self,
        count: usize,
        member: impl Fn(usize, usize) -> bool,
    ) -> Result<Vec<Vec<f64>>> {
        let n = self.layout.input_len;
        let rows_per = self.background.len();
        let per_call = (BATCH_VALUES / (n * rows_per).max(1)).max(1);
        let mut out = Vec::with_capacity(count);
        let mut batch: Vec<f32> = Vec::new();
        let mut mask = vec![false; n];
        let mut y = Vec::new();
        let mut start = 0;
        while start < count {
            let end = (start + per_call).min(count);
            batch.clear();
            for k in start..end {
                // Which cells come from the observation, then one
                // branch-free select per cell and background row.
                mask.iter_mut().for_each(|m| *m = false);
                for j in (0..self.layout.len()).filter(|&j| member(k, j)) {
                    for &c in &self.layout.groups[j] {
                        mask[c] = true;
                    }
                }
                for b in self.background {
                    batch.extend(
                        b.iter()
                            .zip(self.x)
                            .zip(&mask)
                            .map(|((&bv, &xv), &m)| if m { xv } else { bv }),
                    );
                }
            }
            let rows = (end - start) * rows_per;
            self.model.predict_batch(&batch, rows, &mut y)?;
            for chunk in y.chunks_exact(rows_per * self.classes) {
                let mut mean = vec![0.0f64; self.classes];
                for row in chunk.chunks_exact(self.classes) {
                    for (m, v) in mean.iter_mut().zip(row) {
                        *m += f64::from(*v);
                    }
                }
                for m in &mut mean {
                    *m /= rows_per as f64;
                }
                out.push(mean);
            }
            start = end;
        }
        Ok(out)
    }
}

/// Checks that the observation and every background row (possibly none)
/// have the model's input length.
pub fn check_shapes(model: &dyn Backend, x: &[f32], background: &[Vec<f32>]) -> Result<()> {
    let info = model.info();
    let n = info.input_len();
    let shape = |what: String, got: usize| ExplainError::Shape {
        what,
        got,
        expected: n,
        shape: info.input_shape.clone(),
    };
    if x.len() != n {
        return Err(shape("the observation".into(), x.len()));
    }
    if let Some((i, b)) = background.iter().enumerate().find(|(_, b)| b.len() != n) {
        return Err(shape(format!("background row {i}"), b.len()));
    }
    Ok(())
}
