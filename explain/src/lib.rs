//! Explaining model decisions: exact and kernel Shapley values
//! ([`KernelSHAP`]), minimal counterfactuals ([`CounterfactualGenerator`])
//! and decision reports in HTML and PDF ([`ReportGenerator`]). The names
//! follow the seed's Python API so `axon_quant.explain` can mirror them.
//!
//! Every explainer runs a model through the inference layer's [`Backend`]
//! in batches: one call evaluates many coalitions or candidate inputs.
//!
//! [`Backend`]: axon_inference::Backend

mod counterfactual;
mod error;
mod files;
mod format;
mod html;
mod kernel_shap;
mod layout;
mod pdf;
mod report;
mod svg;
mod value;

pub use counterfactual::{
    Counterfactual, CounterfactualGenerator, CounterfactualOptions, FeatureChange,
};
pub use error::{ExplainError, Result};
pub use files::ReportFiles;
pub use format::{event_time, format_price, shown_of, utc_time};
pub use kernel_shap::{Explanation, KernelSHAP, ShapOptions};
pub use layout::FeatureLayout;
pub use report::{
    EnsembleScore, FeatureImportance, PricePoint, Report, ReportContext, ReportGenerator, SlotInfo,
    action_name,
};
