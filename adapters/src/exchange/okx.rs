//! OKX v5: signed REST (`OK-ACCESS-*` headers, demo trading with
//! `x-simulated-trading: 1`) and the public and private websockets.
//!
//! Error handling: `50011` (rate limit) pauses requests and retries;
//! `50102` (timestamp expired) resyncs the clock with `/api/v5/public/time`
//! and retries once; authentication errors are fatal; a 5xx or timeout on
//! a new order means its outcome is unknown, so the order is looked up by
//! its `clOrdId` before anything else. Per-order failures come back in
//! `sCode`/`sMsg` and are reported as rejections.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::exchange::config::ExchangeConfig;
use crate::exchange::connection::{self, Connection, Profile, connection_methods, entries};
use crate::exchange::filters::SymbolFilters;
use crate::exchange::market::{self, Market, Sent, num, text};
use crate::exchange::okx_ws::OkxDecoder;
use crate::exchange::request::{self, Order};
use crate::exchange::rest::{Reply, excerpt, path_only};
use crate::exchange::sign::okx_sign;
use crate::exchange::venue::{
    AdapterStats, Balance, OrderStatus, OrderUpdate, Placed, QUANTITY_NOISE, Stamped, UpdateKind,
    VenueError, VenueEvent, VenueOrder, VenueTrade,
};
use crate::exchange::ws::{self, Flow};

mod algo;

const VENUE: &str = "okx";

static PROFILE: Profile = Profile {
    name: VENUE,
    // Demo trading goes to the production host, with `x-simulated-trading`.
    rest: ["https://www.okx.com", "https://www.okx.com"],
    ws: ["wss://ws.okx.com:8443", "wss://wspap.okx.com:8443"],
    max_age: Duration::from_secs(23 * 3600 + 50 * 60),
    // OKX closes sockets silent for 30 s.
    keepalive: Some((Duration::from_secs(20), "ping")),
    rate_limit_code: "50011",
    clock_code: "50102",
};
/// Authentication failures: retrying cannot help.
const AUTH_CODES: &[&str] = &[
    "50100", "50101", "50103", "50104", "50105", "50111", "50112", "50113", "50114",
];

/// An OKX connection (spot, cash).
#[derive(Debug)]
pub struct OkxAdapter {
    conn: Connection,
}

fn status(s: &str) -> OrderStatus {
    match s {
        "live" => OrderStatus::New,
        "partially_filled" => OrderStatus::PartiallyFilled,
        "filled" => OrderStatus::Filled,
        "canceled" | "mmp_canceled" => OrderStatus::Canceled,
        _ => OrderStatus::Expired,
    }
}

fn venue_order(v: &Value) -> VenueOrder {
    let executed = num(&v["accFillSz"]);
    VenueOrder {
        symbol: text(&v["instId"]),
        client_order_id: text(&v["clOrdId"]),
        venue_order_id: text(&v["ordId"]),
        buy: v["side"] == "buy",
        price: num(&v["px"]),
        quantity: num(&v["sz"]),
        executed,
        executed_quote: executed * num(&v["avgPx"]),
        status: status(v["state"].as_str().unwrap_or_default()),
    }
}

