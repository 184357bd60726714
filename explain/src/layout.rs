//! Which input cells make up each feature the explainers speak of.

use crate::error::{ExplainError, Result};

/// Groups of input cells. A model input of shape `[1, T, F]` (or `[T, F]`,
/// `[1, F]`) has F features, its last dimension; by default a feature
/// groups its T time steps, so a window explains per feature. Per cell,
/// each of the T·F values is its own feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureLayout {
    /// Feature names, one per group.
    pub names: Vec<String>,
    /// The input cells (row-major indices) of each feature.
    pub groups: Vec<Vec<usize>>,
    /// Values per input.
    pub input_len: usize,
    /// Time steps (rows) and features per row of the input.
    pub rows: usize,
    /// Features per row (the last dimension).
    pub width: usize,
}

impl FeatureLayout {
    /// The layout for a model input shape; `names` name the last
    /// dimension's features (default `f0`, `f1`, ...).
    pub fn for_shape(shape: &[usize], per_cell: bool, names: Option<&[String]>) -> Result<Self> {
        let width = *shape.last().filter(|w| **w > 0).ok_or_else(|| {
            ExplainError::Layout(format!("input shape {shape:?} has no features"))
        })?;
        let input_len: usize = shape.iter().product();
        let rows = input_len / width;
        let base: Vec<String> = match names {
            Some(n) if n.len() == width => n.to_vec(),
            Some(n) => {
                return Err(ExplainError::Layout(format!(
                    "{} feature names for {width} features (the input's last dimension)",
                    n.len()
                )));
            }
            None => (0..width).map(|j| format!("f{j}")).collect(),
        };
        let (names, groups) = if per_cell {
            let names = (0..input_len)
                .map(|c| {
                    if rows == 1 {
                        base[c % width].clone()
                    } else {
                        format!("t{}:{}", c / width, base[c % width])
                    }
                })
                .collect();
            (names, (0..input_len).map(|c| vec![c]).collect())
        } else {
            let groups = (0..width)
                .map(|j| (0..rows).map(|t| t * width + j).collect())
                .collect();
            (base, groups)
        };
        Ok(Self {
            names,
            groups,
            input_len,
            rows,
            width,
        })
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no features.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// A feature's value in an input: its newest cell (the last row).
    pub fn value(&self, input: &[f32], feature: usize) -> f64 {
        self.groups[feature]
            .last()
            .map_or(f64::NAN, |&c| f64::from(input[c]))
    }
}
