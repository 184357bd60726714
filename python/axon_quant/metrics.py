"""AXON's Prometheus metrics."""

from axon_quant._native import MetricsCollector

__all__ = ["MetricsCollector"]
