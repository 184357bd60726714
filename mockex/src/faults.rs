//! Scripted faults: what a test can make the mock do wrong, and the REST
//! middleware that applies the request-level ones.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::Shared;

/// A misbehaviour to inject with [`crate::MockExchange::inject`]. One-shot
/// faults queue up and are consumed as they apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The next `count` REST requests (any path except `/api/v3/time` and
    /// `/api/v5/public/time`) are refused: Binance paths with HTTP `status`
    /// (429 or 418), a `Retry-After: secs` header and code -1003; OKX paths
    /// with HTTP 429 and code `50011`.
    RateLimit {
        /// HTTP status for Binance paths.
        status: u16,
        /// Value of Binance's `Retry-After` header.
        retry_after_secs: u64,
        /// How many requests it applies to.
        count: u32,
    },
    /// The next order placement (either venue) is booked and fills as usual,
    /// but its HTTP response is `status` with a generic error body.
    ErrorAfterAccept {
        /// HTTP status, e.g. 500, 502 or 503.
        status: u16,
    },
    /// The next `count` REST requests (time endpoints excepted) are delayed
    /// by `ms` before being handled.
    Slow {
        /// Delay in milliseconds.
        ms: u64,
        /// How many requests it applies to.
        count: u32,
    },
    /// The next signed REST request is refused for its timestamp (Binance
    /// -1021, OKX `50102`).
    TimestampSkew,
    /// Every websocket connection is dropped now, without a close frame.
    Disconnect,
    /// Binance sockets get `serverShutdown` then close; OKX sockets get
    /// notice `64008` and close about 200 ms later.
    ServerShutdown,
    /// Market data stops for `ms` milliseconds; sockets stay open and pings
    /// go on.
    StaleFeed {
        /// Duration in milliseconds.
        ms: u64,
    },
    /// For `ms` milliseconds, order events never reach the user-data
    /// streams (Binance `executionReport`, OKX `orders`): they are lost, as
    /// in a gap the client is not told of, while the sockets stay open and
    /// REST answers as usual. A later one replaces it; `ms: 0` ends it.
    UserDataGap {
        /// Duration in milliseconds.
        ms: u64,
    },
}

/// What a websocket task is told to do by a socket-wide fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctrl {
    Disconnect,
    ServerShutdown,
}

/// The pending request-level faults.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    rate_limit: VecDeque<(u16, u64, u32)>,
    slow: VecDeque<(u64, u32)>,
    error_after_accept: VecDeque<u16>,
    timestamp_skew: u32,
    stale_until: Option<Instant>,
    user_gap_until: Option<Instant>,
}

impl FaultQueue {
    /// Queues a request-level fault; socket-wide ones never reach here.
    pub(crate) fn push(&mut self, fault: Fault) {
        match fault {
            Fault::RateLimit {
                status,
                retry_after_secs,
                count,
            } if count > 0 => self.rate_limit.push_back((status, retry_after_secs, count)),
            Fault::Slow { ms, count } if count > 0 => self.slow.push_back((ms, count)),
            Fault::ErrorAfterAccept { status } => self.error_after_accept.push_back(status),
            Fault::TimestampSkew => self.timestamp_skew += 1,
            Fault::StaleFeed { ms } => {
                let until = Instant::now() + Duration::from_millis(ms);
                self.stale_until = Some(self.stale_until.map_or(until, |u| u.max(until)));
            }
            Fault::UserDataGap { ms } => {
                self.user_gap_until = Some(Instant::now() + Duration::from_millis(ms));
            }
            _ => {}
        }
    }

    /// Consumes one use of the pending delay and rate limit, if any.
    fn take_rest(&mut self) -> (Option<u64>, Option<(u16, u64)>) {
        (
            take_counted(&mut self.slow),
            take_counted(&mut self.rate_limit),
        )
    }

    /// Consumes a pending `ErrorAfterAccept`, returning its status.
    pub(crate) fn take_error_after_accept(&mut self) -> Option<u16> {
        self.error_after_accept.pop_front()
    }

