"""Record trading metrics and serve them to Prometheus.

    python examples/metrics.py
"""

import urllib.request

from axon_quant.exchange import Side
from axon_quant.metrics import MetricsCollector


def main(port: int = 0) -> str:
    metrics = MetricsCollector()
    metrics.record_order(side=Side.Buy, symbol="BTCUSDT", quantity=0.001)
    metrics.record_order(side="sell", symbol="BTCUSDT", quantity=0.001)
    metrics.record_latency(operation="order", duration_ms=12.5)
    metrics.record_pnl(pnl=42.0, symbol="BTCUSDT")
    port = metrics.export_prometheus(port=port)  # 0: any free port; the seed used 9100
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
        text = r.read().decode()
    for line in text.splitlines():
        if line.startswith(("trading_orders_total", "trading_pnl")):
            print(line)
    metrics.stop()
    return text


if __name__ == "__main__":
    main()
