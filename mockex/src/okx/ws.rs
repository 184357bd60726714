//! OKX websockets: public market data channels, private login and the
//! `orders` and `orders-algo` channels, text ping/pong, and the 30 s idle cut-off.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::json as oj;
use crate::Venue;
use crate::faults::Ctrl;
use crate::market::MdEvent;
use crate::matching::{EventKind, OrderEvent};
use crate::state::Shared;
use crate::util::{hmac_sha256, now_ms};

/// OKX drops a connection that has sent nothing for this long.
const IDLE_LIMIT: Duration = Duration::from_secs(30);
/// Delay between the service-upgrade notice and the close.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(200);
/// Login timestamps further than this from the server clock are refused.
const LOGIN_SKEW_SECS: f64 = 30.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    Tickers,
    BboTbt,
    Books5,
    Trades,
    Orders,
    OrdersAlgo,
}

#[derive(Debug, Clone)]
struct Sub {
    channel: Channel,
    /// The subscription's `arg`, echoed in pushes.
    arg: Value,
    /// Instrument filter; `None` for every instrument.
    sym: Option<usize>,
}

#[derive(Debug)]
struct Conn {
    private: bool,
    logged_in: bool,
    conn_id: String,
    subs: Vec<Sub>,
}

pub(super) async fn public(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |s| run(s, shared, false))
}

pub(super) async fn private(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |s| run(s, shared, true))
}

