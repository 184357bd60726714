"""Explain one decision of a model: Shapley values, counterfactuals, and an
HTML/PDF report.

    python examples/explain.py [MODELS_DIR] [OUT_DIR]
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from axon_quant import InferenceBackend, ModelConfig, OnnxBackend
from axon_quant.explain import CounterfactualGenerator, KernelSHAP, ReportGenerator


def main(models: Path, out: Path) -> dict:
    model = OnnxBackend(
        ModelConfig(path=models / "mlp_16.onnx", backend=InferenceBackend.ONNX, input_shape=[1, 16])
    ).load()
    rng = np.random.default_rng(7)
    background = rng.standard_normal((100, 16)).astype(np.float32)
    observation = rng.standard_normal((1, 16)).astype(np.float32)
    action = int(np.argmax(model.predict(observation)))

    shap = KernelSHAP(model).explain(
        observation=observation, action=action, background_data=background
    )
    top = sorted(zip(shap.feature_names, shap.feature_importances), key=lambda p: -abs(p[1]))[:3]
    print("action", action, "top features", [(n, round(v, 5)) for n, v in top])
    # Efficiency: the values add up to f(x) - E[f(background)].
    print("sum", round(sum(shap.feature_importances), 6), "= f(x) - base", round(shap.prediction - shap.base_value, 6))

    counterfactuals = CounterfactualGenerator(model).generate(
        observation=observation, original_action=action, n_samples=100, background_data=background
    )
    for cf in counterfactuals[:3]:
        print(f"{cf.feature_name}: {cf.original_value:+.3f} -> {cf.counterfactual_value:+.3f} (delta {cf.delta:+.3f}) flips to {cf.new_action}")

    report = ReportGenerator(model, background_data=background).generate_report(
        observation=observation,
        action=action,
        include_shap=True,
        include_counterfactuals=True,
        include_feature_importance=True,
    )
    out.mkdir(parents=True, exist_ok=True)
    report.export_html(out / "report.html")
    report.export_pdf(out / "report.pdf")
    print("report:", out / "report.html", out / "report.pdf")
    return {"shap": shap, "counterfactuals": counterfactuals, "report": report}


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    models = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "data" / "models"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp(prefix="axon-explain-"))
    main(models, out)
