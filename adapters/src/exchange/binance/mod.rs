//! Binance spot: signed REST under `/api/v3` and the market and user-data
//! websockets.
//!
//! Failure handling, in the order it applies to a request:
//! - client-side budget (`governor`) and, after a 429 or 418, no request at
//!   all until `Retry-After` has passed;
//! - each request's documented weight (`myTrades` of one order: 5) is
//!   counted against exchangeInfo's per-minute request-weight limit before
//!   it leaves, and `X-MBX-USED-WEIGHT-1M` corrects the count with every
//!   answer: past 90 % of the limit, requests wait for the next minute;
//! - `-1021` (timestamp outside recvWindow): resync with `/api/v3/time` and
//!   retry once;
//! - a 5xx or a timeout on a new order: the outcome is unknown, so the
//!   order is looked up by its client order id before anything else, and
//!   sent again (same id, which Binance refuses to book twice) only if the
//!   venue does not have it.

mod stream;

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::exchange::config::ExchangeConfig;
use crate::exchange::connection::{
    self, Connection, Profile, RATE_LIMIT_RETRIES, connection_methods, entries,
};
use crate::exchange::filters::SymbolFilters;
use crate::exchange::market::{self, Market, Sent, num, text};
use crate::exchange::request::{self, Order, OrderType};
use crate::exchange::rest::{Reply, excerpt, path_only};
use crate::exchange::sign::BinanceKey;
use crate::exchange::venue::{
    AdapterStats, Balance, OrderStatus, Placed, VenueError, VenueOrder, VenueTrade,
};

const VENUE: &str = "binance";

static PROFILE: Profile = Profile {
    name: VENUE,
    rest: ["https://api.binance.com", "https://testnet.binance.vision"],
    ws: [
        "wss://stream.binance.com:9443",
        "wss://stream.testnet.binance.vision",
    ],
    // Reconnect before Binance's 24-hour cut.
    max_age: Duration::from_secs(23 * 3600 + 50 * 60),
    keepalive: None,
    rate_limit_code: "-1003",
    clock_code: "-1021",
};

/// A Binance spot connection.
#[derive(Debug)]
pub struct BinanceAdapter {
    conn: Connection,
    /// None without credentials: market data only (paper trading).
    key: Option<BinanceKey>,
    /// exchangeInfo's ORDERS limit per 10 s (0: none known).
    order_limit_10s: std::sync::atomic::AtomicU64,
    /// The venue minute `stats.used_weight` counts.
    weight_minute: AtomicI64,
}

/// A request's weight, as Binance documents it for spot REST (per IP,
/// per minute).
fn request_weight(method: &Method, path: &str, params: &[(String, String)]) -> u64 {
    let param = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v);
    match path {
        "/api/v3/exchangeInfo" | "/api/v3/account" => 20,
        "/api/v3/order" if method == Method::GET => 4,
        "/api/v3/openOrders" if param("symbol").is_some() => 6,
        "/api/v3/openOrders" => 80,
        "/api/v3/myTrades" if param("orderId").is_some() => 5,
        "/api/v3/myTrades" => 20,
        "/api/v3/userDataStream" => 2,
        "/api/v3/depth" => match param("limit").and_then(|l| l.parse::<u32>().ok()) {
            None | Some(..=100) => 5,
            Some(101..=500) => 25,
            Some(501..=1000) => 50,
            Some(_) => 250,
        },
        _ => 1,
    }
}

