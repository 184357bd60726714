"""Trade through the Binance adapter: connect, check an order against the
risk limits, place it, look it up, watch its fills.

Runs against the project's loopback mock exchange by default:

    cargo run -p axon-mockex -- --port 18080 &
    python examples/exchange.py http://127.0.0.1:18080 ws://127.0.0.1:18080
"""

import asyncio
import sys

from axon_quant.exchange import (
    BinanceAdapter,
    ExchangeConfig,
    Order,
    OrderType,
    RateLimitConfig,
    ReconnectConfig,
    RiskEngine,
    Side,
)


async def main(rest_url: str, ws_url: str) -> dict:
    config = ExchangeConfig(
        api_key="mock-key",
        api_secret="mock-secret",
        testnet=True,
        rate_limit=RateLimitConfig(requests_per_second=10, orders_per_minute=60),
        reconnect=ReconnectConfig(max_retries=10, initial_backoff_ms=500),
        rest_url=rest_url,
        ws_url=ws_url,
        symbols=["BTCUSDT"],
    )
    adapter = BinanceAdapter(config)
    await adapter.connect()
    stream = adapter.subscribe(market=True, user=True)
    up = 0
    async for event in stream:  # both sockets up before ordering
        up += event["type"] == "stream_up"
        if up == 2:
            break

    risk = RiskEngine(max_order_notional=1000.0, max_position=0.01)
    # A bid well below the market: it rests on the book.
    order = Order(symbol="BTCUSDT", side=Side.Buy, order_type=OrderType.Limit, price=40000.0, quantity=0.001)
    print("risk check:", risk.check_order(order, equity=100000.0, position=0.0))
    too_big = Order(symbol="BTCUSDT", side=Side.Buy, order_type=OrderType.Limit, price=50000.0, quantity=1.0)
    print("risk check, 1 BTC:", risk.check_order(too_big, equity=100000.0))

    placed = await adapter.place_order(order)
    print("placed:", placed)
    found = await adapter.query_order("BTCUSDT", placed["client_order_id"])
    assert found is not None, "the venue does not have the order it accepted"
    print("looked up:", found["status"], found["price"], found["quantity"])
    market = Order(symbol="BTCUSDT", side=Side.Buy, order_type=OrderType.Market, price=50000.0, quantity=0.001)
    filled = await adapter.place_order(market)
    fills = []
    async for event in stream:
        if event["type"] == "order" and event["client_order_id"] == filled["client_order_id"]:
            if event["status"] in ("partially_filled", "filled"):
                fills.append(event)
            if event["status"] == "filled":
                break
    print("fills:", [(f["quantity"], f["price"]) for f in fills])
    print("cancelled:", await adapter.cancel_order("BTCUSDT", placed["client_order_id"]))
    # A stop-loss for what was bought: it waits at the venue until BTC
    # trades at 45,000 or below, then sells at the market.
    stop = Order(symbol="BTCUSDT", side=Side.Sell, order_type=OrderType.StopMarket, stop_price=45000.0, quantity=0.001)
    print("stop risk check:", risk.check_order(stop, equity=100000.0, position=0.001, mark=50000.0))
    stop_placed = await adapter.place_order(stop)
    stop_found = await adapter.query_order("BTCUSDT", stop_placed["client_order_id"])
    print("stop resting:", stop_found["status"])
    stop_cancelled = await adapter.cancel_order("BTCUSDT", stop_placed["client_order_id"])
    print("stop cancelled:", stop_cancelled)
    print("balances:", await adapter.balances())
    stream.close()
    return {"placed": placed, "found": found, "fills": fills, "stop": stop_placed, "stop_found": stop_found, "stop_cancelled": stop_cancelled}


if __name__ == "__main__":
    rest = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:18080"
    ws = sys.argv[2] if len(sys.argv) > 2 else "ws://127.0.0.1:18080"
    asyncio.run(main(rest, ws))
