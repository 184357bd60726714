"""axon_quant._native: the Rust side of AXON's Python package.

Every class and function wraps a type or call of AXON's crates; the logic is
theirs. The Python modules in ``axon_quant/`` arrange these names the way
users import them. Errors are raised as ``axon_quant.errors.AxonValueError``
(bad input), ``AxonIOError`` (files) or ``AxonError`` (the rest).
"""

import os
from collections.abc import Awaitable, Sequence
from typing import Any, ClassVar, Final, Literal, Protocol, Self, TypeAlias, final

from typing_extensions import disjoint_base

import numpy as np
import numpy.typing as npt

__all__ = [
    "InferenceBackend",
    "Device",
    "ModelConfig",
    "Backend",
    "OnnxBackend",
    "CandleBackend",
    "TchBackend",
    "TCH_AVAILABLE",
    "ModelHotReloader",
    "VersionReceiver",
    "KernelSHAP",
    "Explanation",
    "CounterfactualGenerator",
    "Counterfactual",
    "FeatureChange",
    "ReportGenerator",
    "Report",
    "DynamicWeightedEnsemble",
    "Side",
    "OrderType",
    "RateLimitConfig",
    "ReconnectConfig",
    "ExchangeConfig",
    "Order",
    "BinanceAdapter",
    "OkxAdapter",
    "EventStream",
    "RiskEngine",
    "MetricsCollector",
    "backtest",
    "replay",
    "_sweep",
    "_sweep_finish",
    "_sweep_pending",
    "_sweep_runs",
    "audit",
    "Journal",
    "JournalIterator",
    "_Clock",
    "_View",
    "_Broker",
    "__version__",
]

_Path: TypeAlias = os.PathLike[str] | str
# An action as the model's output index, or its name: "buy" (0), "sell" (1),
# "hold" (2), in any case.
_Action: TypeAlias = int | str

class _Predictor(Protocol):
    """A Python model for an ensemble slot: ``predict(observation)`` returns
    (buy, sell, hold) scores."""

    def predict(self, observation: Any, /) -> npt.ArrayLike: ...

__version__: Final[str]
"""The package version (the workspace's)."""

TCH_AVAILABLE: Final[bool]
"""Whether the package was built with the ``tch`` feature (the LibTorch backend)."""

# --- models -------------------------------------------------------------------

@final
class InferenceBackend:
    """Which runtime executes a model."""

    ONNX: ClassVar[InferenceBackend]
    """ONNX Runtime."""
    TCH: ClassVar[InferenceBackend]
    """LibTorch (TorchScript)."""
    CANDLE: ClassVar[InferenceBackend]
    """candle (safetensors MLPs)."""

    def __eq__(self, other: object, /) -> bool:
        """Equal to the same variant, or to its index as an int."""

    def __ne__(self, other: object, /) -> bool: ...
    def __int__(self) -> int:
        """The variant's index (ONNX 0, TCH 1, CANDLE 2)."""

@final
class Device:
    """Where a model runs: ``Device.CPU`` or ``Device.CUDA(0)``."""

    CPU: ClassVar[Device]
    """The CPU."""

    @staticmethod
    def CUDA(index: int) -> Device:
        """CUDA device ``index``."""

    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class ModelConfig:
    """A model file and how to run it."""

    def __new__(
        cls,
        path: _Path,
        input_shape: Sequence[int],
        backend: InferenceBackend | None = None,
        device: Device | None = None,
        output_dim: int = 3,
        fp16: bool = False,
        num_threads: int = 1,
    ) -> Self:
        """A model at ``path`` taking inputs of ``input_shape`` (batch first,
        every dimension > 0) and giving ``output_dim`` outputs (3: buy, sell,
        hold); ``backend`` defaults to the one the file's extension names
        (candle if unknown), ``device`` to the CPU."""

    @property
    def path(self) -> os.PathLike[str]:
        """The model file (a ``pathlib.Path``)."""

    @property
    def input_shape(self) -> list[int]:
        """The input shape, batch first (e.g. ``[1, 64, 128]`` or ``[1, 4]``)."""

    @property
    def backend(self) -> InferenceBackend:
        """The runtime that executes the model."""

    @property
    def device(self) -> Device:
        """Where the model runs."""

    @property
    def output_dim(self) -> int:
        """Output width; 3 means buy / sell / hold (0: whatever the model has)."""

    @property
    def fp16(self) -> bool:
        """Whether to run in half precision where the backend and device allow it."""

    @property
    def num_threads(self) -> int:
        """Intra-op threads (at least 1; fixed, so backtests and replays compute the same)."""