/// ISO 8601 UTC with milliseconds, as `OK-ACCESS-TIMESTAMP` wants it.
fn iso_ms(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

impl OkxAdapter {
    /// A connection with these settings; nothing is sent yet. Without an
    /// API secret only public endpoints and market streams work.
    pub fn new(cfg: ExchangeConfig) -> Result<Self, VenueError> {
        Ok(Self {
            conn: Connection::new(&PROFILE, cfg)?,
        })
    }

    connection_methods!();

    /// Syncs the clock and loads the instruments' tick and lot sizes.
    pub async fn connect(&self) -> Result<(), VenueError> {
        self.sync_time().await?;
        let v = self
            .request(
                Method::GET,
                "/api/v5/public/instruments?instType=SPOT",
                None,
                false,
            )
            .await?;
        // No symbols configured: every spot instrument the venue lists.
        self.conn
            .load_markets(&v["data"], "instId", |symbol, inst| {
                let inst = inst.ok_or_else(|| {
                    VenueError::Config(format!(
                        "{VENUE}: {symbol}: not among the venue's spot instruments"
                    ))
                })?;
                let dec = |k: &str| {
                    Decimal::from_str(inst[k].as_str().unwrap_or_default()).map_err(|_| {
                        VenueError::Decode {
                            venue: VENUE,
                            path: "/api/v5/public/instruments".into(),
                            detail: format!("{symbol}: {k} = {} is not a decimal", inst[k]),
                        }
                    })
                };
                Ok(Market {
                    filters: SymbolFilters::from_steps(
                        symbol,
                        dec("tickSz")?,
                        dec("lotSz")?,
                        dec("minSz")?,
                    ),
                    base: text(&inst["baseCcy"]),
                    quote: text(&inst["quoteCcy"]),
                })
            })
    }

    /// Reads `/api/v5/public/time` and sets the clock offset.
    pub async fn sync_time(&self) -> Result<(), VenueError> {
        let path = "/api/v5/public/time";
        let fetch = self.request(Method::GET, path, None, false);
        let server_ms = |v: &Value| v["data"][0]["ts"].as_str()?.parse::<i64>().ok();
        self.conn
            .sync_clock(path, fetch, server_ms, "no data[0].ts")
            .await
    }

    /// Classifies an answer; `Ok(None)` means rate limited (retry).
    fn classify(&self, path: &str, reply: Reply) -> Result<Option<Value>, VenueError> {
        reply.server_error(VENUE, path)?;
        let json: Value = serde_json::from_str(&reply.body).map_err(|e| VenueError::Decode {
            venue: VENUE,
            path: path.into(),
            detail: format!("HTTP {}: {e}: {}", reply.status, excerpt(&reply.body)),
        })?;
        let code = text(&json["code"]);
        if code == "50011" || reply.status == 429 {
            AdapterStats::bump(&self.conn.rest.stats.rate_limited);
            let wait = reply.retry_after().unwrap_or(Duration::from_secs(1));
            tracing::warn!(path, ?wait, "okx rate limit: pausing requests");
            self.conn.rest.block_for(wait);
            return Ok(None);
        }
        if AUTH_CODES.contains(&code.as_str()) {
            return Err(VenueError::Auth {
                venue: VENUE,
                detail: format!("code {code}: {}", text(&json["msg"])),
            });
        }
        // Code "1"/"2": some or all orders failed; the caller reads sCode.
        if code == "0" || ((code == "1" || code == "2") && json["data"].is_array()) {
            return Ok(Some(json));
        }
        Err(VenueError::Api {
            venue: VENUE,
            path: path.into(),
            status: reply.status,
            code,
            msg: text(&json["msg"]),
        })
    }

    /// One request, signed unless its path is public; retries rate limits
    /// and, once, a timestamp refusal after resyncing the clock.
    async fn request(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
        order: bool,
    ) -> Result<Value, VenueError> {
        let path = path_only(path_and_query);
        let private = !path.starts_with("/api/v5/public/");
        let body = body.map(Value::to_string).unwrap_or_default();
        let attempt = || async {
            self.conn.rest.wait_turn(order).await?;
            let headers = self.headers(private, &method, path_and_query, &body)?;
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let payload = (!body.is_empty()).then(|| ("application/json", body.clone()));
            let reply = self
                .conn
                .rest
                .send(method.clone(), path_and_query, &headers, payload)
                .await?;
            self.classify(&path, reply)
        };
        // Boxed: sync_time itself goes through request().
        let resync = || Box::pin(self.sync_time());
        self.conn.answered(&path, attempt, resync).await
    }

    /// A request's headers: `OK-ACCESS-*` (signed now) when it is
    /// `private`, and `x-simulated-trading` on the testnet.
    fn headers(
        &self,
        private: bool,
        method: &Method,
        path_and_query: &str,
        body: &str,
    ) -> Result<Vec<(&'static str, String)>, VenueError> {
        let cfg = &self.conn.cfg;
        let mut headers = Vec::new();
        if private {
            let ts = iso_ms(self.conn.rest.venue_now_ms());
            let sign = okx_sign(
                cfg.api_secret.expose(),
                &ts,
                method.as_str(),
                path_and_query,
                body,
            )
            .map_err(|e| VenueError::Config(format!("{VENUE}: {e}")))?;
            headers.extend([
                ("OK-ACCESS-KEY", cfg.api_key.expose().to_string()),
                ("OK-ACCESS-SIGN", sign),
                ("OK-ACCESS-TIMESTAMP", ts),
                ("OK-ACCESS-PASSPHRASE", cfg.passphrase.expose().to_string()),
            ]);
        }
        if cfg.testnet {
            headers.push(("x-simulated-trading", "1".to_string()));
        }
        Ok(headers)
    }

    /// Places an order after the tick and lot sizes. A market order's
    /// `price`, when set, is only a reference and is not sent.
    pub async fn place_order(&self, order: &Order) -> Result<Placed, VenueError> {
        if order.order_type.is_stop() {
            return self.place_trigger(order).await;
        }
        let send = |sent: &Order| {
            let body = request::okx_order_object(sent);
            async move {
                let v = self
                    .request(Method::POST, "/api/v5/trade/order", Some(&body), true)
                    .await?;
                let d = &v["data"][0];
                let reason = format!("{}: {}", text(&d["sCode"]), text(&d["sMsg"]));
                Ok(match text(&d["sCode"]).as_str() {
                    "0" => Sent::Accepted(text(&d["ordId"])),
                    // Duplicated clOrdId: an earlier attempt may have got through.
                    "51016" => Sent::Duplicate(reason),
                    _ => Sent::Rejected(reason),
                })
            }
        };
        let query = || self.query_order(&order.symbol, &order.client_order_id);
        self.conn.place_order(order, send, query).await
    }

    /// `GET /api/v5/trade/order` by `clOrdId`; None if the venue does not have it.
    pub async fn query_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> Result<Option<VenueOrder>, VenueError> {
        let q = format!("/api/v5/trade/order?instId={symbol}&clOrdId={client_order_id}");
        match self.request(Method::GET, &q, None, false).await {
            Ok(v) => Ok(v["data"]
                .as_array()
                .and_then(|d| d.first())
                .map(venue_order)),
            // Not a regular order: perhaps a stop (an algo order).
            Err(VenueError::Api { code, .. }) if code == "51603" => {
                self.query_trigger(symbol, client_order_id).await
            }
            Err(e) => Err(e),
        }
    }

    /// The order's executions, oldest first, from `GET /api/v5/trade/fills`
    /// (the last three days) and, when those fall short of its executed
    /// quantity, `fills-history` (three months); commissions converted to
    /// the quote currency, transport errors retried. An order with nothing
    /// executed has none and costs no request.
    pub async fn order_trades(&self, order: &VenueOrder) -> Result<Vec<VenueTrade>, VenueError> {
        if order.executed <= 0.0 {
            return Ok(Vec::new());
        }
        let market = self.conn.market(&order.symbol)?;
        // By billId, which grows with time: the two lists overlap.
        let mut fills = self.fills(&market, order, "/api/v5/trade/fills").await?;
        let listed: f64 = fills.values().map(|t| t.quantity).sum();
        if listed < order.executed - QUANTITY_NOISE {
            let older = self
                .fills(&market, order, "/api/v5/trade/fills-history")
                .await?;
            for (bill, t) in older {
                fills.entry(bill).or_insert(t);
            }
        }
        Ok(fills.into_values().collect())
    }

    /// Every page of one order's fills at `path`, newest first at OKX,
    /// keyed by `billId`.
    async fn fills(
        &self,
        market: &Market,
        order: &VenueOrder,
        path: &str,
    ) -> Result<BTreeMap<u64, VenueTrade>, VenueError> {
        const PAGE: usize = 100;
        let mut out = BTreeMap::new();
        let mut after = String::new();
        loop {
            let mut q = format!(
                "{path}?instType=SPOT&instId={}&ordId={}&limit={PAGE}",
                order.symbol, order.venue_order_id
            );
            if !after.is_empty() {
                q.push_str(&format!("&after={after}"));
            }
            let v = market::lookup(|| self.request(Method::GET, &q, None, false)).await?;
            let page = v["data"].as_array().ok_or_else(|| VenueError::Decode {
                venue: VENUE,
                path: path.into(),
                detail: format!("no data list: {}", excerpt(&v.to_string())),
            })?;
            for f in page {
                let bill = text(&f["billId"]);
                let id = bill.parse::<u64>().map_err(|_| VenueError::Decode {
                    venue: VENUE,
                    path: path.into(),
                    detail: format!("billId {bill:?} is not a number"),
                })?;
                let price = num(&f["fillPx"]);
                // OKX writes fees as negative amounts charged.
                let trade = market.trade(
                    text(&f["tradeId"]),
                    (num(&f["fillSz"]), price),
                    (-num(&f["fee"]), text(&f["feeCcy"])),
                    text(&f["fillTime"]).parse().unwrap_or(0),
                );
                out.insert(id, trade);
                after = bill;
            }
            if page.len() < PAGE {
                return Ok(out);
            }
        }
    }

    /// `POST /api/v5/trade/cancel-order` by `clOrdId`. `Ok(false)`: not
    /// open at the venue (filled, cancelled or unknown).
    pub async fn cancel_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> Result<bool, VenueError> {
        let body = json!({ "instId": symbol, "clOrdId": client_order_id });
        let v = self
            .request(
                Method::POST,
                "/api/v5/trade/cancel-order",
                Some(&body),
                false,
            )
            .await?;
        if text(&v["data"][0]["sCode"]) == "0" {
            return Ok(true);
        }
        // Not an open regular order: perhaps a stop (an algo order).
        self.cancel_trigger(symbol, client_order_id).await
    }

    /// `GET /api/v5/trade/orders-pending` of the configured symbols.
    pub async fn open_orders(&self) -> Result<Vec<VenueOrder>, VenueError> {
        self.conn
            .open_orders(|symbol| {
                let q = format!("/api/v5/trade/orders-pending?instType=SPOT&instId={symbol}");
                async move {
                    let v = self.request(Method::GET, &q, None, false).await?;
                    Ok(entries(&v["data"]).map(venue_order).collect())
                }
            })
            .await
    }

    /// `GET /api/v5/account/balance`.
    pub async fn balances(&self) -> Result<Vec<Balance>, VenueError> {
        let v = self
            .request(Method::GET, "/api/v5/account/balance", None, false)
            .await?;
        Ok(connection::balances(
            &v["data"][0]["details"],
            ["ccy", "availBal", "frozenBal"],
        ))
    }

    /// Streams `tickers`, `bbo-tbt` and `trades` of every symbol as ticks; the
    /// subscription is sent on every (re)connect.
    pub fn spawn_market(
        &self,
        tx: mpsc::Sender<Stamped>,
        stop: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        let args: Vec<Value> = self
            .conn
            .cfg
            .symbols
            .iter()
            .flat_map(|s| {
                [
                    json!({"channel": "tickers", "instId": s}),
                    json!({"channel": "bbo-tbt", "instId": s}),
                    json!({"channel": "trades", "instId": s}),
                ]
            })
            .collect();
        let subscribe = json!({ "op": "subscribe", "args": args }).to_string();
        let url = format!("{}/ws/v5/public", self.conn.ws_base);
        let open = ws::fixed(url, vec![subscribe]);
        let symbols: Vec<&str> = self.conn.cfg.symbols.iter().map(String::as_str).collect();
        let mut decoder = OkxDecoder::new(&symbols);
        let handler = move |msg: &str, out: &mut Vec<VenueEvent>| {
            if let Some(flow) = control(msg) {
                return flow;
            }
            ws::push_tick(VENUE, decoder.decode(msg), out);
            Flow::Continue
        };
        self.conn.spawn_stream("market", open, handler, tx, stop)
    }

    /// Streams the account's order updates: login, then the `orders`
    /// channel once the login is confirmed.
    pub fn spawn_user(
        self: &Arc<Self>,
        tx: mpsc::Sender<Stamped>,
        stop: watch::Receiver<bool>,
    ) -> JoinHandle<()> {
        let open = ws::per_connection(self.clone(), Self::login);
        let markets = self.conn.markets.snapshot();
        let subscribe = json!({"op": "subscribe", "args": [
            {"channel": "orders", "instType": "SPOT"},
            {"channel": "orders-algo", "instType": "SPOT"},
        ]})
        .to_string();
        let handler = move |msg: &str, out: &mut Vec<VenueEvent>| {
            if let Some(flow) = control(msg) {
                return flow;
            }
            let Ok(v) = serde_json::from_str::<Value>(msg) else {
                tracing::warn!("okx private message is not JSON");
                return Flow::Continue;
            };
            match v["event"].as_str() {
                Some("login") if v["code"] == "0" => return Flow::Reply(subscribe.clone()),
                Some("login") | Some("error") => {
                    return Flow::Fail(format!(
                        "okx private stream: code {}: {}",
                        text(&v["code"]),
                        text(&v["msg"])
                    ));
                }
                Some(_) => return Flow::Continue,
                None => {}
            }
            let channel = &v["arg"]["channel"];
            for d in entries(&v["data"]) {
                let update = match channel.as_str() {
                    Some("orders") => order_update(d, &markets),
                    Some("orders-algo") => algo::update(d),
                    _ => None,
                };
                if let Some(u) = update {
                    out.push(VenueEvent::Order(u));
                }
            }
            Flow::Continue
        };
        self.conn.spawn_stream("user", open, handler, tx, stop)
    }

    /// The private stream's URL and a login signed now.
    async fn login(self: Arc<Self>) -> Result<(String, Vec<String>), String> {
        let cfg = &self.conn.cfg;
        let ts = (self.conn.rest.venue_now_ms() / 1000).to_string();
        let sign = okx_sign(
            cfg.api_secret.expose(),
            &ts,
            "GET",
            "/users/self/verify",
            "",
        )
        .map_err(|e| e.to_string())?;
        let login = json!({"op": "login", "args": [{
            "apiKey": cfg.api_key.expose(),
            "passphrase": cfg.passphrase.expose(),
            "timestamp": ts,
            "sign": sign,
        }]});
        let url = format!("{}/ws/v5/private", self.conn.ws_base);
        Ok((url, vec![login.to_string()]))
    }
}

/// Keepalive answers and venue notices.
fn control(msg: &str) -> Option<Flow> {
    if msg == "pong" {
        return Some(Flow::Continue);
    }
    if msg.contains("\"notice\"") && msg.contains("64008") {
        return Some(Flow::Reconnect("notice 64008: service upgrade".into()));
    }
    None
}

/// One `orders` channel entry as an order update.
fn order_update(d: &Value, markets: &BTreeMap<String, Market>) -> Option<OrderUpdate> {
    let fill = num(&d["fillSz"]);
    let state = d["state"].as_str()?;
    let kind = if fill > 0.0 {
        let price = num(&d["fillPx"]);
        // OKX reports fees as negative amounts charged.
        let fee = -num(&d["fillFee"]);
        let asset = text(&d["fillFeeCcy"]);
        let commission = markets
            .get(d["instId"].as_str().unwrap_or_default())
            .map_or(0.0, |m| m.quote_fee(&asset, fee, price));
        UpdateKind::Trade {
            trade_id: text(&d["tradeId"]),
            quantity: fill,
            price,
            cumulative: num(&d["accFillSz"]),
            commission,
            last: state == "filled",
        }
    } else {
        match state {
            "live" => UpdateKind::New,
            "canceled" | "mmp_canceled" => UpdateKind::Canceled,
            "partially_filled" | "filled" => return None,
            other => UpdateKind::Rejected(other.to_string()),
        }
    };
    // The regular order a stop placed carries the stop's algoClOrdId.
    let client_order_id = match text(&d["clOrdId"]) {
        id if id.is_empty() => text(&d["algoClOrdId"]),
        id => id,
    };
    Some(OrderUpdate {
        client_order_id,
        venue_order_id: text(&d["ordId"]),
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_channel_entries_become_updates() {
        let mut markets = BTreeMap::new();
        markets.insert(
            "BTC-USDT".to_string(),
            Market {
                filters: SymbolFilters::default(),
                base: "BTC".into(),
                quote: "USDT".into(),
            },
        );
        let fill: Value = serde_json::from_str(r#"{"instId":"BTC-USDT","ordId":"312","clOrdId":"axabc2","state":"filled","fillSz":"0.001","fillPx":"50000","tradeId":"9","accFillSz":"0.002","fillFee":"-0.05","fillFeeCcy":"USDT"}"#).unwrap();
        let u = order_update(&fill, &markets).unwrap();
        assert_eq!(
            u.kind,
            UpdateKind::Trade {
                trade_id: "9".into(),
                quantity: 0.001,
                price: 50000.0,
                cumulative: 0.002,
                commission: 0.05,
                last: true
            }
        );
        let live: Value = serde_json::from_str(
            r#"{"instId":"BTC-USDT","ordId":"312","clOrdId":"axabc2","state":"live","fillSz":"0"}"#,
        )
        .unwrap();
        assert_eq!(order_update(&live, &markets).unwrap().kind, UpdateKind::New);
        // The regular order a stop placed: our id is its algoClOrdId.
        let child: Value = serde_json::from_str(
            r#"{"instId":"BTC-USDT","ordId":"313","clOrdId":"","algoClOrdId":"axabc3","state":"live","fillSz":"0"}"#,
        )
        .unwrap();
        assert_eq!(
            order_update(&child, &markets).unwrap().client_order_id,
            "axabc3"
        );
        assert_eq!(iso_ms(1_607_418_537_715), "2020-12-08T09:08:57.715Z");
        assert_eq!(
            control(r#"{"event":"notice","code":"64008","msg":"reconnect"}"#),
            Some(Flow::Reconnect("notice 64008: service upgrade".into()))
        );
    }
}
