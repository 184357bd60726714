//! A websocket stream that stays up: connects, sends its opening messages
//! (subscriptions, login), answers every ping with a pong at once, sends
//! text keepalives where the venue wants them, reconnects with exponential
//! backoff (`backon`) when the socket drops, when the venue announces a
//! shutdown, and before the venue's 24-hour connection limit, and says so
//! in `StreamUp` / `StreamDown` events so the runner can look up what it
//! may have missed.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axon_engine::market::Tick;
use backon::{BackoffBuilder, ExponentialBuilder};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::exchange::binance_ws::DecodeError;
use crate::exchange::config::ReconnectConfig;
use crate::exchange::venue::{AdapterStats, Stamped, VenueEvent, now_ns};

/// What the message handler wants next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Keep reading.
    Continue,
    /// Send this text, then keep reading.
    Reply(String),
    /// Drop the connection and open a new one (venue notice).
    Reconnect(String),
    /// Give up: reconnecting cannot help (login refused).
    Fail(String),
}

/// A stream's fixed settings.
#[derive(Debug, Clone)]
pub(crate) struct StreamSpec {
    pub name: &'static str,
    pub reconnect: ReconnectConfig,
    /// Reconnect after this long (venues close connections at 24 h).
    pub max_age: Duration,
    /// A text message to send this often (OKX `ping`).
    pub keepalive: Option<(Duration, &'static str)>,
}

/// Where to connect and what to send first; fetched anew for each
/// connection (a listen key, a fresh login signature).
pub(crate) type Opening =
    Pin<Box<dyn Future<Output = Result<(String, Vec<String>), String>> + Send>>;

/// A connected websocket.
type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What ended one connection.
enum End {
    Stopped,
    Dropped(String),
    Failed(String),
}

/// An opening that connects to `url` and sends `messages` first, the
/// same for every connection.
pub(crate) fn fixed(
    url: String,
    messages: Vec<String>,
) -> impl FnMut() -> Opening + Send + 'static {
    move || -> Opening {
        let (url, messages) = (url.clone(), messages.clone());
        Box::pin(async move { Ok((url, messages)) })
    }
}

/// An opening made anew for each connection by `open`, from `me` (a
/// fresh listen key, a login signed now).
pub(crate) fn per_connection<T, F, Fut>(
    me: Arc<T>,
    open: F,
) -> impl FnMut() -> Opening + Send + 'static
where
    T: Send + Sync + 'static,
    F: Fn(Arc<T>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(String, Vec<String>), String>> + Send + 'static,
{
    move || -> Opening { Box::pin(open(me.clone())) }
}

/// Adds a decoded market message's tick to `out` when its mid is finite;
/// a message that does not decode is logged and skipped.
pub(crate) fn push_tick(
    venue: &str,
    decoded: Result<Option<Tick>, DecodeError>,
    out: &mut Vec<VenueEvent>,
) {
    match decoded {
        Ok(Some(tick)) if tick.mid().is_finite() => out.push(VenueEvent::Tick(tick)),
        Ok(_) => {}
        Err(e) => tracing::debug!(error = %e, "{venue} market message skipped"),
    }
}

/// Runs the stream until `stop` turns true or reconnecting fails
/// `max_retries` times in a row.
pub(crate) async fn run<O, H>(
    spec: StreamSpec,
    mut open: O,
    mut handler: H,
    tx: mpsc::Sender<Stamped>,
    stats: Arc<AdapterStats>,
    mut stop: watch::Receiver<bool>,
) where
    O: FnMut() -> Opening + Send,
    H: FnMut(&str, &mut Vec<VenueEvent>) -> Flow + Send,
{
    let mut connected_before = false;
    loop {
        let Some((ws, opening)) = connect(&spec, &mut open, &tx, &mut stop).await else {
            return;
        };
        if connected_before {
            AdapterStats::bump(&stats.reconnects);
        }
        emit(
            &tx,
            VenueEvent::StreamUp {
                stream: spec.name,
                reconnect: connected_before,
            },
        )
        .await;
        connected_before = true;
        let end = session(&spec, ws, opening, &mut handler, &tx, &mut stop).await;
        if !after(&spec, end, &tx, &mut stop).await {
            return;
        }
    }
}

/// Opens a connection, retrying with backoff: the socket and the messages
/// to send first, or `None` when the stream stops or reconnecting has
/// failed too often (said in a `StreamLost` event).
async fn connect<O>(
    spec: &StreamSpec,
    open: &mut O,
    tx: &mpsc::Sender<Stamped>,
    stop: &mut watch::Receiver<bool>,
) -> Option<(Socket, Vec<String>)>
where
    O: FnMut() -> Opening + Send,
{
    let mut delays = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(
            spec.reconnect.initial_backoff_ms.max(1),
        ))
        .with_max_delay(Duration::from_secs(30))
        .with_max_times(spec.reconnect.max_retries as usize)
        .with_jitter()
        .build();
    loop {
        if *stop.borrow() {
            return None;
        }
        let attempt = async {
            let (url, opening) = open().await?;
            let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
                .await
                .map_err(|e| format!("connect: {e}"))?;
            Ok::<_, String>((ws, opening))
        };
        tokio::select! {
            r = attempt => match r {
                Ok(ok) => return Some(ok),
                Err(reason) => {
                    let Some(wait) = delays.next() else {
                        emit(tx, VenueEvent::StreamLost { stream: spec.name, reason }).await;
                        return None;
                    };
                    tracing::warn!(stream = spec.name, %reason, ?wait, "websocket connect failed");
                    if sleep_or_stop(wait, stop).await {
                        return None;
                    }
                }
            },
            _ = stop.changed() => return None,
        }
    }
}