    /// Consumes a pending `TimestampSkew`.
    pub(crate) fn take_timestamp_skew(&mut self) -> bool {
        let hit = self.timestamp_skew > 0;
        self.timestamp_skew = self.timestamp_skew.saturating_sub(1);
        hit
    }

    /// Whether market data is paused right now.
    pub(crate) fn stale(&mut self) -> bool {
        match self.stale_until {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                self.stale_until = None;
                false
            }
            None => false,
        }
    }

    /// Whether order events are being lost right now.
    pub(crate) fn user_gap(&self) -> bool {
        self.user_gap_until.is_some_and(|t| Instant::now() < t)
    }
}

/// Pops one use off the front entry of a counted queue (`count` is last).
fn take_counted<T: Copy + CountedFault>(q: &mut VecDeque<T>) -> Option<T::Out> {
    let front = q.front_mut()?;
    let out = front.out();
    if front.decrement() == 0 {
        q.pop_front();
    }
    Some(out)
}

/// A queued fault that applies to a number of requests.
trait CountedFault {
    type Out;
    fn out(&self) -> Self::Out;
    /// Uses one application up and returns how many remain.
    fn decrement(&mut self) -> u32;
}

impl CountedFault for (u64, u32) {
    type Out = u64;
    fn out(&self) -> u64 {
        self.0
    }
    fn decrement(&mut self) -> u32 {
        self.1 -= 1;
        self.1
    }
}

impl CountedFault for (u16, u64, u32) {
    type Out = (u16, u64);
    fn out(&self) -> (u16, u64) {
        (self.0, self.1)
    }
    fn decrement(&mut self) -> u32 {
        self.2 -= 1;
        self.2
    }
}

/// Whether a request is an order placement (counted in `placements()`).
fn is_placement(method: &Method, path: &str) -> bool {
    method == Method::POST && (path == "/api/v3/order" || path == "/api/v5/trade/order")
}

/// REST middleware: counts placements, then applies `Slow` and `RateLimit`.
/// Time endpoints are exempt so that clients can always sync their clocks.
pub(crate) async fn rest_faults(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    if !path.starts_with("/api/") {
        return next.run(req).await;
    }
    if is_placement(req.method(), &path) {
        shared.placements.fetch_add(1, Ordering::Relaxed);
    }
    if path == "/api/v3/time" || path == "/api/v5/public/time" {
        return next.run(req).await;
    }
    let (delay, limit) = shared.faults().take_rest();
    if let Some(ms) = delay {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    match limit {
        Some(_) if path.starts_with("/api/v5/") => okx_rate_limited(),
        Some((status, secs)) => binance_rate_limited(status, secs),
        None => next.run(req).await,
    }
}

fn binance_rate_limited(status: u16, secs: u64) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
    let msg = if status == StatusCode::IM_A_TEAPOT {
        "Way too many requests; IP banned until further notice."
    } else {
        "Too many requests; current limit of IP is 6000 requests per minute. Please use WebSocket Streams for live updates to avoid polling the API."
    };
    let mut resp = (status, axum::Json(json!({"code": -1003, "msg": msg}))).into_response();
    resp.headers_mut()
        .insert("retry-after", HeaderValue::from(secs));
    resp
}

fn okx_rate_limited() -> Response {
    let body = json!({
        "code": "50011",
        "msg": "Rate limit reached. Please refer to API documentation and throttle requests accordingly.",
        "data": [],
    });
    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_run_out() {
        let mut q = FaultQueue::default();
        q.push(Fault::RateLimit {
            status: 418,
            retry_after_secs: 3,
            count: 2,
        });
        q.push(Fault::Slow { ms: 5, count: 1 });
        assert_eq!(q.take_rest(), (Some(5), Some((418, 3))));
        assert_eq!(q.take_rest(), (None, Some((418, 3))));
        assert_eq!(q.take_rest(), (None, None));
        q.push(Fault::TimestampSkew);
        assert!(q.take_timestamp_skew());
        assert!(!q.take_timestamp_skew());
    }
}
