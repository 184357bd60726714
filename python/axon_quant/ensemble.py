"""The engine's dynamically weighted ensemble, over AXON backends and Python models."""

from axon_quant._native import DynamicWeightedEnsemble

__all__ = ["DynamicWeightedEnsemble"]
