//! Binance websockets: raw streams (`/ws/<stream>`), combined streams
//! (`/stream?streams=a/b`), JSON-RPC (UN)SUBSCRIBE, server pings, user data
//! on a listen key.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::time::Instant;

use super::json as bj;
use crate::Venue;
use crate::faults::Ctrl;
use crate::market::MdEvent;
use crate::matching::OrderEvent;
use crate::state::Shared;
use crate::util::{now_ms, percent_decode};

/// A client that misses this many pings in a row is dropped.
const MISSED_PINGS: u32 = 3;
/// Market data events taken from the feed at once, written with one flush.
const BATCH: usize = 256;

#[derive(Debug, Clone, PartialEq)]
enum Stream {
    BookTicker(usize),
    AggTrade(usize),
    Trade(usize),
    Depth(usize),
    User(String),
}

/// A subscription: the name the client used, and what it means.
#[derive(Debug, Clone)]
struct Sub {
    name: String,
    stream: Stream,
}

fn parse(shared: &Shared, name: &str) -> Option<Sub> {
    let stream = match name.split_once('@') {
        None => {
            let key = name.to_owned();
            shared
                .lock()
                .listen_keys
                .contains(&key)
                .then_some(Stream::User(key))?
        }
        Some((sym, kind)) => {
            let sym = shared.binance_symbol(sym)?;
            match kind {
                "bookTicker" => Stream::BookTicker(sym),
                "aggTrade" => Stream::AggTrade(sym),
                "trade" => Stream::Trade(sym),
                "depth" | "depth@100ms" | "depth@1000ms" => Stream::Depth(sym),
                _ => return None,
            }
        }
    };
    Some(Sub {
        name: name.to_owned(),
        stream,
    })
}

/// Parses `a/b/c`; the error names the first stream that does not exist.
fn parse_all<'a>(shared: &Shared, names: &'a str) -> Result<Vec<Sub>, &'a str> {
    names
        .split('/')
        .filter(|n| !n.is_empty())
        .map(|n| parse(shared, n).ok_or(n))
        .collect()
}

fn invalid_stream(name: &str) -> Response {
    let body = json!({"code": -1121, "msg": format!("Invalid stream: {name}")});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// `GET /ws`: a raw socket that subscribes with JSON-RPC.
pub(super) async fn raw_root(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |s| run(s, shared, false, Vec::new()))
}

/// `GET /ws/<stream>[/<stream>...]`: raw events.
pub(super) async fn raw(
    State(shared): State<Arc<Shared>>,
    Path(streams): Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    match parse_all(&shared, &streams) {
        Ok(subs) => ws.on_upgrade(move |s| run(s, shared, false, subs)),
        Err(name) => invalid_stream(name),
    }
}

/// `GET /stream?streams=<a>/<b>`: events wrapped in `{"stream","data"}`.
pub(super) async fn combined(
    State(shared): State<Arc<Shared>>,
    RawQuery(q): RawQuery,
    ws: WebSocketUpgrade,
) -> Response {
    let q = q.unwrap_or_default();
    let names = q
        .split('&')
        .find_map(|kv| kv.strip_prefix("streams="))
        .map(percent_decode)
        .unwrap_or_default();
    match parse_all(&shared, &names) {
        Ok(subs) => ws.on_upgrade(move |s| run(s, shared, true, subs)),
        Err(name) => invalid_stream(name),
    }
}

