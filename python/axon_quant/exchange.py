"""Binance and OKX adapters, orders, and the engine's pre-trade risk checks."""

from axon_quant._native import (
    BinanceAdapter,
    EventStream,
    ExchangeConfig,
    OkxAdapter,
    Order,
    OrderType,
    RateLimitConfig,
    ReconnectConfig,
    RiskEngine,
    Side,
)

__all__ = [
    "BinanceAdapter",
    "EventStream",
    "ExchangeConfig",
    "OkxAdapter",
    "Order",
    "OrderType",
    "RateLimitConfig",
    "ReconnectConfig",
    "RiskEngine",
    "Side",
]
