//! Binance's websockets: market data (combined `bookTicker` + `aggTrade`
//! streams, or the diff-depth stream kept as a local book) and the
//! account's order updates (`executionReport` through a listen key).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::{BinanceAdapter, VENUE};
use crate::exchange::binance_ws::BinanceDecoder;
use crate::exchange::books::Books;
use crate::exchange::depth::{DepthBook, DepthUpdate};
use crate::exchange::market::{Market, num, text};
use crate::exchange::venue::{OrderUpdate, Stamped, UpdateKind, VenueEvent, now_ns};
use crate::exchange::ws::{self, Flow};

impl BinanceAdapter {
    /// Streams `bookTicker` (or, with `depth`, the diff-depth stream kept
    /// as a local book) and `aggTrade` of every symbol as ticks, instrument
    /// ids in symbol order. One combined stream whose subscription is in
    /// the URL, so a reconnect resubscribes.
    pub fn spawn_market(
        self: &Arc<Self>,
        tx: mpsc::Sender<Stamped>,
        stop: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        let quotes = if self.conn.cfg.depth {
            "depth@100ms"
        } else {
            "bookTicker"
        };
        let streams: Vec<String> = self
            .conn
            .cfg
            .symbols
            .iter()
            .flat_map(|s| {
                let s = s.to_ascii_lowercase();
                [format!("{s}@{quotes}"), format!("{s}@aggTrade")]
            })
            .collect();
        let url = format!("{}/stream?streams={}", self.conn.ws_base, streams.join("/"));
        if self.conn.cfg.depth {
            return self.spawn_depth(url, tx, stop);
        }
        let symbols: Vec<&str> = self.conn.cfg.symbols.iter().map(String::as_str).collect();
        let mut decoder = BinanceDecoder::new(&symbols);
        let handler = move |msg: &str, out: &mut Vec<VenueEvent>| {
            if msg.contains("\"serverShutdown\"") {
                return Flow::Reconnect("serverShutdown".into());
            }
            ws::push_tick(VENUE, decoder.decode(msg), out);
            Flow::Continue
        };
        let open = ws::fixed(url, Vec::new());
        self.conn.spawn_stream("market", open, handler, tx, stop)
    }

    /// The depth variant: the socket hands messages to a task that keeps
    /// one `DepthBook` per symbol, fetching a snapshot whenever a book is
    /// not synced (at start, after a gap, after a reconnect).
    fn spawn_depth(
        self: &Arc<Self>,
        url: String,
        tx: mpsc::Sender<Stamped>,
        stop: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        let (raw_tx, raw_rx) = mpsc::unbounded_channel::<String>();
        let handler = move |msg: &str, _: &mut Vec<VenueEvent>| {
            if msg.contains("\"serverShutdown\"") {
                return Flow::Reconnect("serverShutdown".into());
            }
            let _ = raw_tx.send(msg.to_string());
            Flow::Continue
        };
        tokio::spawn(self.clone().depth_task(raw_rx, tx.clone()));
        let open = ws::fixed(url, Vec::new());
        self.conn.spawn_stream("market", open, handler, tx, stop)
    }

