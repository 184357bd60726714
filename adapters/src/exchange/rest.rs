//! The REST transport both venues share: one HTTP client, the client-side
//! budget (`governor`), a stop-all-requests deadline set by 418/429
//! `Retry-After`, and the offset between our clock and the venue's.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::Method;
use reqwest::header::HeaderMap;

use crate::exchange::config::ExchangeConfig;
use crate::exchange::venue::{AdapterStats, VenueError, now_ns};

/// An HTTP answer, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// `Retry-After` in seconds, when present.
    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after")
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A 5xx as a `Transport` error: the venue did not say what became
    /// of the request.
    pub fn server_error(&self, venue: &'static str, path: &str) -> Result<(), VenueError> {
        if self.status < 500 {
            return Ok(());
        }
        Err(VenueError::Transport {
            venue,
            path: path.into(),
            detail: format!("HTTP {}: {}", self.status, excerpt(&self.body)),
        })
    }
}

#[derive(Debug)]
pub(crate) struct Rest {
    pub venue: &'static str,
    pub base: String,
    http: reqwest::Client,
    /// Venue clock minus ours, ms.
    offset_ms: AtomicI64,
    /// No request leaves before this instant (418/429 Retry-After).
    blocked_until: Mutex<Option<Instant>>,
    /// No new order leaves before this instant (the venue's order count).
    orders_blocked_until: Mutex<Option<Instant>>,
    /// Set when the session stops: orders not yet sent never are.
    orders_closed: tokio::sync::watch::Sender<bool>,
    requests: DefaultDirectRateLimiter,
    orders: DefaultDirectRateLimiter,
    pub stats: Arc<AdapterStats>,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

impl Rest {
    pub fn new(
        venue: &'static str,
        base: String,
        cfg: &ExchangeConfig,
    ) -> Result<Self, VenueError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(cfg.request_timeout_ms.max(1)))
            .build()
            .map_err(|e| VenueError::Config(format!("{venue}: HTTP client: {e}")))?;
        Ok(Self {
            venue,
            base: base.trim_end_matches('/').to_string(),
            http,
            offset_ms: AtomicI64::new(0),
            blocked_until: Mutex::new(None),
            orders_blocked_until: Mutex::new(None),
            orders_closed: tokio::sync::watch::Sender::new(false),
            requests: RateLimiter::direct(Quota::per_second(nonzero(
                cfg.rate_limit.requests_per_second,
            ))),
            orders: RateLimiter::direct(Quota::per_minute(nonzero(
                cfg.rate_limit.orders_per_minute,
            ))),
            stats: Arc::new(AdapterStats::default()),
        })
    }

    /// The venue's clock now, ms.
    pub fn venue_now_ms(&self) -> i64 {
        now_ns() / 1_000_000 + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Records the venue's time, read at `sent_ms`..`received_ms` of our clock.
    pub fn set_clock(&self, server_ms: i64, sent_ms: i64, received_ms: i64) {
        let ours = sent_ms + (received_ms - sent_ms) / 2;
        self.offset_ms.store(server_ms - ours, Ordering::Relaxed);
    }

    /// Stops every request for `wait`.
    pub fn block_for(&self, wait: Duration) {
        extend(&self.blocked_until, wait);
    }

    /// How long requests (or, with `order`, new orders) are still held back.
    #[cfg(test)]
    pub fn held_for(&self, order: bool) -> Duration {
        let deadline = if order {
            &self.orders_blocked_until
        } else {
            &self.blocked_until
        };
        let until = *deadline.lock().unwrap_or_else(|e| e.into_inner());
        until.map_or(Duration::ZERO, |t| {
            t.saturating_duration_since(Instant::now())
        })
    }

    /// Stops new orders for `wait`.
    pub fn block_orders_for(&self, wait: Duration) {
        extend(&self.orders_blocked_until, wait);
    }

    /// From now on, new orders fail with `VenueError::Closed` instead of
    /// leaving, including those waiting for their turn now (requests
    /// already sent are answered as usual).
    pub fn close_orders(&self) {
        self.orders_closed.send_replace(true);
    }

    /// Waits for the venue's ban to pass and for our own budget. A new
    /// order is refused, before it is sent, once orders are closed, even
    /// while it waits.
    pub async fn wait_turn(&self, order: bool) -> Result<(), VenueError> {
        if !order {
            self.wait_budget(false).await;
            return Ok(());
        }
        let mut closed = self.orders_closed.subscribe();
        tokio::select! {
            biased;
            _ = closed.wait_for(|c| *c) => Err(VenueError::Closed { venue: self.venue }),
            _ = self.wait_budget(true) => {
                if *self.orders_closed.borrow() {
                    Err(VenueError::Closed { venue: self.venue })
                } else {
                    Ok(())
                }
            }
        }
    }

    async fn wait_budget(&self, order: bool) {
        let until = *self.blocked_until.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = until {
            tokio::time::sleep_until(t.into()).await;
        }
        if order {
            let until = *self
                .orders_blocked_until
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(t) = until {
                tokio::time::sleep_until(t.into()).await;
            }
        }
        self.requests.until_ready().await;
        if order {
            self.orders.until_ready().await;
        }
    }

    /// Sends one request and reads the whole answer. Connection errors and
    /// timeouts are `Transport` errors (the outcome is unknown).
    pub async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Option<(&'static str, String)>,
    ) -> Result<Reply, VenueError> {
        let url = format!("{}{}", self.base, path_and_query);
        let mut req = self.http.request(method, &url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some((content_type, body)) = body {
            req = req.header("Content-Type", content_type).body(body);
        }
        let path = path_only(path_and_query);
        let transport = |e: reqwest::Error| VenueError::Transport {
            venue: self.venue,
            path: path.clone(),
            // Without the URL: its query string carries the signature.
            detail: e.without_url().to_string(),
        };
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.map_err(transport)?;
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}

/// Moves a deadline to `wait` from now, unless it is later already.
fn extend(deadline: &Mutex<Option<Instant>>, wait: Duration) {
    let until = Instant::now() + wait;
    let mut d = deadline.lock().unwrap_or_else(|e| e.into_inner());
    if d.is_none_or(|t| t < until) {
        *d = Some(until);
    }
}

/// A path without its query string (which may carry a signature).
pub(crate) fn path_only(path_and_query: &str) -> String {
    path_and_query
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// A body of at most 200 characters, for error messages.
pub(crate) fn excerpt(body: &str) -> String {
    let mut s: String = body.chars().take(200).collect();
    if s.len() < body.len() {
        s.push('…');
    }
    s
}