/// The parameters of a path's query string.
fn query_params(path_and_query: &str) -> Vec<(String, String)> {
    let query = path_and_query.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn status(s: &str) -> OrderStatus {
    match s {
        "NEW" | "PENDING_NEW" => OrderStatus::New,
        "PARTIALLY_FILLED" => OrderStatus::PartiallyFilled,
        "FILLED" => OrderStatus::Filled,
        "CANCELED" | "PENDING_CANCEL" => OrderStatus::Canceled,
        "REJECTED" => OrderStatus::Rejected,
        _ => OrderStatus::Expired,
    }
}

fn venue_order(v: &Value) -> VenueOrder {
    VenueOrder {
        symbol: text(&v["symbol"]),
        client_order_id: text(&v["clientOrderId"]),
        venue_order_id: text(&v["orderId"]),
        buy: v["side"] == "BUY",
        price: num(&v["price"]),
        quantity: num(&v["origQty"]),
        executed: num(&v["executedQty"]),
        executed_quote: num(&v["cummulativeQuoteQty"]),
        status: status(v["status"].as_str().unwrap_or_default()),
    }
}

impl BinanceAdapter {
    /// A connection with these settings; nothing is sent yet. Without an
    /// API secret only public endpoints and market streams work.
    pub fn new(cfg: ExchangeConfig) -> Result<Self, VenueError> {
        let secret = cfg.api_secret.expose();
        let key = if secret.is_empty() {
            None
        } else if secret.contains("PRIVATE KEY") {
            Some(BinanceKey::ed25519_pem(secret))
        } else {
            Some(BinanceKey::hmac(secret))
        }
        .transpose()
        .map_err(|e| VenueError::Config(format!("{VENUE}: api_secret: {e}")))?;
        Ok(Self {
            conn: Connection::new(&PROFILE, cfg)?,
            key,
            order_limit_10s: std::sync::atomic::AtomicU64::new(0),
            weight_minute: AtomicI64::new(i64::MIN),
        })
    }

    connection_methods!();

    /// Syncs the clock and loads exchangeInfo: filters, assets and the
    /// request-weight limit of every configured symbol.
    pub async fn connect(&self) -> Result<(), VenueError> {
        self.sync_time().await?;
        let info = self.public("/api/v3/exchangeInfo").await?;
        for limit in entries(&info["rateLimits"]) {
            if limit["rateLimitType"] == "REQUEST_WEIGHT" && limit["interval"] == "MINUTE" {
                let n = limit["limit"].as_u64().unwrap_or(0);
                self.stats().weight_limit.store(n, Ordering::Relaxed);
            }
            if limit["rateLimitType"] == "ORDERS"
                && limit["interval"] == "SECOND"
                && limit["intervalNum"] == 10
            {
                let n = limit["limit"].as_u64().unwrap_or(0);
                self.order_limit_10s.store(n, Ordering::Relaxed);
            }
        }
        // No symbols configured: every symbol the venue lists.
        self.conn
            .load_markets(&info["symbols"], "symbol", |symbol, s| {
                let filters = SymbolFilters::from_exchange_info(&info, symbol)
                    .map_err(|e| VenueError::Config(format!("{VENUE}: {e}")))?;
                let s = s.unwrap_or(&Value::Null);
                Ok(Market {
                    filters,
                    base: text(&s["baseAsset"]),
                    quote: text(&s["quoteAsset"]),
                })
            })
    }

    /// Reads `/api/v3/time` and sets the clock offset.
    pub async fn sync_time(&self) -> Result<(), VenueError> {
        let path = "/api/v3/time";
        let server_ms = |v: &Value| v["serverTime"].as_i64();
        self.conn
            .sync_clock(path, self.public(path), server_ms, "no serverTime")
            .await
    }

    fn note_headers(&self, reply: &Reply) {
        if let Some(w) = reply
            .header("x-mbx-used-weight-1m")
            .and_then(|s| s.parse().ok())
        {
            self.conn.rest.stats.used_weight.store(w, Ordering::Relaxed);
            let minute = self.conn.rest.venue_now_ms().div_euclid(60_000);
            self.weight_minute.store(minute, Ordering::Relaxed);
            let limit = self.conn.rest.stats.weight_limit.load(Ordering::Relaxed);
            // Close to the venue's limit: wait for its next minute.
            if limit > 0 && w * 10 >= limit * 9 {
                let into_minute = self.conn.rest.venue_now_ms().rem_euclid(60_000) as u64;
                self.conn
                    .rest
                    .block_for(Duration::from_millis(60_000 - into_minute));
            }
        }
        if let Some(n) = reply
            .header("x-mbx-order-count-10s")
            .and_then(|s| s.parse::<u64>().ok())
        {
            let limit = self.order_limit_10s.load(Ordering::Relaxed);
            // Near the venue's order count: no new order for its 10 s window.
            if limit > 0 && n * 10 >= limit * 9 {
                tracing::warn!(
                    orders = n,
                    limit,
                    "binance order count near its 10 s limit: pausing new orders"
                );
                self.conn.rest.block_orders_for(Duration::from_secs(10));
            }
        }
    }

    /// Waits for the request budgets, then counts `weight` against the
    /// venue's per-minute request weight. When the weight used this minute
    /// (as the venue last reported it, plus what left since) would pass
    /// 90 % of the limit, waits for the venue's next minute first; a
    /// minute's first request always goes, however heavy.
    async fn wait_turn(&self, weight: u64, order: bool) -> Result<(), VenueError> {
        loop {
            self.conn.rest.wait_turn(order).await?;
            if self.take_weight(weight) {
                return Ok(());
            }
        }
    }

    /// Counts `weight` as used this minute, or holds requests back until
    /// the next minute and returns false.
    fn take_weight(&self, weight: u64) -> bool {
        let stats = &self.conn.rest.stats;
        let limit = stats.weight_limit.load(Ordering::Relaxed);
        if limit == 0 {
            return true;
        }
        let now = self.conn.rest.venue_now_ms();
        let minute = now.div_euclid(60_000);
        if self.weight_minute.swap(minute, Ordering::Relaxed) != minute {
            // A new minute: the venue's count starts again.
            stats.used_weight.store(0, Ordering::Relaxed);
        }
        let used = stats.used_weight.load(Ordering::Relaxed);
        if used > 0 && (used + weight) * 10 > limit * 9 {
            tracing::warn!(
                used,
                weight,
                limit,
                "binance request weight near its minute limit: waiting for the next minute"
            );
            let into_minute = now.rem_euclid(60_000) as u64;
            self.conn
                .rest
                .block_for(Duration::from_millis(60_000 - into_minute));
            return false;
        }
        stats.used_weight.fetch_add(weight, Ordering::Relaxed);
        true
    }

    /// Classifies an answer: JSON on success, else the error it means.
    /// Rate limits block the transport and return `Ok(None)` (retry).
    fn classify(&self, path: &str, reply: Reply) -> Result<Option<Value>, VenueError> {
        self.note_headers(&reply);
        if reply.status == 429 || reply.status == 418 {
            AdapterStats::bump(&self.conn.rest.stats.rate_limited);
            let wait = reply.retry_after().unwrap_or(Duration::from_secs(60));
            tracing::warn!(
                status = reply.status,
                ?wait,
                path,
                "binance rate limit: pausing all requests"
            );
            self.conn.rest.block_for(wait);
            return Ok(None);
        }
        reply.server_error(VENUE, path)?;
        let json: Value = serde_json::from_str(&reply.body).map_err(|e| VenueError::Decode {
            venue: VENUE,
            path: path.into(),
            detail: format!("{e}: {}", excerpt(&reply.body)),
        })?;
        if reply.status < 300 {
            return Ok(Some(json));
        }
        let code = json["code"].as_i64().unwrap_or(0);
        let msg = text(&json["msg"]);
        if matches!(code, -2014 | -2015 | -1022) || reply.status == 401 {
            return Err(VenueError::Auth {
                venue: VENUE,
                detail: format!("code {code}: {msg}"),
            });
        }
        Err(VenueError::Api {
            venue: VENUE,
            path: path.into(),
            status: reply.status,
            code: code.to_string(),
            msg,
        })
    }

    /// A public request.
    async fn public(&self, path_and_query: &str) -> Result<Value, VenueError> {
        self.unsigned(Method::GET, path_and_query, &[]).await
    }

    /// A request with `X-MBX-APIKEY` only (user-data stream keys).
    async fn keyed(&self, method: Method, path_and_query: &str) -> Result<Value, VenueError> {
        let key = [("X-MBX-APIKEY", self.conn.cfg.api_key.expose())];
        self.unsigned(method, path_and_query, &key).await
    }

    /// A request without a signature, retrying rate limits.
    async fn unsigned(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
    ) -> Result<Value, VenueError> {
        let path = path_only(path_and_query);
        let weight = request_weight(&method, &path, &query_params(path_and_query));
        for _ in 0..RATE_LIMIT_RETRIES {
            self.wait_turn(weight, false).await?;
            let reply = self
                .conn
                .rest
                .send(method.clone(), path_and_query, headers, None)
                .await?;
            if let Some(v) = self.classify(&path, reply)? {
                return Ok(v);
            }
        }
        Err(self.conn.still_limited(&path))
    }

    /// A signed request: parameters plus `timestamp` and `recvWindow` in
    /// the query string, HMAC (or Ed25519) signature appended; rate limits
    /// and, once, `-1021` retried.
    async fn signed(
        &self,
        method: Method,
        path: &str,
        params: &[(String, String)],
        order: bool,
    ) -> Result<Value, VenueError> {
        let weight = request_weight(&method, path, params);
        let attempt = || async {
            self.wait_turn(weight, order).await?;
            let signed = self.sign_query(params)?;
            let reply = self
                .conn
                .rest
                .send(
                    method.clone(),
                    &format!("{path}?{signed}"),
                    &[("X-MBX-APIKEY", self.conn.cfg.api_key.expose())],
                    None,
                )
                .await?;
            self.classify(path, reply)
        };
        self.conn.answered(path, attempt, || self.sync_time()).await
    }

    /// The query string with `timestamp`, `recvWindow` and `signature`.
    fn sign_query(&self, params: &[(String, String)]) -> Result<String, VenueError> {
        let key = self.key.as_ref().ok_or_else(|| {
            VenueError::Config(format!(
                "{VENUE}: no API secret: signed endpoints need credentials"
            ))
        })?;
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            q.append_pair(k, v);
        }
        q.append_pair("timestamp", &self.conn.rest.venue_now_ms().to_string());
        q.append_pair("recvWindow", &self.conn.cfg.recv_window_ms.to_string());
        let query = q.finish();
        let signature = key.sign(&query);
        Ok(form_urlencoded::Serializer::new(query)
            .append_pair("signature", &signature)
            .finish())
    }

    /// Places an order after the symbol filters. For a market order,
    /// `order.price` (when set) is the reference price of the notional
    /// check and is not sent. A stop that Binance refuses because the
    /// last price has already reached it ("would trigger immediately") is
    /// sent again, same client id, as the order it would have become: a
    /// stop is a promise to trade once the price gets there, and it has.
    pub async fn place_order(&self, order: &Order) -> Result<Placed, VenueError> {
        let placed = self.place_once(order).await?;
        match (&placed, order.order_type) {
            (Placed::Rejected { reason }, OrderType::StopMarket | OrderType::StopLimit)
                if reason.contains("would trigger immediately") =>
            {
                let mut now = order.clone();
                now.order_type = if order.order_type == OrderType::StopMarket {
                    now.price = order.stop_price.or(order.price);
                    OrderType::Market
                } else {
                    OrderType::Limit
                };
                now.stop_price = None;
                tracing::info!(client_order_id = %order.client_order_id, "stop already reached at the venue: sent as {:?}", now.order_type);
                self.place_once(&now).await
            }
            _ => Ok(placed),
        }
    }

    async fn place_once(&self, order: &Order) -> Result<Placed, VenueError> {
        let send = |sent: &Order| {
            let req = request::binance_new_order(sent);
            async move {
                match self.signed(Method::POST, req.path, &req.params, true).await {
                    Ok(v) => Ok(Sent::Accepted(text(&v["orderId"]))),
                    Err(VenueError::Api { code, msg, .. })
                        if code == "-2010" && msg.contains("Duplicate") =>
                    {
                        Ok(Sent::Duplicate(format!("{code}: {msg}")))
                    }
                    Err(e) => Err(e),
                }
            }
        };
        let query = || self.query_order(&order.symbol, &order.client_order_id);
        self.conn.place_order(order, send, query).await
    }

    /// `GET /api/v3/order` by client order id; None if the venue does not have it.
    pub async fn query_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> Result<Option<VenueOrder>, VenueError> {
        let req = request::binance_query_order(symbol, client_order_id);
        match self.signed(Method::GET, req.path, &req.params, false).await {
            Ok(v) => Ok(Some(venue_order(&v))),
            Err(VenueError::Api { code, .. }) if code == "-2013" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The order's executions, oldest first, from `GET /api/v3/myTrades`
    /// by its `orderId` (weight 5 a page of up to 1000), commissions
    /// converted to the quote currency; transport errors are retried. An
    /// order with nothing executed has none and costs no request.
    pub async fn order_trades(&self, order: &VenueOrder) -> Result<Vec<VenueTrade>, VenueError> {
        const PAGE: usize = 1000;
        if order.executed <= 0.0 {
            return Ok(Vec::new());
        }
        let market = self.conn.market(&order.symbol)?;
        let mut out = Vec::new();
        let mut from_id: Option<u64> = None;
        loop {
            let mut params = vec![
                ("symbol".to_string(), order.symbol.clone()),
                ("orderId".to_string(), order.venue_order_id.clone()),
                ("limit".to_string(), PAGE.to_string()),
            ];
            if let Some(id) = from_id {
                params.push(("fromId".to_string(), id.to_string()));
            }
            let path = "/api/v3/myTrades";
            let page = market::lookup(|| self.signed(Method::GET, path, &params, false)).await?;
            let list = page.as_array().ok_or_else(|| VenueError::Decode {
                venue: VENUE,
                path: path.into(),
                detail: format!("expected a list of trades: {}", excerpt(&page.to_string())),
            })?;
            out.extend(list.iter().map(|t| {
                market.trade(
                    text(&t["id"]),
                    (num(&t["qty"]), num(&t["price"])),
                    (num(&t["commission"]), text(&t["commissionAsset"])),
                    t["time"].as_i64().unwrap_or(0),
                )
            }));
            match list.last().and_then(|t| t["id"].as_u64()) {
                Some(last) if list.len() == PAGE => from_id = Some(last + 1),
                _ => return Ok(out),
            }
        }
    }

    /// `DELETE /api/v3/order` by client order id. `Ok(false)`: the venue
    /// does not know the order (or it is no longer open).
    pub async fn cancel_order(
        &self,
        symbol: &str,
        client_order_id: &str,
    ) -> Result<bool, VenueError> {
        let params = vec![
            ("symbol".to_string(), symbol.to_string()),
            ("origClientOrderId".to_string(), client_order_id.to_string()),
        ];
        match self
            .signed(Method::DELETE, "/api/v3/order", &params, false)
            .await
        {
            Ok(_) => Ok(true),
            Err(VenueError::Api { code, .. }) if code == "-2011" => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `GET /api/v3/openOrders` of the configured symbols.
    pub async fn open_orders(&self) -> Result<Vec<VenueOrder>, VenueError> {
        self.conn
            .open_orders(|symbol| {
                let params = vec![("symbol".to_string(), symbol.to_string())];
                async move {
                    let v = self
                        .signed(Method::GET, "/api/v3/openOrders", &params, false)
                        .await?;
                    Ok(entries(&v).map(venue_order).collect())
                }
            })
            .await
    }

    /// `GET /api/v3/account` balances (non-zero ones).
    pub async fn balances(&self) -> Result<Vec<Balance>, VenueError> {
        let v = self
            .signed(Method::GET, "/api/v3/account", &[], false)
            .await?;
        Ok(connection::balances(
            &v["balances"],
            ["asset", "free", "locked"],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(headers: &[(&'static str, &str)]) -> Reply {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        Reply {
            status: 200,
            headers: map,
            body: "{}".into(),
        }
    }

    #[test]
    fn used_weight_and_order_count_headers_hold_requests_back_near_the_limits() {
        let a = BinanceAdapter::new(ExchangeConfig::new(vec!["BTCUSDT".into()])).unwrap();
        a.stats().weight_limit.store(1000, Ordering::Relaxed);
        a.order_limit_10s.store(100, Ordering::Relaxed);
        a.note_headers(&reply(&[
            ("x-mbx-used-weight-1m", "500"),
            ("x-mbx-order-count-10s", "10"),
        ]));
        assert_eq!(a.conn.rest.held_for(false), Duration::ZERO);
        assert_eq!(a.conn.rest.held_for(true), Duration::ZERO);
        assert!((a.stats().headroom() - 0.5).abs() < 1e-12);
        a.note_headers(&reply(&[("x-mbx-order-count-10s", "95")]));
        assert!(
            a.conn.rest.held_for(true) > Duration::from_secs(9),
            "orders pause for the 10 s window"
        );
        assert_eq!(
            a.conn.rest.held_for(false),
            Duration::ZERO,
            "other requests go on"
        );
        a.note_headers(&reply(&[("x-mbx-used-weight-1m", "950")]));
        let held = a.conn.rest.held_for(false);
        assert!(
            held > Duration::ZERO && held <= Duration::from_secs(60),
            "{held:?}: until the next minute"
        );
        // 429 and 418 hold everything back for Retry-After.
        let mut limited = reply(&[("retry-after", "30")]);
        limited.status = 418;
        assert!(matches!(a.classify("/api/v3/order", limited), Ok(None)));
        assert!(a.conn.rest.held_for(false) > Duration::from_secs(29));
    }

    #[test]
    fn request_weights_follow_binance_and_are_counted_before_a_request_leaves() {
        let p = |kv: &[(&str, &str)]| -> Vec<(String, String)> {
            kv.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let one = p(&[("symbol", "BTCUSDT"), ("orderId", "12")]);
        assert_eq!(request_weight(&Method::GET, "/api/v3/myTrades", &one), 5);
        let all = p(&[("symbol", "BTCUSDT")]);
        assert_eq!(request_weight(&Method::GET, "/api/v3/myTrades", &all), 20);
        assert_eq!(request_weight(&Method::GET, "/api/v3/order", &one), 4);
        assert_eq!(request_weight(&Method::POST, "/api/v3/order", &one), 1);
        assert_eq!(request_weight(&Method::GET, "/api/v3/openOrders", &all), 6);
        let deep = query_params("/api/v3/depth?symbol=BTCUSDT&limit=1000");
        assert_eq!(request_weight(&Method::GET, "/api/v3/depth", &deep), 50);

        let a = BinanceAdapter::new(ExchangeConfig::new(vec!["BTCUSDT".into()])).unwrap();
        assert!(a.take_weight(20), "no limit known: nothing is held back");
        a.stats().weight_limit.store(100, Ordering::Relaxed);
        assert!(a.take_weight(85), "a new minute starts from zero");
        assert!(a.take_weight(5), "90 % is still within the margin");
        assert_eq!(a.stats().used_weight.load(Ordering::Relaxed), 90);
        assert_eq!(a.conn.rest.held_for(false), Duration::ZERO);
        assert!(!a.take_weight(5), "past 90 %: wait for the next minute");
        let held = a.conn.rest.held_for(false);
        assert!(
            held > Duration::ZERO && held <= Duration::from_secs(60),
            "{held:?}"
        );
        // The venue's next minute: the count starts again.
        a.weight_minute.fetch_sub(1, Ordering::Relaxed);
        assert!(
            a.take_weight(200),
            "a minute's first request goes, however heavy"
        );
    }
}
