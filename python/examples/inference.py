"""Load the reference model on every backend, predict from NumPy, swap the model.

    python examples/inference.py [MODELS_DIR]
"""

import sys
from pathlib import Path

import numpy as np

from axon_quant import (
    TCH_AVAILABLE,
    CandleBackend,
    Device,
    InferenceBackend,
    ModelConfig,
    OnnxBackend,
    TchBackend,
)


def main(models: Path) -> dict[str, np.ndarray]:
    x = np.random.default_rng(0).standard_normal((1, 64, 128)).astype(np.float32)
    config = ModelConfig(
        path=models / "mlp_64x128.onnx",
        backend=InferenceBackend.ONNX,
        device=Device.CPU,  # Device.CUDA(0) on a GPU machine
        input_shape=[1, 64, 128],
        output_dim=3,
        num_threads=1,
    )
    onnx = OnnxBackend(config).load(models / "mlp_64x128.onnx")
    candle = CandleBackend(config).load(models / "mlp_64x128.safetensors")
    outputs = {"onnx": onnx.predict(x), "candle": candle.predict(x)}
    if TCH_AVAILABLE:
        outputs["tch"] = TchBackend(config).load(models / "mlp_64x128.pt").predict(x)
    for name, y in outputs.items():
        print(f"{name:6} {y.shape} {np.round(y, 6).tolist()}")
    # A batch of 8 observations in one call.
    batch = onnx.predict(np.repeat(x, 8, axis=0))
    print("batch", batch.shape)
    # Replacing the session: same weights in another format, new version.
    version = onnx.replace_session(models / "mlp_64x128.onnx")
    print("version after replace_session:", version, onnx.info["sha256"][:12])
    return outputs


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data" / "models")
