"""Every example under python/examples runs, and what it prints is checked."""

import asyncio

import numpy as np

from conftest import load_example


def test_inference_backends_agree(models):
    out = load_example("inference").main(models)
    assert out["onnx"].shape == (1, 3)
    assert np.allclose(out["onnx"], out["candle"], atol=1e-5)
    if "tch" in out:
        assert np.allclose(out["onnx"], out["tch"], atol=1e-5)


def test_hot_reload_refuses_a_bad_file_then_swaps(models):
    before, after = asyncio.run(load_example("hot_reload").main(models))
    assert after == before + 1


def test_explain_decomposes_the_prediction(models, tmp_path):
    out = load_example("explain").main(models, tmp_path)
    shap = out["shap"]
    assert len(shap.feature_importances) == 16
    assert abs(sum(shap.feature_importances) - (shap.prediction - shap.base_value)) < 1e-5
    for cf in out["counterfactuals"]:
        assert cf.new_action != shap.action
        assert abs(cf.counterfactual_value - cf.original_value - cf.delta) < 1e-6
    assert (tmp_path / "report.html").read_text().count("<svg") >= 1
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")


def test_ensemble_learns_weights(models):
    metrics = load_example("ensemble").main(models)
    assert metrics["weight_changes"] > 0
    assert len(metrics["models"]) == 2
    weights = [m["weight"] for m in metrics["models"]]
    assert abs(sum(weights) - 1.0) < 1e-9
    # The Python rule has the edge on trending returns and the weight with it.
    assert metrics["models"][1]["sharpe"] > 0 and weights[1] > weights[0]


def test_exchange_against_the_mock(mock_exchange):
    rest, ws = mock_exchange
    out = asyncio.run(load_example("exchange").main(rest, ws))
    assert out["placed"]["accepted"] is True
    assert out["found"]["status"] == "new"
    assert out["fills"] and out["fills"][-1]["status"] == "filled"
    assert abs(out["fills"][-1]["cumulative"] - 0.001) < 1e-12
    # The stop-loss rested at the venue untriggered, then was cancelled.
    assert out["stop"]["accepted"] is True
    assert out["stop_found"]["status"] == "new" and out["stop_found"]["executed"] == 0.0
    assert out["stop_cancelled"] is True


def test_metrics_are_served():
    text = load_example("metrics").main()
    assert 'trading_orders_total{side="buy",symbol="BTCUSDT"} 1' in text
    assert 'trading_pnl{symbol="BTCUSDT"} 42' in text


def test_backtest_journal_replay_audit(tmp_path):
    out = load_example("backtest").main(tmp_path)
    summary = out["summary"]
    assert summary["trades"] > 0
    frame = out["frame"]
    assert len(frame) == summary["events"]
    assert frame["kind_name"].iloc[0] == "SessionStart"
    assert out["outcome"]["mismatch"] is None
    assert out["outcome"]["records"] == summary["events"]
    assert out["audit"]["reproduced"] is True


def test_backtesting_port_matches_backtesting_py():
    import backtesting

    example = load_example("backtesting_port")
    ours = example.main()
    # The same class body, on backtesting.py's own base class.
    Theirs = type("SmaCross", (backtesting.Strategy,), {
        k: v for k, v in vars(example.SmaCross).items() if not k.startswith("__")
    })
    theirs = backtesting.Backtest(example.goog(), Theirs, cash=10_000, commission=.002,
                                  finalize_trades=True).run(n1=5)
    assert ours["# Trades"] == theirs["# Trades"] > 10
    assert list(ours.index) == list(theirs.index)
    assert ours["Equity Final [$]"] == theirs["Equity Final [$]"]


def test_sweep_returns_every_run_and_resumes(tmp_path):
    import axon_quant

    df = load_example("sweep").main(tmp_path)
    # fast 5, 10, 15, 20 x slow 20, 40, 60, less fast=20/slow=20.
    assert len(df) == 11
    assert list(df.columns[:3]) == ["run", "strategy.fast", "strategy.slow"]
    assert {"sharpe", "return_pct", "trades", "head_hash"} <= set(df.columns)
    assert df["trades"].sum() > 0
    assert (df["strategy.fast"] < df["strategy.slow"]).all()
    assert df["head_hash"].is_unique
    # The same sweep into the same folder: nothing run again, the same rows.
    again = axon_quant.sweep(
        tmp_path / "base.toml",
        params={"strategy.fast": [5, 10, 15, 20], "strategy.slow": "20:60:20"},
        constraint="strategy.fast < strategy.slow",
        maximize="return_pct",
        out=tmp_path / "sweep",
    )
    assert again.equals(df)
    best = (tmp_path / "sweep" / "best.toml").read_text()
    top = df.loc[df["return_pct"].idxmax()]
    assert f"fast = {top['strategy.fast']}" in best
    import pytest
    with pytest.raises(axon_quant.AxonValueError, match="is not a swept key"):
        axon_quant.sweep(tmp_path / "base.toml", params={"strategy.fast": [5]},
                         constraint="strategy.slow > 3", out=tmp_path / "bad")
