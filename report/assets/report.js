// Draws the run report's charts from the JSON in #axon-data with the
// vendored Lightweight Charts: one chart whose panes (price with trade
// markers, equity, drawdown, trade PnL, position) share one time scale, so
// zoom and pan move them together; and a rolling Sharpe chart below.
// `window.axonReport` exposes the charts for scripting and tests.
(function () {
  "use strict";
  const startMs = performance.now();
  const LC = window.LightweightCharts;
  const data = JSON.parse(document.getElementById("axon-data").textContent);
  const up = "#26a69a", down = "#ef5350", blue = "#2962ff";

  const base = {
    autoSize: true,
    layout: { background: { color: "#ffffff" }, textColor: "#333", fontSize: 11,
              panes: { separatorColor: "#ccc", enableResize: true } },
    grid: { vertLines: { color: "#f0f0f0" }, horzLines: { color: "#f0f0f0" } },
    // A small minimum bar spacing lets the whole run fit the width.
    timeScale: { timeVisible: data.intraday, secondsVisible: data.seconds, rightOffset: 2, minBarSpacing: 0.01 },
    crosshair: { mode: LC.CrosshairMode.Normal },
  };
  const points = (rows) => rows.map(([time, value]) => ({ time, value }));

  const chart = LC.createChart(document.getElementById("chart"), base);
  let price;
  if (data.candles) {
    price = chart.addSeries(LC.CandlestickSeries, {
      upColor: up, downColor: down, borderVisible: false, wickUpColor: up, wickDownColor: down,
      title: data.symbol,
    }, 0);
    price.setData(data.price.map(([time, open, high, low, close]) => ({ time, open, high, low, close })));
  } else {
    price = chart.addSeries(LC.LineSeries, { color: "#333", lineWidth: 1, title: data.symbol }, 0);
    price.setData(data.price.map(([time, , , , close]) => ({ time, value: close })));
  }
  if (data.markers.length) {
    LC.createSeriesMarkers(price, data.markers.map(([time, kind]) => ({
      time,
      position: kind === "long" ? "belowBar" : kind === "short" ? "aboveBar" : "inBar",
      shape: kind === "long" ? "arrowUp" : kind === "short" ? "arrowDown" : "circle",
      color: kind === "long" ? up : kind === "short" ? down : "#555",
      size: 0.8,
    })));
  }
  const equity = chart.addSeries(LC.LineSeries, { color: blue, lineWidth: 2, title: "equity" }, 1);
  equity.setData(points(data.equity));
  const drawdown = chart.addSeries(LC.AreaSeries, {
    lineColor: down, topColor: "rgba(239,83,80,0.05)", bottomColor: "rgba(239,83,80,0.4)",
    lineWidth: 1, title: "drawdown %", invertFilledArea: true,
  }, 2);
  drawdown.setData(points(data.drawdown));
  const pnl = chart.addSeries(LC.HistogramSeries, { title: "trade PnL", base: 0 }, 3);
  pnl.setData(data.pnl.map(([time, value]) => ({ time, value, color: value >= 0 ? up : down })));
  const position = chart.addSeries(LC.LineSeries, {
    color: "#8e44ad", lineWidth: 1, lineType: LC.LineType.WithSteps, title: "position",
  }, 4);
  position.setData(points(data.position));
  const panes = chart.panes();
  [3, 2, 1.2, 1, 1].forEach((f, i) => panes[i] && panes[i].setStretchFactor(f));
  chart.timeScale().fitContent();

  // Hover: the values under the crosshair, for every pane.
  const legend = document.getElementById("legend");
  const series = { price, equity, drawdown, pnl, position };
  const fmt = (v) => (v === undefined ? "" : Math.abs(v) >= 1000 ? v.toFixed(2) : v.toPrecision(6));
  chart.subscribeCrosshairMove((param) => {
    if (!param.time) { legend.textContent = ""; return; }
    const parts = [new Date(param.time * 1000).toISOString().replace(".000Z", "Z")];
    for (const [name, s] of Object.entries(series)) {
      const d = param.seriesData.get(s);
      if (!d) continue;
      if (d.open !== undefined) {
        parts.push(`O ${fmt(d.open)} H ${fmt(d.high)} L ${fmt(d.low)} C ${fmt(d.close)}`);
      } else {
        parts.push(`${name} ${fmt(d.value)}`);
      }
    }
    legend.textContent = parts.join("  ·  ");
  });

  let sharpeChart = null;
  if (data.sharpe) {
    sharpeChart = LC.createChart(document.getElementById("sharpe"), {
      ...base, timeScale: { timeVisible: false, rightOffset: 2 },
    });
    const s = sharpeChart.addSeries(LC.BaselineSeries, {
      baseValue: { type: "price", price: 0 }, title: `Sharpe (${data.sharpe.window}d)`, lineWidth: 1,
    });
    s.setData(points(data.sharpe.points));
    sharpeChart.timeScale().fitContent();
  }
  // The trade list, a page at a time: tens of thousands of table rows would
  // take the browser seconds to lay out.
  const trades = JSON.parse(document.getElementById("axon-trades").textContent);
  const body = document.getElementById("trades");
  const pager = document.getElementById("pager");
  const PAGE = 250;
  const pages = Math.max(1, Math.ceil(trades.length / PAGE));
  const showPage = (p) => {
    body.replaceChildren(...trades.slice(p * PAGE, (p + 1) * PAGE).map((row) => {
      const tr = document.createElement("tr");
      row.forEach((cell, i) => {
        const td = document.createElement("td");
        td.textContent = cell;
        if (i !== 1 && i !== 3 && i !== 5) td.className = "n";
        tr.appendChild(td);
      });
      return tr;
    }));
    if (pages > 1) {
      pager.replaceChildren();
      const button = (label, to) => {
        const b = document.createElement("button");
        b.textContent = label;
        b.disabled = to < 0 || to >= pages;
        b.onclick = () => showPage(to);
        pager.appendChild(b);
      };
      button("‹ previous", p - 1);
      pager.appendChild(document.createTextNode(`page ${p + 1} of ${pages} `));
      button("next ›", p + 1);
    }
  };
  showPage(0);

  window.axonReport = { chart, sharpeChart, series, ready: true, startMs, readyMs: performance.now() };
})();
