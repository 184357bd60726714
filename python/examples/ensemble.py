"""A dynamically weighted ensemble of an ONNX model and a rule written in
Python; weights follow each model's recent Sharpe.

    python examples/ensemble.py [MODELS_DIR]
"""

import sys
from pathlib import Path

import numpy as np

from axon_quant import InferenceBackend, ModelConfig, OnnxBackend
from axon_quant.ensemble import DynamicWeightedEnsemble


class MomentumRule:
    """Buy when the newest return is positive, sell when negative."""

    def predict(self, observation: np.ndarray) -> list[float]:
        last = float(np.asarray(observation).ravel()[-1])
        return [1.0, 0.0, 0.0] if last > 0 else [0.0, 1.0, 0.0] if last < 0 else [0.0, 0.0, 1.0]


def main(models: Path) -> dict:
    mlp = OnnxBackend(
        ModelConfig(path=models / "mlp_4.onnx", backend=InferenceBackend.ONNX, input_shape=[1, 4])
    ).load()
    ensemble = DynamicWeightedEnsemble(
        models=[mlp, MomentumRule()], initial_weights=[0.5, 0.5], performance_window=100
    )
    # Trending returns (AR(1), coefficient 0.5): momentum has an edge here.
    rng = np.random.default_rng(3)
    noise = rng.normal(0.0, 0.01, 400)
    returns = np.zeros(400)
    for t in range(1, 400):
        returns[t] = 0.5 * returns[t - 1] + noise[t]
    for t in range(4, len(returns) - 1):
        observation = (returns[t - 4 : t] * 100).astype(np.float32).reshape(1, 4)
        decision = ensemble.predict(observation)
        # Each model's performance: its own signal times the next return.
        performances = [
            float(np.sign(o[0] - o[1]) * returns[t + 1]) for o in decision["outputs"]
        ]
        ensemble.update_weights(performances=performances)
    metrics = ensemble.get_metrics()
    print("weights", np.round(ensemble.weights, 4).tolist())
    print("sharpe", metrics["sharpe"], "active", metrics["active_count"], "changes", metrics["weight_changes"])
    return metrics


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data" / "models")
