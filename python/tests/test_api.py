"""The API's contracts beyond the examples: errors, inputs, secrets, risk."""

import asyncio
import threading

import numpy as np
import pytest

import axon_quant
from axon_quant import (
    AxonError,
    AxonIOError,
    AxonValueError,
    CandleBackend,
    InferenceBackend,
    ModelConfig,
    OnnxBackend,
)
from axon_quant.ensemble import DynamicWeightedEnsemble
from axon_quant.exchange import ExchangeConfig, Order, OrderType, RiskEngine, Side
from axon_quant.explain import CounterfactualGenerator, KernelSHAP, ReportGenerator


def mlp4(models, backend=OnnxBackend, suffix="onnx"):
    cfg = ModelConfig(path=models / f"mlp_4.{suffix}", input_shape=[1, 4])
    return backend(cfg).load()


def test_errors_are_typed_and_carry_the_rust_message(models, tmp_path):
    with pytest.raises(AxonIOError) as e:
        OnnxBackend(ModelConfig(path=tmp_path / "missing.onnx", input_shape=[1, 4])).load()
    assert isinstance(e.value, OSError) and isinstance(e.value, AxonError)
    assert "missing.onnx" in str(e.value)
    model = mlp4(models)
    with pytest.raises(AxonValueError) as e:
        model.predict(np.zeros(5, dtype=np.float32))
    assert isinstance(e.value, ValueError) and "[1, 4]" in str(e.value)
    with pytest.raises(AxonValueError):
        ModelConfig(path="m.onnx", input_shape=[1, 0])
    with pytest.raises(AxonValueError, match="load"):
        OnnxBackend(ModelConfig(path="m.onnx", input_shape=[1, 4])).predict(np.zeros(4))
    with pytest.raises(AxonIOError, match="not a journal"):
        axon_quant.Journal(tmp_path)


def test_any_array_like_input_gives_the_same_prediction(models):
    model = mlp4(models)
    x = np.array([[0.1, -0.2, 0.3, 0.05]], dtype=np.float32)
    want = model.predict(x)
    assert want.dtype == np.float32 and want.shape == (1, 3)
    # float64, a list, a non-contiguous view: converted once, same result.
    assert np.array_equal(model.predict(x.astype(np.float64)), want)
    assert np.array_equal(model.predict(x.tolist()), want)
    wide = np.zeros((1, 8), dtype=np.float32)
    wide[:, ::2] = x
    assert np.array_equal(model.predict(wide[:, ::2]), want)
    # A batch runs in one call, row for row as single calls.
    batch = np.concatenate([x, 2 * x, -x])
    out = model.predict(batch)
    assert out.shape == (3, 3)
    for i in range(3):
        assert np.allclose(out[i], model.predict(batch[i : i + 1])[0], atol=1e-6)


def test_backends_agree_and_replace_session_bumps_the_version(models):
    onnx, candle = mlp4(models), mlp4(models, CandleBackend, "safetensors")
    x = np.random.default_rng(1).standard_normal((4, 4)).astype(np.float32)
    assert np.allclose(onnx.predict(x), candle.predict(x), atol=1e-5)
    assert onnx.version == 1
    assert onnx.replace_session(models / "mlp_4.onnx") == 2
    assert onnx.info["backend"] == "onnx" and len(onnx.info["sha256"]) == 64


