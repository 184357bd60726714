"""axon_quant: AXON's Python API, a thin layer over its Rust crates.

Models run on ONNX Runtime, LibTorch or candle; explanations, the dynamic
ensemble, the exchange adapters, metrics, backtests, journals, replays and
audits are AXON's own code. See python/README.md.
"""

from axon_quant import _native
from axon_quant._native import (
    Backend,
    CandleBackend,
    Device,
    InferenceBackend,
    ModelConfig,
    ModelHotReloader,
    OnnxBackend,
    TchBackend,
    VersionReceiver,
    Journal,
    backtest,
    replay,
    audit,
)
from axon_quant.errors import AxonError, AxonIOError, AxonValueError
from axon_quant._sweep import sweep

__version__ = _native.__version__
TCH_AVAILABLE: bool = _native.TCH_AVAILABLE

__all__ = [
    "AxonError",
    "AxonIOError",
    "AxonValueError",
    "Backend",
    "CandleBackend",
    "Device",
    "InferenceBackend",
    "Journal",
    "ModelConfig",
    "ModelHotReloader",
    "OnnxBackend",
    "TchBackend",
    "VersionReceiver",
    "audit",
    "backtest",
    "replay",
    "sweep",
]