async fn run(mut socket: WebSocket, shared: Arc<Shared>, private: bool) {
    shared.connections.fetch_add(1, Ordering::Relaxed);
    let mut conn = Conn {
        private,
        logged_in: false,
        conn_id: shared.random_id(8).to_ascii_lowercase(),
        subs: Vec::new(),
    };
    let mut md = shared.md_tx.subscribe();
    let mut orders = shared.lock().order_tx.subscribe();
    let mut ctrl = shared.ctrl_tx.subscribe();
    let idle = tokio::time::sleep(IDLE_LIMIT);
    tokio::pin!(idle);
    loop {
        let out: Vec<String> = tokio::select! {
            msg = socket.recv() => {
                idle.as_mut().reset(Instant::now() + IDLE_LIMIT);
                match msg {
                    Some(Ok(Message::Text(t))) if t.as_str() == "ping" => {
                        shared.pongs.fetch_add(1, Ordering::Relaxed);
                        vec!["pong".to_owned()]
                    }
                    Some(Ok(Message::Text(t))) => request(&shared, &mut conn, t.as_str()),
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                    Some(Ok(_)) => Vec::new(),
                }
            }
            ev = md.recv() => match ev {
                Ok(ev) => market_pushes(&shared, &conn, &ev),
                Err(RecvError::Lagged(_)) => Vec::new(),
                Err(RecvError::Closed) => return,
            },
            ev = orders.recv() => match ev {
                // Lost in a user-data gap: never sent, never told.
                Ok(_) if shared.faults().user_gap() => Vec::new(),
                Ok(ev) => order_pushes(&shared, &conn, &ev),
                Err(RecvError::Lagged(_)) => Vec::new(),
                Err(RecvError::Closed) => return,
            },
            c = ctrl.recv() => match c {
                // Dropping the socket closes TCP without a close frame.
                Ok(Ctrl::Disconnect) | Err(RecvError::Closed) => return,
                Ok(Ctrl::ServerShutdown) => {
                    let notice = json!({
                        "event": "notice",
                        "code": "64008",
                        "msg": "The connection will soon be closed for a service upgrade. Please reconnect.",
                        "connId": conn.conn_id,
                    });
                    let _ = socket.send(Message::Text(notice.to_string().into())).await;
                    tokio::time::sleep(SHUTDOWN_GRACE).await;
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
                Err(RecvError::Lagged(_)) => Vec::new(),
            },
            () = &mut idle => {
                tracing::debug!(conn_id = %conn.conn_id, "okx socket idle for 30 s; closing");
                let _ = socket.send(Message::Close(None)).await;
                return;
            }
        };
        for text in out {
            if socket.send(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
    }
}

fn event_error(conn: &Conn, code: &str, msg: &str) -> String {
    json!({"event": "error", "code": code, "msg": msg, "connId": conn.conn_id}).to_string()
}

/// Answers `login`, `subscribe` and `unsubscribe`.
fn request(shared: &Shared, conn: &mut Conn, text: &str) -> Vec<String> {
    let Ok(req) = serde_json::from_str::<Value>(text) else {
        return vec![event_error(
            conn,
            "60012",
            &format!("Invalid request: {text}"),
        )];
    };
    let args: Vec<Value> = req
        .get("args")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match req.get("op").and_then(Value::as_str) {
        Some("login") => vec![login(shared, conn, args.first())],
        Some("subscribe") => subscribe(shared, conn, args),
        Some("unsubscribe") => args
            .into_iter()
            .map(|arg| {
                conn.subs.retain(|s| s.arg != arg);
                json!({"event": "unsubscribe", "arg": arg, "connId": conn.conn_id}).to_string()
            })
            .collect(),
        _ => vec![event_error(
            conn,
            "60012",
            &format!("Invalid request: {text}"),
        )],
    }
}

fn login(shared: &Shared, conn: &mut Conn, arg: Option<&Value>) -> String {
    let s = |k: &str| {
        arg.and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let ts = s("timestamp");
    let fresh = ts
        .parse::<f64>()
        .is_ok_and(|t| (now_ms() as f64 / 1000.0 - t).abs() <= LOGIN_SKEW_SECS);
    let prehash = format!("{ts}GET/users/self/verify");
    let expected = BASE64.encode(hmac_sha256(
        shared.cfg.api_secret.as_bytes(),
        prehash.as_bytes(),
    ));
    if s("apiKey") == shared.cfg.api_key
        && s("passphrase") == shared.cfg.passphrase
        && fresh
        && s("sign") == expected
    {
        conn.logged_in = true;
        json!({"event": "login", "code": "0", "msg": "", "connId": conn.conn_id}).to_string()
    } else {
        event_error(conn, "60009", "Login failed.")
    }
}

fn subscribe(shared: &Shared, conn: &mut Conn, args: Vec<Value>) -> Vec<String> {
    let mut out = Vec::new();
    for arg in args {
        let s = |k: &str| arg.get(k).and_then(Value::as_str).map(str::to_owned);
        let channel = match (conn.private, s("channel").as_deref()) {
            (false, Some("tickers")) => Channel::Tickers,
            (false, Some("bbo-tbt")) => Channel::BboTbt,
            (false, Some("books5")) => Channel::Books5,
            (false, Some("trades")) => Channel::Trades,
            (true, Some("orders")) => Channel::Orders,
            (true, Some("orders-algo")) => Channel::OrdersAlgo,
            _ => {
                out.push(bad_channel(conn, &arg));
                continue;
            }
        };
        let sym = s("instId").map(|i| shared.okx_symbol(&i));
        let sub = match (channel, sym) {
            (Channel::Orders | Channel::OrdersAlgo, _) if !conn.logged_in => {
                out.push(event_error(conn, "60011", "Please log in"));
                continue;
            }
            (Channel::Orders | Channel::OrdersAlgo, Some(None)) => None,
            (Channel::Orders | Channel::OrdersAlgo, sym) => {
                let ok_type = matches!(s("instType").as_deref(), Some("SPOT" | "ANY"));
                ok_type.then(|| Sub {
                    channel,
                    arg: arg.clone(),
                    sym: sym.flatten(),
                })
            }
            (_, Some(Some(i))) => Some(Sub {
                channel,
                arg: arg.clone(),
                sym: Some(i),
            }),
            _ => None,
        };
        match sub {
            Some(sub) => {
                out.push(
                    json!({"event": "subscribe", "arg": arg, "connId": conn.conn_id}).to_string(),
                );
                conn.subs.push(sub);
            }
            None => out.push(bad_channel(conn, &arg)),
        }
    }
    out
}

fn bad_channel(conn: &Conn, arg: &Value) -> String {
    let s = |k: &str| arg.get(k).and_then(Value::as_str).unwrap_or("");
    let msg = format!(
        "Wrong URL or channel:{},instId:{} doesn't exist. Please use the correct URL, channel and parameters referring to API document.",
        s("channel"),
        s("instId")
    );
    event_error(conn, "60018", &msg)
}

fn market_pushes(shared: &Shared, conn: &Conn, ev: &MdEvent) -> Vec<String> {
    let mut out = Vec::new();
    for sub in &conn.subs {
        let data = match (sub.channel, ev) {
            (Channel::Tickers, MdEvent::Tick(t)) if sub.sym == Some(t.sym) => {
                oj::ticker(&shared.cfg.symbols[t.sym], t.last, t)
            }
            (Channel::BboTbt, MdEvent::Tick(t)) if sub.sym == Some(t.sym) => {
                oj::book(&shared.cfg.symbols[t.sym], t, 1)
            }
            (Channel::Books5, MdEvent::Tick(t)) if sub.sym == Some(t.sym) => {
                let mut v = oj::book(&shared.cfg.symbols[t.sym], t, 5);
                v["instId"] = shared.cfg.symbols[t.sym].okx_name().into();
                v
            }
            (Channel::Trades, MdEvent::Trade(t)) if sub.sym == Some(t.sym) => {
                oj::trade(&shared.cfg.symbols[t.sym], t)
            }
            _ => continue,
        };
        out.push(json!({"arg": sub.arg, "data": [data]}).to_string());
    }
    out
}

fn order_pushes(shared: &Shared, conn: &Conn, ev: &OrderEvent) -> Vec<String> {
    if !conn.logged_in || ev.order.venue != Venue::Okx {
        return Vec::new();
    }
    let o = &ev.order;
    let sym = &shared.cfg.symbols[o.sym];
    // An algo order's own states go to `orders-algo`; the regular order it
    // places once triggered, to `orders`.
    conn.subs
        .iter()
        .filter(|s| s.sym.is_none_or(|i| i == o.sym))
        .filter_map(|s| {
            let data = match s.channel {
                Channel::Orders if !o.algo || o.working => oj::order(sym, o, oj::exec_of(&ev.kind)),
                // Its states: live, canceled, and effective once triggered.
                Channel::OrdersAlgo
                    if o.algo && (!o.working || matches!(ev.kind, EventKind::New)) =>
                {
                    oj::algo(sym, o)
                }
                _ => return None,
            };
            let mut arg = s.arg.clone();
            arg["uid"] = "1".into();
            Some(json!({"arg": arg, "data": [data]}).to_string())
        })
        .collect()
}
