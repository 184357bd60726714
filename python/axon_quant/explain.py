"""Explanations of one model decision: Kernel SHAP, counterfactuals, reports."""

from axon_quant._native import (
    Counterfactual,
    CounterfactualGenerator,
    Explanation,
    FeatureChange,
    KernelSHAP,
    Report,
    ReportGenerator,
)

__all__ = [
    "Counterfactual",
    "CounterfactualGenerator",
    "Explanation",
    "FeatureChange",
    "KernelSHAP",
    "Report",
    "ReportGenerator",
]