    async fn depth_task(
        self: Arc<Self>,
        mut raw: mpsc::UnboundedReceiver<String>,
        tx: mpsc::Sender<Stamped>,
    ) {
        let symbols = self.conn.cfg.symbols.clone();
        let mut books: Vec<DepthBook> = symbols.iter().map(|_| DepthBook::default()).collect();
        let refs: Vec<&str> = symbols.iter().map(String::as_str).collect();
        let mut trades = BinanceDecoder::new(&refs);
        // Each symbol's last tick: quotes from its book, last price from trades.
        let mut last = Books::new(&refs);
        while let Some(msg) = raw.recv().await {
            let recv_ns = now_ns();
            let v: Value = match serde_json::from_str(&msg) {
                Ok(v) => v,
                Err(e) => {
                    tracing::debug!(error = %e, "binance depth message skipped");
                    continue;
                }
            };
            let data = if v["data"].is_object() {
                &v["data"]
            } else {
                &v
            };
            let Some(i) = symbols.iter().position(|s| data["s"] == s.as_str()) else {
                continue;
            };
            let Some(tick) = last.get_mut(&symbols[i]) else {
                continue;
            };
            if data["e"] != "depthUpdate" {
                match trades.decode(&msg) {
                    Ok(Some(t)) => (tick.last, tick.volume) = (t.last, t.volume),
                    _ => continue,
                }
            } else {
                tick.volume = 0.0;
                let update: DepthUpdate = match serde_json::from_value(data.clone()) {
                    Ok(u) => u,
                    Err(e) => {
                        tracing::warn!(error = %e, "binance depthUpdate does not parse");
                        continue;
                    }
                };
                if let Err(e) = books[i].on_update(update) {
                    tracing::warn!(symbol = %symbols[i], error = %e, "depth book out of sync: rebuilding");
                }
                if !books[i].synced() {
                    // Updates already received go to the buffer before the snapshot.
                    self.sync_book(&symbols[i], &mut books[i]).await;
                }
            }
            let Some(((bid, bq), (ask, aq))) = books[i].top() else {
                continue;
            };
            let f = |d: Decimal| d.to_string().parse::<f64>().unwrap_or(f64::NAN);
            (tick.bid, tick.bid_size, tick.ask, tick.ask_size) = (f(bid), f(bq), f(ask), f(aq));
            if tick.mid().is_finite()
                && tx
                    .send(Stamped {
                        recv_ns,
                        event: VenueEvent::Tick(*tick),
                    })
                    .await
                    .is_err()
            {
                return;
            }
        }
    }

    /// Fetches snapshots until one is recent enough for the buffered stream.
    async fn sync_book(&self, symbol: &str, book: &mut DepthBook) {
        for attempt in 0..5u64 {
            match self
                .public(&format!("/api/v3/depth?symbol={symbol}&limit=1000"))
                .await
            {
                Ok(snapshot) => match book.on_snapshot(&snapshot) {
                    Ok(()) => return,
                    Err(e) => tracing::warn!(symbol, error = %e, "depth snapshot not usable"),
                },
                Err(e) => tracing::warn!(symbol, error = %e, "depth snapshot failed"),
            }
            tokio::time::sleep(Duration::from_millis(100 * (attempt + 1))).await;
        }
    }

    /// Streams the account's order updates (`executionReport`) through a
    /// listen key, renewed every 30 minutes and fetched anew on reconnect.
    pub fn spawn_user(
        self: &Arc<Self>,
        tx: mpsc::Sender<Stamped>,
        stop: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        let open = ws::per_connection(self.clone(), Self::listen);
        let markets = self.conn.markets.snapshot();
        let handler = move |msg: &str, out: &mut Vec<VenueEvent>| {
            if msg.contains("\"serverShutdown\"") || msg.contains("\"listenKeyExpired\"") {
                return Flow::Reconnect("serverShutdown or listenKeyExpired".into());
            }
            match serde_json::from_str::<Value>(msg) {
                Ok(v) if v["e"] == "executionReport" => {
                    if let Some(u) = execution_report(&v, &markets) {
                        out.push(VenueEvent::Order(u));
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "binance user message is not JSON"),
            }
            Flow::Continue
        };
        self.conn.spawn_stream("user", open, handler, tx, stop)
    }

    /// A new listen key, renewed every 30 minutes until a renewal fails,
    /// and the user stream's URL with it.
    async fn listen(self: Arc<Self>) -> Result<(String, Vec<String>), String> {
        let v = self
            .keyed(Method::POST, "/api/v3/userDataStream")
            .await
            .map_err(|e| e.to_string())?;
        let key = v["listenKey"]
            .as_str()
            .ok_or("userDataStream: no listenKey")?
            .to_string();
        let renew = self.clone();
        let k = key.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(30 * 60)).await;
                let q = format!("/api/v3/userDataStream?listenKey={k}");
                if let Err(e) = renew.keyed(Method::PUT, &q).await {
                    tracing::warn!(error = %e, "listen key renewal failed");
                    return;
                }
            }
        });
        Ok((format!("{}/ws/{key}", self.conn.ws_base), Vec::new()))
    }
}