async fn run(mut socket: WebSocket, shared: Arc<Shared>, combined: bool, mut subs: Vec<Sub>) {
    shared.connections.fetch_add(1, Ordering::Relaxed);
    let mut md = shared.md_tx.subscribe();
    let mut orders = shared.lock().order_tx.subscribe();
    let mut ctrl = shared.ctrl_tx.subscribe();
    let period = Duration::from_millis(shared.cfg.ping_interval_ms.max(1));
    let mut ping = tokio::time::interval_at(Instant::now() + period, period);
    let mut last_pong = Instant::now();
    loop {
        let out: Vec<Value> = tokio::select! {
            msg = socket.recv() => match msg {
                Some(Ok(Message::Text(t))) => vec![request(&shared, &mut subs, t.as_str())],
                Some(Ok(Message::Pong(_))) => {
                    shared.pongs.fetch_add(1, Ordering::Relaxed);
                    last_pong = Instant::now();
                    Vec::new()
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => Vec::new(),
            },
            ev = md.recv() => match market_batch(&shared, &subs, combined, &mut md, ev) {
                Some(out) => {
                    // One flush for the batch: under load, one write per
                    // message would cost more than the messages.
                    let n = out.len() as u64;
                    for v in out {
                        if socket.feed(Message::Text(v.into())).await.is_err() {
                            return;
                        }
                    }
                    if socket.flush().await.is_err() {
                        return;
                    }
                    shared.md_sent.fetch_add(n, Ordering::Relaxed);
                    Vec::new()
                }
                None => return,
            },
            ev = orders.recv() => match ev {
                // Lost in a user-data gap: never sent, never told.
                Ok(_) if shared.faults().user_gap() => Vec::new(),
                Ok(ev) => user_events(&subs, combined, &ev),
                Err(RecvError::Lagged(_)) => Vec::new(),
                Err(RecvError::Closed) => return,
            },
            c = ctrl.recv() => match c {
                // Dropping the socket closes TCP without a close frame.
                Ok(Ctrl::Disconnect) | Err(RecvError::Closed) => return,
                Ok(Ctrl::ServerShutdown) => {
                    let ev = json!({"e": "serverShutdown", "E": now_ms()});
                    let _ = socket.send(Message::Text(ev.to_string().into())).await;
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
                Err(RecvError::Lagged(_)) => Vec::new(),
            },
            _ = ping.tick() => {
                if last_pong.elapsed() > period * MISSED_PINGS {
                    tracing::debug!("binance socket missed {MISSED_PINGS} pings; closing");
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
                if socket.send(Message::Ping(Bytes::from_static(b"mockex"))).await.is_err() {
                    return;
                }
                Vec::new()
            }
        };
        for v in out {
            if socket
                .send(Message::Text(v.to_string().into()))
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// Answers a JSON-RPC request: SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS.
fn request(shared: &Shared, subs: &mut Vec<Sub>, text: &str) -> Value {
    let Ok(req) = serde_json::from_str::<Value>(text) else {
        return json!({"error": {"code": 3, "msg": "Invalid JSON: expected value"}, "id": null});
    };
    let id = req.get("id").cloned().unwrap_or(Value::Null);
    let names: Vec<&str> = req
        .get("params")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match req.get("method").and_then(Value::as_str) {
        Some("SUBSCRIBE") => {
            for name in names {
                if subs.iter().all(|s| s.name != name)
                    && let Some(sub) = parse(shared, name)
                {
                    subs.push(sub);
                }
            }
            json!({"result": null, "id": id})
        }
        Some("UNSUBSCRIBE") => {
            subs.retain(|s| !names.contains(&s.name.as_str()));
            json!({"result": null, "id": id})
        }
        Some("LIST_SUBSCRIPTIONS") => {
            let list: Vec<&str> = subs.iter().map(|s| s.name.as_str()).collect();
            json!({"result": list, "id": id})
        }
        _ => json!({"error": {"code": 2, "msg": "Invalid request: unknown method"}, "id": id}),
    }
}

fn wrap(combined: bool, name: &str, data: Value) -> Value {
    if combined {
        json!({"stream": name, "data": data})
    } else {
        data
    }
}

/// The messages for `first` and the events already queued behind it (up
/// to `BATCH`); `None` when the feed is closed. Events this socket fell too
/// far behind to receive are counted as dropped when it has market data
/// subscriptions.
fn market_batch(
    shared: &Shared,
    subs: &[Sub],
    combined: bool,
    md: &mut broadcast::Receiver<MdEvent>,
    first: Result<MdEvent, RecvError>,
) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut next = Some(first);
    let mut taken = 0;
    while let Some(ev) = next.take() {
        match ev {
            Ok(ev) => out.extend(market_events(shared, subs, combined, &ev)),
            Err(RecvError::Lagged(n)) => {
                if subs.iter().any(|s| !matches!(s.stream, Stream::User(_))) {
                    shared.md_dropped.fetch_add(n, Ordering::Relaxed);
                }
            }
            Err(RecvError::Closed) => return None,
        }
        taken += 1;
        if taken < BATCH {
            next = match md.try_recv() {
                Ok(ev) => Some(Ok(ev)),
                Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
                Err(TryRecvError::Empty | TryRecvError::Closed) => None,
            };
        }
    }
    Some(out)
}

fn market_events(shared: &Shared, subs: &[Sub], combined: bool, ev: &MdEvent) -> Vec<String> {
    let mut out = Vec::new();
    for sub in subs {
        let mut text = String::with_capacity(192);
        if combined {
            // Stream names were parsed from the client's request: plain ASCII.
            text.push_str(r#"{"stream":""#);
            text.push_str(&sub.name);
            text.push_str(r#"","data":"#);
        }
        match (&sub.stream, ev) {
            (Stream::BookTicker(s), MdEvent::Tick(t)) if *s == t.sym => {
                bj::book_ticker_text(&mut text, &shared.binance_names[t.sym], t)
            }
            (Stream::Depth(s), MdEvent::Tick(t)) if *s == t.sym => {
                text.push_str(&bj::depth_update(&shared.binance_names[t.sym], t).to_string())
            }
            (Stream::AggTrade(s), MdEvent::Trade(t)) if *s == t.sym => {
                bj::agg_trade_text(&mut text, &shared.binance_names[t.sym], t)
            }
            (Stream::Trade(s), MdEvent::Trade(t)) if *s == t.sym => {
                text.push_str(&bj::trade(&shared.binance_names[t.sym], t).to_string())
            }
            _ => continue,
        }
        if combined {
            text.push('}');
        }
        out.push(text);
    }
    out
}

fn user_events(subs: &[Sub], combined: bool, ev: &OrderEvent) -> Vec<Value> {
    if ev.order.venue != Venue::Binance {
        return Vec::new();
    }
    subs.iter()
        .filter(|s| matches!(s.stream, Stream::User(_)))
        .map(|s| {
            wrap(
                combined,
                &s.name,
                bj::execution_report(&ev.order, &ev.kind, ev.ts),
            )
        })
        .collect()
}