def test_predictions_from_threads_match(models):
    model = OnnxBackend(ModelConfig(path=models / "mlp_64x128.onnx", input_shape=[1, 64, 128])).load()
    xs = np.random.default_rng(2).standard_normal((8, 1, 64, 128)).astype(np.float32)
    want = [model.predict(x) for x in xs]
    got = [None] * len(xs)

    def run(i):
        for _ in range(20):
            got[i] = model.predict(xs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for g, w in zip(got, want):
        assert np.array_equal(g, w)


def test_ensemble_rejects_models_without_predict_and_surfaces_their_errors(models):
    with pytest.raises(AxonValueError, match="predict"):
        DynamicWeightedEnsemble(models=[object()], initial_weights=[1.0])

    class Broken:
        def predict(self, observation):
            raise RuntimeError("feature store offline")

    class Short:
        def predict(self, observation):
            return [1.0]

    x = np.zeros((1, 4), dtype=np.float32)
    with pytest.raises(AxonError, match="feature store offline"):
        DynamicWeightedEnsemble(models=[mlp4(models), Broken()], initial_weights=[0.5, 0.5]).predict(x)
    with pytest.raises(AxonError, match="three finite scores"):
        DynamicWeightedEnsemble(models=[Short()], initial_weights=[1.0]).predict(x)
    with pytest.raises(AxonValueError, match="2 values for 1 models"):
        DynamicWeightedEnsemble(models=[Short()], initial_weights=[1.0]).update_weights([0.1, 0.2])


def test_ensemble_passes_the_observation_itself_to_python_models(models):
    seen = []

    class Spy:
        def predict(self, observation):
            seen.append(observation)
            return np.array([0.0, 1.0, 0.0])

    x = np.arange(4, dtype=np.float32).reshape(1, 4)
    e = DynamicWeightedEnsemble(models=[Spy()], initial_weights=[1.0], performance_window=10)
    d = e.predict(x)
    assert seen[0] is x
    assert d["action"] == "sell" and d["score"] == -1.0 and d["outputs"] == [[0.0, 1.0, 0.0]]


def test_shap_values_match_the_rust_cli_contract(models):
    model = OnnxBackend(ModelConfig(path=models / "mlp_16.onnx", input_shape=[1, 16])).load()
    rng = np.random.default_rng(0)
    bg, x = rng.standard_normal((20, 16)).astype(np.float32), rng.standard_normal((1, 16)).astype(np.float32)
    e = KernelSHAP(model, feature_names=[f"f{i}" for i in range(16)]).explain(observation=x, action="buy", background_data=bg)
    assert e.feature_names[0] == "f0" and e.action == 0 and e.exact is False
    assert abs(sum(e.feature_importances) - (e.prediction - e.base_value)) < 1e-5
    with pytest.raises(AxonValueError, match="action"):
        KernelSHAP(model).explain(observation=x, action="short", background_data=bg)


def test_counterfactuals_as_the_seed_calls_them(models):
    model = OnnxBackend(ModelConfig(path=models / "mlp_16.onnx", input_shape=[1, 16])).load()
    x = np.random.default_rng(3).standard_normal((1, 16)).astype(np.float32)
    action = int(np.argmax(model.predict(x)))
    # No background: each feature is searched on its own value's scale.
    cfs = CounterfactualGenerator(model).generate(observation=x, original_action=action, n_samples=100)
    assert cfs, "a change flips the decision without a background"
    assert [c.distance for c in cfs] == sorted(c.distance for c in cfs)
    for c in cfs:
        assert c.feature_name == c.changes[0].feature_name and c.delta == c.changes[0].delta
        changed = x.copy()
        for f in c.changes:
            changed[0, f.feature_index] = np.float32(f.original_value + f.delta)
        assert int(np.argmax(model.predict(changed))) == c.new_action != action
        assert c.new_action_name in ("Buy", "Sell", "Hold")
    again = CounterfactualGenerator(model).generate(observation=x, original_action=action, n_samples=100)
    assert [(c.distance, c.new_action) for c in again] == [(c.distance, c.new_action) for c in cfs]
    with pytest.raises(AxonValueError, match="counterfactuals change the model's own choice"):
        CounterfactualGenerator(model).generate(observation=x, original_action=(action + 1) % 3)
    report = ReportGenerator(model).generate_report(observation=x, action=action)
    assert report.model_action == action and report.warnings == []
    assert report.counterfactuals, "the report finds them too"


def test_exchange_config_never_shows_its_secrets():
    cfg = ExchangeConfig(api_key="k-8c1f", api_secret="s-3d9e", passphrase="p-77aa", testnet=True)
    text = repr(cfg) + str(cfg)
    for secret in ("k-8c1f", "s-3d9e", "p-77aa"):
        assert secret not in text
    assert not hasattr(cfg, "api_secret")


def test_refused_credentials_raise_axon_error(mock_exchange):
    from axon_quant.exchange import BinanceAdapter

    rest, ws = mock_exchange
    adapter = BinanceAdapter(ExchangeConfig(api_key="wrong", api_secret="wrong-secret", rest_url=rest, ws_url=ws, symbols=["BTCUSDT"]))

    async def run():
        await adapter.connect()
        return await adapter.balances()

    with pytest.raises(AxonError, match="authentication failed") as e:
        asyncio.run(run())
    assert "wrong-secret" not in str(e.value)


def test_risk_engine_applies_the_engine_checks():
    risk = RiskEngine(max_order_notional=1000.0, max_position=0.5, price_band_pct=1.0, max_drawdown_pct=10.0, kill_switch="halted")
    buy = Order(symbol="BTCUSDT", side=Side.Buy, order_type=OrderType.Limit, price=100.0, quantity=1.0)
    assert risk.check_order(buy, equity=1e6, position=0.0, mark=100.0) == {"ok": False, "reason": "MaxPosition", "value": 1.0, "limit": 0.5}
    small = Order(symbol="BTCUSDT", side=Side.Buy, order_type=OrderType.Limit, price=100.0, quantity=0.2)
    assert risk.check_order(small, mark=100.0)["ok"] is True
    far = Order(symbol="BTCUSDT", side=Side.Buy, order_type=OrderType.Limit, price=105.0, quantity=0.2)
    assert risk.check_order(far, mark=100.0)["reason"] == "PriceBand"
    # A stop is priced at its trigger: 0.2 at a 106 stop is outside the band.
    stop = Order(symbol="BTCUSDT", side=Side.Buy, order_type=OrderType.StopMarket, stop_price=106.0, quantity=0.2)
    assert risk.check_order(stop, mark=100.0)["reason"] == "PriceBand"
    near = Order(symbol="BTCUSDT", side=Side.Buy, order_type=OrderType.StopLimit, stop_price=100.5, price=100.6, quantity=0.2)
    assert risk.check_order(near, mark=100.0)["ok"] is True
    assert "stop_price=100.5" in repr(near)
    assert risk.update_drawdown(12.0) is True and risk.killed
    assert risk.check_order(small, mark=100.0)["reason"] == "Halted"
    with pytest.raises(AxonValueError):
        RiskEngine(kill_switch="maybe")


def test_journal_iterates_every_record_in_chunks(tmp_path):
    from conftest import load_example

    out = load_example("backtest").main(tmp_path)
    journal = axon_quant.Journal(out["summary"]["journal"])
    records = list(journal)
    assert len(records) == len(journal) == out["summary"]["events"]
    assert [r["seq"] for r in records] == list(range(len(records)))
    assert journal.records(from_seq=4096, limit=2)[0]["seq"] == 4096
    assert journal.info["closed"] is True and len(journal.info["head_hash"]) == 64