/// An `executionReport` as an order update; commission converted to the
/// quote currency (base-asset commission at the trade price; other
/// assets, such as BNB, cannot be priced here and count as zero).
fn execution_report(v: &Value, markets: &BTreeMap<String, Market>) -> Option<OrderUpdate> {
    let orig = text(&v["C"]);
    let client_order_id = if orig.is_empty() { text(&v["c"]) } else { orig };
    let kind = match v["x"].as_str()? {
        "NEW" => UpdateKind::New,
        "TRADE" => {
            let price = num(&v["L"]);
            let fee = num(&v["n"]);
            let asset = text(&v["N"]);
            let commission = markets
                .get(v["s"].as_str().unwrap_or_default())
                .map_or(0.0, |m| m.quote_fee(&asset, fee, price));
            UpdateKind::Trade {
                trade_id: text(&v["t"]),
                quantity: num(&v["l"]),
                price,
                cumulative: num(&v["z"]),
                commission,
                last: v["X"] == "FILLED",
            }
        }
        "CANCELED" => UpdateKind::Canceled,
        "REJECTED" | "EXPIRED" | "TRADE_PREVENTION" => {
            UpdateKind::Rejected(format!("{} {}", text(&v["x"]), text(&v["r"])))
        }
        _ => return None,
    };
    Some(OrderUpdate {
        client_order_id,
        venue_order_id: text(&v["i"]),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::filters::SymbolFilters;

    fn markets() -> BTreeMap<String, Market> {
        let mut m = BTreeMap::new();
        m.insert(
            "BTCUSDT".to_string(),
            Market {
                filters: SymbolFilters::default(),
                base: "BTC".into(),
                quote: "USDT".into(),
            },
        );
        m
    }

    #[test]
    fn execution_reports_become_updates_with_quote_commission() {
        // Binance's documented example, as a partial fill paid in the base asset.
        let trade: Value = serde_json::from_str(r#"{"e":"executionReport","E":1499405658658,"s":"BTCUSDT","c":"axabc1","S":"BUY","o":"LIMIT","f":"GTC","q":"1.00000000","p":"0.10264410","x":"TRADE","X":"PARTIALLY_FILLED","r":"NONE","i":4293153,"l":"0.40000000","z":"0.40000000","L":"0.10264410","n":"0.00100000","N":"BTC","T":1499405658657,"t":77,"C":""}"#).unwrap();
        let u = execution_report(&trade, &markets()).unwrap();
        assert_eq!(u.client_order_id, "axabc1");
        assert_eq!(u.venue_order_id, "4293153");
        let UpdateKind::Trade {
            trade_id,
            quantity,
            cumulative,
            commission,
            last,
            ..
        } = u.kind
        else {
            panic!("not a trade: {:?}", u.kind)
        };
        assert_eq!(
            (trade_id.as_str(), quantity, cumulative, last),
            ("77", 0.4, 0.4, false)
        );
        assert!((commission - 0.001 * 0.1026441).abs() < 1e-15);
        // A cancel names the original client id in C.
        let cancel: Value = serde_json::from_str(r#"{"e":"executionReport","s":"BTCUSDT","c":"cancel-req-9","C":"axabc1","x":"CANCELED","X":"CANCELED","i":4293153}"#).unwrap();
        let u = execution_report(&cancel, &markets()).unwrap();
        assert_eq!(
            (u.client_order_id.as_str(), u.kind),
            ("axabc1", UpdateKind::Canceled)
        );
    }
}