@disjoint_base
class Backend:
    """A loaded model.

    ``OnnxBackend``, ``TchBackend`` and ``CandleBackend`` are this class with
    their runtime fixed. The model sits behind AXON's ``SharedModel``, so a
    hot reloader can swap it while others predict.
    """

    def __new__(cls, config: ModelConfig) -> Self:
        """A backend for ``config`` (with its runtime); nothing is loaded until ``load``."""

    def load(self, path: _Path | None = None) -> Self:
        """Loads the model at ``path`` (default: the config's) and returns self;
        loading again replaces the model (a new version)."""

    def replace_session(self, path: _Path) -> int:
        """Replaces the model with the one at ``path``; returns the new version."""

    def predict(self, x: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Runs the model. ``x`` holds one input of the model's shape, or a batch
        of them; the result is ``(batch, output_dim)`` float32."""

    def time_native(self, x: npt.ArrayLike, n: int = 10000) -> list[int]:
        """Times ``n`` predictions of ``x`` inside Rust (no Python in the loop);
        returns each call's nanoseconds, to measure what the binding adds."""

    @property
    def info(self) -> dict[str, Any]:
        """What the loaded model is: ``backend``, ``input_shape``, ``output_dim``,
        ``sha256``, ``device``, ``fp16``."""

    @property
    def version(self) -> int:
        """The serving model's version (1 after the first load)."""

    @property
    def config(self) -> ModelConfig:
        """The configuration of the serving model."""

@final
class OnnxBackend(Backend):
    """ONNX Runtime."""

    def __new__(cls, config: ModelConfig) -> Self:
        """An ONNX Runtime backend for ``config``, whatever its ``backend``."""

@final
class CandleBackend(Backend):
    """candle (safetensors MLPs, format axon-mlp-v1)."""

    def __new__(cls, config: ModelConfig) -> Self:
        """A candle backend for ``config``, whatever its ``backend``."""

@final
class TchBackend(Backend):
    """LibTorch (TorchScript); loading fails with a clear error unless the
    package was built with the ``tch`` feature."""

    def __new__(cls, config: ModelConfig) -> Self:
        """A LibTorch backend for ``config``, whatever its ``backend``."""

# --- hot reload ---------------------------------------------------------------

@final
class ModelHotReloader:
    """Watches a model file and swaps the backend's model when it changes
    (500 ms debounce, SHA-256, load and check off the predicting threads,
    atomic swap)."""

    def __new__(cls, engine: Backend, config: ModelConfig, debounce_ms: int = 500) -> Self:
        """``engine``: the backend whose model is swapped (it must be loaded);
        ``config``: the file to watch and how to load it."""

    def spawn_watcher(self) -> None:
        """Starts watching the file (a background thread); idempotent."""

    def stop(self) -> None:
        """Stops watching."""

    def reload_now(self) -> dict[str, Any] | None:
        """Reloads now, without waiting for a file event; None if the file's
        bytes did not change. The dict has ``swapped``, ``sha256`` and either
        ``version``, ``load_seconds`` or ``reason``."""

    def subscribe(self) -> VersionReceiver:
        """A receiver of the serving version."""

    @property
    def swaps(self) -> int:
        """Successful swaps so far."""

    @property
    def failures(self) -> int:
        """Refused files so far."""

@final
class VersionReceiver:
    """The serving version: ``await rx.changed()`` waits for the next swap,
    ``rx.borrow()`` reads the version now."""

    def changed(self) -> Awaitable[int]:
        """An awaitable that completes at the next version change, with the new version."""

    def borrow(self) -> int:
        """The version serving now."""

# --- explanations -------------------------------------------------------------

@final
class Explanation:
    """Shapley values of one prediction."""

    @property
    def feature_names(self) -> list[str]:
        """Feature names."""

    @property
    def feature_importances(self) -> list[float]:
        """One Shapley value per feature for the explained action's output."""

    @property
    def shap_values(self) -> list[list[float]]:
        """Per output class, one value per feature."""

    @property
    def action(self) -> int:
        """The explained action (output index)."""

    @property
    def base_value(self) -> float:
        """E[f(background)] for the action's output."""

    @property
    def prediction(self) -> float:
        """f(observation) for the action's output."""

    @property
    def exact(self) -> bool:
        """Whether every coalition was enumerated (exact values)."""

    @property
    def coalitions(self) -> int:
        """Coalitions evaluated."""

@final
class KernelSHAP:
    """Kernel SHAP over a backend (exact up to 14 features, else sampled)."""

    def __new__(
        cls,
        model: Backend,
        n_samples: int | None = None,
        seed: int = 0,
        feature_names: Sequence[str] | None = None,
        per_cell: bool = False,
    ) -> Self:
        """An explainer of ``model``'s serving version: ``n_samples`` sampled
        coalitions (default: the explainer's choice), ``per_cell`` for one
        value per input cell rather than per feature."""

    def explain(
        self, observation: npt.ArrayLike, action: _Action, background_data: npt.ArrayLike
    ) -> Explanation:
        """Shapley values of the model's ``action`` output at ``observation``
        against ``background_data`` (rows of the model's input)."""

@final
class FeatureChange:
    """One feature's part of a counterfactual."""

    @property
    def feature_name(self) -> str:
        """The feature changed."""

    @property
    def feature_index(self) -> int:
        """Its index in the layout."""

    @property
    def delta(self) -> float:
        """The change (added to every cell of the feature)."""

    @property
    def original_value(self) -> float:
        """The feature's value in the observation (its newest cell)."""

    @property
    def counterfactual_value(self) -> float:
        """Its value after the change."""

@final
class Counterfactual:
    """A change of one feature, or of a few together, that flips the model's
    decision. ``feature_name``, ``delta`` and the values describe the first
    changed feature; ``changes`` lists every one."""

    @property
    def feature_name(self) -> str:
        """The (first) feature changed."""

    @property
    def feature_index(self) -> int:
        """Its index in the layout."""

    @property
    def delta(self) -> float:
        """Its change (added to every cell of the feature)."""

    @property
    def original_value(self) -> float:
        """Its value in the observation (its newest cell)."""

    @property
    def counterfactual_value(self) -> float:
        """Its value after the change."""

    @property
    def changes(self) -> list[FeatureChange]:
        """Every feature changed, by feature index."""

    @property
    def new_action(self) -> int:
        """The action the model then chooses."""

    @property
    def new_action_name(self) -> str:
        """Its name."""

    @property
    def new_outputs(self) -> list[float]:
        """The model's outputs after the change (verified on the model)."""

    @property
    def distance(self) -> float:
        """Σ |delta| over each feature's scale (its range in the background,
        or its value's magnitude, at least 1)."""

@final
class CounterfactualGenerator:
    """Counterfactuals: the smallest changes of one feature (else two or three)
    that flip the model's decision, nearest first."""

    def __new__(
        cls,
        model: Backend,
        seed: int = 0,
        feature_names: Sequence[str] | None = None,
        per_cell: bool = False,
    ) -> Self:
        """A generator over ``model``'s serving version."""

    def generate(
        self,
        observation: npt.ArrayLike,
        original_action: _Action,
        n_samples: int = 100,
        background_data: npt.ArrayLike | None = None,
    ) -> list[Counterfactual]:
        """Changes that make the model choose another action than
        ``original_action`` (its choice at ``observation``), verified on the
        model. Each feature is searched outward on its own scale: its range in
        ``background_data``, or without one its value's magnitude (at least 1);
        ``n_samples`` candidates per feature in the first scale."""

@final
class Report:
    """A decision report (HTML and PDF)."""

    def export_html(self, path: _Path) -> None:
        """Writes the HTML report."""

    def export_pdf(self, path: _Path) -> None:
        """Writes the PDF report."""

    def to_json(self) -> str:
        """The report as a JSON string."""

    @property
    def action_name(self) -> str:
        """The explained decision's name."""

    @property
    def outputs(self) -> list[float]:
        """The model's outputs at the observation."""

    @property
    def model_action(self) -> int:
        """The action the model itself chooses at the observation."""

    @property
    def warnings(self) -> list[str]:
        """What a reader must know first (an explained model that carried no
        weight in the decision)."""

    @property
    def explanation(self) -> Explanation | None:
        """The Shapley values, when included."""

    @property
    def counterfactuals(self) -> list[Counterfactual] | None:
        """The counterfactuals, when included."""

@final
class ReportGenerator:
    """Builds decision reports for one model."""

    def __new__(
        cls,
        model: Backend,
        background_data: npt.ArrayLike | None = None,
        n_samples: int | None = None,
        seed: int = 0,
        feature_names: Sequence[str] | None = None,
        counterfactual_samples: int = 100,
    ) -> Self:
        """A report builder over ``model``'s serving version, with the SHAP and
        counterfactual settings every report uses."""

    def generate_report(
        self,
        observation: npt.ArrayLike,
        action: _Action,
        include_shap: bool = True,
        include_counterfactuals: bool = True,
        include_feature_importance: bool = True,
    ) -> Report:
        """Explains the model's ``action`` at ``observation`` (the background
        defaults to the observation alone)."""

# --- ensemble -----------------------------------------------------------------

@final
class DynamicWeightedEnsemble:
    """Weighted models; weights follow each model's recent Sharpe."""

    def __new__(
        cls,
        models: Sequence[Backend | _Predictor],
        initial_weights: Sequence[float] | None = None,
        performance_window: int = 100,
    ) -> Self:
        """``models``: AXON backends or objects with ``predict(observation)``
        returning (buy, sell, hold) scores; ``initial_weights`` one per model
        (default: equal); Sharpe over ``performance_window`` returns."""

    def predict(self, observation: npt.ArrayLike) -> dict[str, Any]:
        """Runs every model on ``observation`` and combines them: a dict with
        ``action``, ``score``, each model's ``outputs`` and the ``weights`` used."""

    def update_weights(self, performances: Sequence[float]) -> list[float] | None:
        """Feeds each model's latest return (its performance); returns the new
        weights when they changed, else None."""

    def get_metrics(self) -> dict[str, Any]:
        """Statistics: ``sharpe``, ``active_count``, ``weight_changes``, and per model."""

    @property
    def weights(self) -> list[float]:
        """Current weights."""

# --- exchanges ----------------------------------------------------------------

@final
class Side:
    """Buy or sell."""

    Buy: ClassVar[Side]
    """Buy."""
    Sell: ClassVar[Side]
    """Sell."""

    def __eq__(self, other: object, /) -> bool:
        """Equal to the same variant, or to its index as an int."""

    def __ne__(self, other: object, /) -> bool: ...
    def __int__(self) -> int:
        """The variant's index (Buy 0, Sell 1)."""

@final
class OrderType:
    """Order types."""

    Market: ClassVar[OrderType]
    """Market order."""
    Limit: ClassVar[OrderType]
    """Limit order, good till cancelled."""
    LimitMaker: ClassVar[OrderType]
    """Limit order that only adds liquidity (post-only)."""
    StopMarket: ClassVar[OrderType]
    """A market order once the last price reaches ``stop_price`` (a buy: at
    or above it; a sell: at or below). Rests at the venue."""
    StopLimit: ClassVar[OrderType]
    """A limit order at ``price`` once the last price reaches ``stop_price``."""

    def __eq__(self, other: object, /) -> bool:
        """Equal to the same variant, or to its index as an int."""

    def __ne__(self, other: object, /) -> bool: ...
    def __int__(self) -> int:
        """The variant's index (Market 0, Limit 1, LimitMaker 2, StopMarket 3, StopLimit 4)."""

@final
class RateLimitConfig:
    """Client-side request budget."""

    requests_per_second: int
    """REST requests per second, all endpoints."""
    orders_per_minute: int
    """New orders per minute."""

    def __new__(cls, requests_per_second: int | None = None, orders_per_minute: int | None = None) -> Self: ...

@final
class ReconnectConfig:
    """Websocket reconnect policy."""

    max_retries: int
    """Failed attempts in a row before the stream is declared lost."""
    initial_backoff_ms: int
    """First wait, in milliseconds; doubles each attempt (with jitter), capped at 30 s."""

    def __new__(cls, max_retries: int | None = None, initial_backoff_ms: int | None = None) -> Self: ...

@final
class ExchangeConfig:
    """A venue connection's settings. Credentials are write-only: no
    attribute, ``repr`` or error message shows them."""

    def __new__(
        cls,
        api_key: str = "",
        api_secret: str = "",
        testnet: bool = True,
        rate_limit: RateLimitConfig | None = None,
        reconnect: ReconnectConfig | None = None,
        rest_url: str | None = None,
        ws_url: str | None = None,
        passphrase: str = "",
        symbols: Sequence[str] | None = None,
        depth: bool = False,
    ) -> Self:
        """Credentials (``passphrase`` for OKX), testnet (Binance) or demo
        trading (OKX) instead of production, base URLs overriding the venue's
        (``rest_url``, ``ws_url``), the budgets, the ``symbols`` traded (empty:
        ``connect`` loads every symbol's filters; streams need named symbols),
        and ``depth`` (Binance: quotes from a local order book instead of
        ``bookTicker``)."""

    @property
    def testnet(self) -> bool:
        """Testnet (Binance) or demo trading (OKX) instead of production."""

    @property
    def rest_url(self) -> str | None:
        """REST base URL; None: the venue's URL for production or testnet."""

    @property
    def ws_url(self) -> str | None:
        """Websocket base URL; None: the venue's URL for production or testnet."""

    @property
    def symbols(self) -> list[str]:
        """Symbols traded, as the venue writes them (``BTCUSDT``, ``BTC-USDT``)."""

@final
class Order:
    """An order as the adapters send it."""

    symbol: str
    """The symbol to trade, as the config's ``symbols`` name it (e.g. ``BTCUSDT``)."""
    side: Side
    """Buy or sell."""
    order_type: OrderType
    """Market, limit, limit-maker, stop or stop-limit."""
    price: float | None
    """The limit price (None for market orders)."""
    stop_price: float | None
    """A stop's trigger price (None for the other types)."""
    quantity: float
    """Base quantity (finite, >= 0)."""
    client_order_id: str | None
    """The client order id; None gets a fresh ``axpy`` one when sent."""

    def __new__(
        cls,
        symbol: str,
        side: Side,
        order_type: OrderType,
        quantity: float,
        price: float | None = None,
        client_order_id: str | None = None,
        stop_price: float | None = None,
    ) -> Self: ...

@final
class EventStream:
    """A venue's events: ``async for event in stream`` yields dicts (ticks,
    order updates, stream status) until ``close()``."""

    def __aiter__(self) -> Self: ...
    def __anext__(self) -> Awaitable[dict[str, Any]]:
        """The next event, each with a ``type`` and ``recv_ns``."""

    def close(self) -> None:
        """Closes the sockets; the iteration ends."""

@final
class BinanceAdapter:
    """Binance spot (REST /api/v3, websockets)."""

    def __new__(cls, config: ExchangeConfig) -> Self: ...
    def connect(self) -> Awaitable[None]:
        """Syncs the clock and loads the symbols' filters (every symbol when
        the config names none)."""

    def place_order(self, order: Order) -> Awaitable[dict[str, Any]]:
        """Places an order after the symbol filters; resolves to a dict with
        ``accepted``, ``venue_order_id`` or ``reason``, and the
        ``client_order_id`` used."""

    def cancel_order(self, symbol: str, client_order_id: str) -> Awaitable[bool]:
        """Cancels by client order id; resolves to False if the order is not
        open at the venue."""

    def query_order(self, symbol: str, client_order_id: str) -> Awaitable[dict[str, Any] | None]:
        """Looks an order up by client id; resolves to a dict or None."""

    def open_orders(self) -> Awaitable[list[dict[str, Any]]]:
        """Open orders of the configured symbols."""

    def balances(self) -> Awaitable[list[dict[str, Any]]]:
        """Non-zero balances: dicts of ``asset``, ``free``, ``locked``."""

    def subscribe(self, market: bool = True, user: bool = True) -> EventStream:
        """Opens the market stream of the configured symbols and, with
        ``user``, the order-update stream."""

@final
class OkxAdapter:
    """OKX v5 (REST, public and private websockets)."""

    def __new__(cls, config: ExchangeConfig) -> Self: ...
    def connect(self) -> Awaitable[None]:
        """Syncs the clock and loads the symbols' filters (every symbol when
        the config names none)."""

    def place_order(self, order: Order) -> Awaitable[dict[str, Any]]:
        """Places an order after the symbol filters; resolves to a dict with
        ``accepted``, ``venue_order_id`` or ``reason``, and the
        ``client_order_id`` used."""

    def cancel_order(self, symbol: str, client_order_id: str) -> Awaitable[bool]:
        """Cancels by client order id; resolves to False if the order is not
        open at the venue."""

    def query_order(self, symbol: str, client_order_id: str) -> Awaitable[dict[str, Any] | None]:
        """Looks an order up by client id; resolves to a dict or None."""

    def open_orders(self) -> Awaitable[list[dict[str, Any]]]:
        """Open orders of the configured symbols."""

    def balances(self) -> Awaitable[list[dict[str, Any]]]:
        """Non-zero balances: dicts of ``asset``, ``free``, ``locked``."""

    def subscribe(self, market: bool = True, user: bool = True) -> EventStream:
        """Opens the market stream of the configured symbols and, with
        ``user``, the order-update stream."""

@final
class RiskEngine:
    """The engine's pre-trade checks, on their own."""

    def __new__(
        cls,
        max_order_notional: float | None = None,
        max_position: float | None = None,
        max_orders_per_sec: int | None = None,
        max_drawdown_pct: float | None = None,
        max_open_orders: int | None = None,
        price_band_pct: float | None = None,
        kill_switch: Literal["reducing", "halted"] = "reducing",
    ) -> Self:
        """The ``[risk]`` limits (None: no limit) and the kill switch's state
        once engaged: "reducing" (only orders that shrink positions) or
        "halted" (no new orders at all; cancels still go out)."""

    def check_order(
        self,
        order: Order,
        equity: float = ...,
        position: float = 0.0,
        open_orders: int = 0,
        mark: float | None = None,
        time_ns: int | None = None,
    ) -> dict[str, Any]:
        """Checks an order against the limits given the account: equity
        (default: unlimited), current position (plus working orders), working
        orders, last mark. Returns a dict: ``ok``, and for a refusal
        ``reason``, ``value``, ``limit``."""

    def update_drawdown(self, drawdown_pct: float) -> bool:
        """Feeds the drawdown (percent); True when it engages the kill switch."""

    @property
    def killed(self) -> bool:
        """Whether the kill switch is engaged."""

# --- metrics ------------------------------------------------------------------

@final
class MetricsCollector:
    """Prometheus metrics (``trading_*``, ``journal_*``, ``inference_*``, ...)."""

    def __new__(cls) -> Self: ...
    def record_order(self, side: Side | str, symbol: str, quantity: float) -> None:
        """Counts an order: ``trading_orders_total`` and
        ``trading_order_quantity_total``. ``side``: a ``Side``, "buy" or "sell"."""

    def record_latency(self, operation: str, duration_ms: float) -> None:
        """Observes an operation's latency in ``operation_latency_seconds``."""

    def record_pnl(self, pnl: float, symbol: str) -> None:
        """Sets ``trading_pnl`` for a symbol."""

    def record_equity(self, equity: float, max_drawdown: float) -> None:
        """Sets ``trading_equity`` and ``trading_max_drawdown``."""

    def set_kill_switch(self, engaged: bool) -> None:
        """Sets ``trading_kill_switch_engaged``."""

    def export_prometheus(self, port: int = 9100, host: str = "127.0.0.1") -> int:
        """Serves ``/metrics`` on ``host:port`` (port 0: any free one); returns
        the port. Serving again moves the server."""

    def stop(self) -> None:
        """Stops serving."""

    def render(self) -> str:
        """The metrics in the Prometheus text format."""

# --- backtests, journals, replays, audits ---------------------------------------

def backtest(config_path: _Path, journal: _Path | None = None) -> dict[str, Any]:
    """Runs the backtest a config file describes; returns its summary (the
    fields of ``axon backtest --summary-json``, ``journal`` among them)."""

def replay(path: _Path, verify: bool = True) -> dict[str, Any]:
    """Re-runs the engine from a journal and compares every output. With
    ``verify``, a difference raises ``AxonError`` naming the first record;
    without, the outcome says where (``mismatch``)."""

def audit(
    path: _Path,
    seq: int | None = None,
    order: int | None = None,
    slot: int | None = None,
    background: int = 100,
    html: _Path | None = None,
    pdf: _Path | None = None,
    json: _Path | None = None,
) -> dict[str, Any]:
    """Rebuilds one past decision (by its sequence number ``seq`` or by the
    client id ``order`` of its order; exactly one) and checks it; with
    ``html``/``pdf``/``json``, also explains its ML model as ``axon audit`` does."""

@final
class Journal:
    """A journal, read: iterate its records as dicts, or read it whole as a
    pyarrow Table or pandas DataFrame (the schema of ``axon journal export``)."""

    def __new__(cls, path: _Path) -> Self:
        """Opens the journal directory ``path`` (it must hold a ``manifest.json``)."""

    def records(self, from_seq: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """Records ``[from_seq, from_seq + limit)`` as dicts: ``seq``,
        ``time_ns``, ``kind``, ``event``."""

    def __iter__(self) -> JournalIterator:
        """Iterates the records from the first, a chunk at a time."""

    def __len__(self) -> int:
        """The number of records (read through)."""

    def to_arrow(self) -> Any:
        """The whole journal as a ``pyarrow.Table`` (one row per record)."""

    def to_pandas(self) -> Any:
        """The whole journal as a ``pandas.DataFrame``."""

    @property
    def info(self) -> dict[str, Any]:
        """Manifest facts: ``path``, ``closed``, and when closed ``records`` and
        ``head_hash``."""

@final
class JournalIterator:
    """Iterates a journal's records, reading them a chunk at a time."""

    def __iter__(self) -> Self: ...
    def __next__(self) -> dict[str, Any]:
        """The next record as a dict."""

def _sweep(spec_json: str) -> str:
    """Runs a whole sweep here; returns its results.parquet path."""

def _sweep_pending(spec_json: str) -> list[int]:
    """The runs of a sweep not done yet."""

def _sweep_runs(spec_json: str, runs: list[int]) -> list[str]:
    """Runs some of a sweep's runs here; returns their runs.jsonl lines."""

def _sweep_finish(spec_json: str, lines: list[str]) -> str | None:
    """Logs runs done elsewhere; once all are done, writes the outputs and
    returns results.parquet's path."""

# The native half of axon_quant.backtesting (private: import from there).

@final
class _Clock:
    """How many bars a run has revealed; shared by its views and its loop."""

    def __new__(cls, len: int) -> Self: ...
    @property
    def len(self) -> int:
        """The number of bars revealed."""

    @len.setter
    def len(self, value: int) -> None: ...

@disjoint_base
class _View:
    """A 1-D or 2-D array whose last axis is revealed up to a clock's length."""

    def __new__(cls, array: Any, clock: _Clock | None = None, *_args: Any, **_kwargs: Any) -> Self: ...
    def _attach(self, clock: _Clock | None) -> None:
        """Follows ``clock`` from now on (``None``: shows the whole array)."""

    @property
    def _full(self) -> Any:
        """The full array, whatever the clock says."""

    def _revealed(self) -> Any:
        """The revealed part as a numpy array (a view, not a copy)."""

    def __len__(self) -> int: ...
    def __getitem__(self, key: Any) -> Any: ...
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any: ...

@final
class _Broker:
    """The engine's backtesting.py-compatible broker and its bar loop."""

    def __new__(
        cls,
        open: npt.NDArray[np.float64],
        high: npt.NDArray[np.float64],
        low: npt.NDArray[np.float64],
        close: npt.NDArray[np.float64],
        *,
        cash: float,
        commission: Any,
        spread: float,
        margin: float,
        trade_on_close: bool,
        hedging: bool,
        exclusive_orders: bool,
        clock: _Clock,
        index: Any,
    ) -> Self: ...
    def run(self, strategy: Any, start: int) -> bool:
        """Runs bars ``start..``; returns whether the account ran out of money."""

    def finalize(self) -> None:
        """Closes every open trade and runs the broker once more on the last bar."""

    def new_order(
        self,
        size: float,
        limit: float | None,
        stop: float | None,
        sl: float | None,
        tp: float | None,
        tag: Any | None,
    ) -> int: ...
    def cancel_order(self, id: int) -> bool: ...
    def close_trade(self, id: int, portion: float) -> None: ...
    def close_position(self, portion: float) -> None: ...
    def set_sl(self, id: int, price: float | None) -> None: ...
    def set_tp(self, id: int, price: float | None) -> None: ...
    def order_ids(self) -> list[int]: ...
    def trade_ids(self) -> list[int]: ...
    def closed_trade_ids(self) -> list[int]: ...
    def order(self, id: int) -> tuple[Any, ...] | None: ...
    def trade(self, id: int) -> tuple[Any, ...] | None: ...
    def trade_orders(self, id: int) -> tuple[int | None, int | None]: ...
    @property
    def equity(self) -> float: ...
    @property
    def cash(self) -> float: ...
    @property
    def margin_available(self) -> float: ...
    @property
    def last_price(self) -> float: ...
    @property
    def position_size(self) -> float: ...
    @property
    def position_pl(self) -> float: ...
    @property
    def position_pl_pct(self) -> float: ...
    @property
    def open_trades(self) -> int: ...
    def equity_curve(self) -> npt.NDArray[np.float64]: ...
    def closed_columns(self) -> dict[str, Any]: ...