/// Reports how a connection ended; true when the stream goes on with a
/// new connection (after the first backoff delay).
async fn after(
    spec: &StreamSpec,
    end: End,
    tx: &mpsc::Sender<Stamped>,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    match end {
        End::Stopped => false,
        End::Failed(reason) => {
            emit(
                tx,
                VenueEvent::StreamLost {
                    stream: spec.name,
                    reason,
                },
            )
            .await;
            false
        }
        End::Dropped(reason) => {
            tracing::warn!(stream = spec.name, %reason, "websocket dropped; reconnecting");
            emit(
                tx,
                VenueEvent::StreamDown {
                    stream: spec.name,
                    reason,
                },
            )
            .await;
            let first = Duration::from_millis(spec.reconnect.initial_backoff_ms);
            !sleep_or_stop(first, stop).await
        }
    }
}

async fn emit(tx: &mpsc::Sender<Stamped>, event: VenueEvent) {
    let _ = tx
        .send(Stamped {
            recv_ns: now_ns(),
            event,
        })
        .await;
}

/// Sleeps; true if stopped meanwhile.
async fn sleep_or_stop(wait: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(wait) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}

/// One connection, from its opening messages until it ends.
async fn session<S, H>(
    spec: &StreamSpec,
    ws: S,
    opening: Vec<String>,
    handler: &mut H,
    tx: &mpsc::Sender<Stamped>,
    stop: &mut watch::Receiver<bool>,
) -> End
where
    S: futures_util::Stream<Item = Result<Message, WsError>>
        + futures_util::Sink<Message, Error = WsError>
        + Unpin,
    H: FnMut(&str, &mut Vec<VenueEvent>) -> Flow,
{
    let (mut sink, mut stream) = ws.split();
    for m in opening {
        if let Err(e) = sink.send(Message::text(m)).await {
            return End::Dropped(format!("send: {e}"));
        }
    }
    let age = tokio::time::sleep(spec.max_age);
    tokio::pin!(age);
    let period = spec
        .keepalive
        .map_or(Duration::from_secs(3600), |(every, _)| every);
    let mut keepalive = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let mut events = Vec::new();
    loop {
        tokio::select! {
            _ = stop.changed() => {
                let _ = sink.send(Message::Close(None)).await;
                return End::Stopped;
            }
            _ = &mut age => return End::Dropped("connection age limit: reconnecting before the venue's 24 h cut".into()),
            _ = keepalive.tick(), if spec.keepalive.is_some() => {
                let text = spec.keepalive.map_or("ping", |(_, t)| t);
                if let Err(e) = sink.send(Message::text(text)).await {
                    return End::Dropped(format!("keepalive: {e}"));
                }
            }
            msg = stream.next() => {
                if let Some(end) = on_message(msg, &mut sink, handler, &mut events, tx).await {
                    return end;
                }
            }
        }
    }
}

/// Handles one message read from the socket (or its end); `Some` when the
/// connection ends with it.
async fn on_message<K, H>(
    msg: Option<Result<Message, WsError>>,
    sink: &mut K,
    handler: &mut H,
    events: &mut Vec<VenueEvent>,
    tx: &mpsc::Sender<Stamped>,
) -> Option<End>
where
    K: futures_util::Sink<Message, Error = WsError> + Unpin,
    H: FnMut(&str, &mut Vec<VenueEvent>) -> Flow,
{
    match msg {
        None => Some(End::Dropped("closed by the venue".into())),
        Some(Err(e)) => Some(End::Dropped(e.to_string())),
        Some(Ok(Message::Text(text))) => {
            let recv_ns = now_ns();
            let flow = handler(text.as_str(), events);
            let sent = !events.is_empty();
            for event in events.drain(..) {
                if tx.send(Stamped { recv_ns, event }).await.is_err() {
                    return Some(End::Stopped);
                }
            }
            if sent {
                // Lets the session loop, woken onto this worker, take the
                // event now instead of after the rest of a burst is decoded.
                tokio::task::yield_now().await;
            }
            match flow {
                Flow::Continue => None,
                Flow::Reply(text) => sink
                    .send(Message::text(text))
                    .await
                    .err()
                    .map(|e| End::Dropped(format!("send: {e}"))),
                Flow::Reconnect(reason) => {
                    let _ = sink.send(Message::Close(None)).await;
                    Some(End::Dropped(reason))
                }
                Flow::Fail(reason) => {
                    let _ = sink.send(Message::Close(None)).await;
                    Some(End::Failed(reason))
                }
            }
        }
        // Answered at once: a venue drops clients that do not pong.
        Some(Ok(Message::Ping(payload))) => sink
            .send(Message::Pong(payload))
            .await
            .err()
            .map(|e| End::Dropped(format!("pong: {e}"))),
        Some(Ok(Message::Close(frame))) => Some(End::Dropped(format!(
            "close frame: {}",
            frame.map(|f| f.reason.to_string()).unwrap_or_default()
        ))),
        Some(Ok(_)) => None,
    }
}
