//! GraphQL over WebSocket, for both sub-protocols clients use:
//!
//! * `graphql-transport-ws`, exactly as the graphql-ws `PROTOCOL.md` specifies:
//!   `connection_init` within [`WsConfig::init_timeout`] (else close 4408), a
//!   second one closes 4429, a rejected token closes 4403, `subscribe` before
//!   `connection_ack` closes 4401, a malformed message closes 4400, a duplicate
//!   live id closes 4409, a request that fails before execution (parse,
//!   validation, variables) gets an `error` message, and `complete` works both
//!   ways.
//! * the legacy `graphql-ws` of subscriptions-transport-ws (`start`, `stop`,
//!   `data`, `connection_error`, keep-alive `ka` messages).
//!
//! Two tasks serve one connection. The reader ([`reader`]) reads the socket
//! and keeps the timers and signals that can end it; it hands each client
//! message and signal to the writer over a queue of a few. The writer handles
//! them, polls every subscription of the connection and writes to the socket,
//! so an event wakes only the writers, which poll nothing else, and
//! subscription results are never queued. A client that stops reading blocks
//! only its own writer; the events it
//! misses stay in the outbox (the hub's bounded channel makes its subscriptions
//! re-read them when polled again), and if one write stays blocked for
//! [`WsConfig::send_timeout`] the connection is closed with [`close::TOO_SLOW`],
//! after which the client resumes with `after: <cursor>`.
//!
//! Liveness: every [`WsConfig::ping_interval`] the server sends a WebSocket ping
//! frame (and `ka` on the legacy protocol); a peer from which nothing (pong or
//! message) has arrived for an interval plus [`WsConfig::pong_timeout`] is closed
//! with [`close::UNRESPONSIVE`]. On shutdown every socket gets a close frame with
//! [`close::GOING_AWAY`].

mod legacy;
mod messages;
mod reader;
mod subscriptions;
mod transport_ws;

pub use messages::token_from_payload;
use messages::{authenticate, graphql_request, message_id, optional_object};
use reader::Signal;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Data, Response};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::{self, BoxStream, SplitSink};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_stream::StreamMap;
use tokio_stream::wrappers::BroadcastStream;
use tokio_util::task::AbortOnDropHandle;

use crate::client_error::ErrorCode;
use crate::documents::is_subscription;
use crate::fanout::{Delivery, Key};
use crate::graphql::{AppSchema, request_data};
use crate::state::AppState;
use crate::store::Actor;

/// The sub-protocol names, in order of preference.
pub const PROTOCOLS: [&str; 2] = ["graphql-transport-ws", "graphql-ws"];

/// Close codes this server sends.
pub mod close {
    /// The server is shutting down (resume elsewhere with your cursor).
    pub const GOING_AWAY: u16 = 1001;
    /// The token could not be checked for a fault of ours (RFC 6455).
    pub const INTERNAL_ERROR: u16 = 1011;
    /// The token could not be checked: the database was out of reach; try
    /// again (RFC 6455's "Try Again Later").
    pub const TRY_AGAIN_LATER: u16 = 1013;
    /// Malformed message.
    pub const BAD_REQUEST: u16 = 4400;
    /// `subscribe` before `connection_ack`.
    pub const UNAUTHORIZED: u16 = 4401;
    /// `connection_init` rejected: missing or invalid token.
    pub const FORBIDDEN: u16 = 4403;
    /// No `connection_init` in time.
    pub const INIT_TIMEOUT: u16 = 4408;
    /// A subscription with this id is already running.
    pub const SUBSCRIBER_EXISTS: u16 = 4409;
    /// More than one `connection_init`.
    pub const TOO_MANY_INITS: u16 = 4429;
    /// The client stopped reading: a write stayed blocked too long.
    pub const TOO_SLOW: u16 = 4503;
    /// Nothing arrived from the peer (not even a pong) in time.
    pub const UNRESPONSIVE: u16 = 4504;
}

/// Which sub-protocol a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// `graphql-transport-ws` (graphql-ws).
    TransportWs,
    /// `graphql-ws` (subscriptions-transport-ws, legacy).
    Legacy,
}

impl Protocol {
    /// The first protocol of a `Sec-WebSocket-Protocol` list that we speak.
    pub fn negotiate(header: &str) -> Option<Self> {
        header.split(',').map(str::trim).find_map(|p| match p {
            "graphql-transport-ws" => Some(Self::TransportWs),
            "graphql-ws" => Some(Self::Legacy),
            _ => None,
        })
    }

    /// The protocol's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::TransportWs => PROTOCOLS[0],
            Self::Legacy => PROTOCOLS[1],
        }
    }
}

/// Socket limits and timers.
#[derive(Debug, Clone, Copy)]
pub struct WsConfig {
    /// Time allowed between the upgrade and `connection_init`.
    pub init_timeout: Duration,
    /// Interval of server pings (and legacy `ka` messages).
    pub ping_interval: Duration,
    /// Extra time a peer has to answer before it counts as gone.
    pub pong_timeout: Duration,
    /// Longest time one write may stay blocked before the client counts as stalled.
    pub send_timeout: Duration,
    /// Most concurrent subscriptions on one connection.
    pub max_subscriptions: usize,
}

impl WsConfig {
    /// From the app settings.
    pub fn from_settings(s: &crate::config::Settings) -> Self {
        Self {
            init_timeout: Duration::from_millis(s.ws_init_timeout_ms),
            ping_interval: Duration::from_millis(s.ws_ping_interval_ms.max(10)),
            pong_timeout: Duration::from_millis(s.ws_pong_timeout_ms),
            send_timeout: Duration::from_millis(s.ws_send_timeout_ms),
            max_subscriptions: s.ws_max_subscriptions,
        }
    }
}

/// How often a connection looks at its token's expiry.
const TOKEN_EXPIRY_CHECK: Duration = Duration::from_secs(1);

/// Why the loop ended: with a close frame to send, or with the peer gone.
enum End {
    Close(u16, String),
    Gone,
}

fn close(code: u16, reason: impl Into<String>) -> End {
    End::Close(code, reason.into())
}

/// What a subscription yields: `None` when it has ended.
type Sub = BoxStream<'static, Option<Item>>;

/// One item of a subscription.
enum Item {
    /// A response of the connection's own execution, and the commit time
    /// (ms) of the event it answers (0: not an event).
    Own(Response, i64),
    /// A delivery of a shared execution.
    Shared(Delivery),
    /// The subscriber fell behind its shared execution.
    Lagged,
}

struct Conn {
    protocol: Protocol,
    cfg: WsConfig,
    app: AppState,
    schema: AppSchema,
    tx: SplitSink<WebSocket, Message>,
    session: Option<Arc<Data>>,
    actor: Option<Actor>,
    init_seen: bool,
    subs: StreamMap<String, Sub>,
}

/// Serves one upgraded socket until it closes, the peer goes away or `stop` fires.
pub async fn serve(
    socket: WebSocket,
    protocol: Protocol,
    app: AppState,
    schema: AppSchema,
    stop: watch::Receiver<bool>,
) {
    let cfg = WsConfig::from_settings(&app.settings);
    let (tx, rx) = socket.split();
    let mut conn = Conn {
        protocol,
        cfg,
        app,
        schema,
        tx,
        session: None,
        actor: None,
        init_seen: false,
        subs: StreamMap::new(),
    };
    conn.app.metrics.ws_connections.inc();
    let (to_writer, mut signals) = mpsc::channel(reader::QUEUE);
    // A revoked token (here or on another instance) or an expired one closes
    // its connections with 4403 within seconds.
    let revocations = conn.app.tokens.revocations();
    let stopping = *stop.borrow();
    // The reader ends with the connection, however `serve` ends.
    let reading = AbortOnDropHandle::new(tokio::spawn(reader::read(
        rx,
        to_writer,
        cfg,
        stop,
        revocations,
    )));
    let end = if stopping {
        close(close::GOING_AWAY, "the server is shutting down")
    } else {
        conn.write(&mut signals).await
    };
    conn.app
        .metrics
        .ws_subscriptions
        .sub(conn.subs.len() as i64);
    conn.subs.clear();
    if let End::Close(code, reason) = &end {
        tracing::debug!(code, %reason, "closing WebSocket");
        conn.close(*code, reason, &mut signals).await;
    }
    drop(reading);
    conn.app.metrics.ws_connections.dec();
}

impl Conn {
    /// Serves the connection: what the reader signals, and what the
    /// subscriptions yield, until the connection ends.
    async fn write(&mut self, signals: &mut mpsc::Receiver<Signal>) -> End {
        let init = sleep_until(Instant::now() + self.cfg.init_timeout);
        tokio::pin!(init);
        let mut expiry = tokio::time::interval(TOKEN_EXPIRY_CHECK);
        expiry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let expires = self.actor.as_ref().is_some_and(|a| a.expires_at.is_some());
            // Results first: an event's delivery polls nothing else until
            // the subscriptions have none ready. What is signalled waits at
            // most for the results in hand, a bounded backlog.
            tokio::select! {
                biased;
                Some((id, item)) = self.subs.next(), if !self.subs.is_empty() => {
                    if let Err(e) = self.on_item(id, item).await {
                        return e;
                    }
                }
                () = &mut init, if !self.init_seen => {
                    return close(close::INIT_TIMEOUT, "Connection initialisation timeout");
                }
                _ = expiry.tick(), if expires => {
                    if self.actor.as_ref().is_some_and(|a| a.expired(self.app.clock.now())) {
                        return close(close::FORBIDDEN, "Forbidden: the API token has expired");
                    }
                }
                signal = signals.recv() => {
                    if let Err(e) = self.on_signal(signal).await {
                        return e;
                    }
                }
            }
        }
    }

    async fn on_signal(&mut self, signal: Option<Signal>) -> Result<(), End> {
        match signal.ok_or(End::Gone)? {
            Signal::Client(msg) => match *msg {
                Message::Text(text) => self.on_text(text.as_str()).await,
                Message::Binary(_) => Err(close(
                    close::BAD_REQUEST,
                    "Invalid message received: binary frames are not GraphQL messages",
                )),
                Message::Ping(_) | Message::Pong(_) => Ok(()),
                Message::Close(_) => Err(End::Gone),
            },
            Signal::Ping => {
                self.send(Message::Ping(Default::default())).await?;
                if self.protocol == Protocol::Legacy && self.session.is_some() {
                    self.send_json(&json!({"type": "ka"})).await?;
                }
                Ok(())
            }
            Signal::Revocations => {
                if self
                    .actor
                    .as_ref()
                    .is_some_and(|a| self.app.tokens.is_revoked(a.token_id))
                {
                    return Err(close(
                        close::FORBIDDEN,
                        "Forbidden: the API token was revoked",
                    ));
                }
                Ok(())
            }
            Signal::End(end) => Err(*end),
        }
    }

    /// Sends the close frame and waits briefly for the peer's reply, so TCP
    /// ends cleanly. Best effort: a stalled peer may never take it.
    async fn close(&mut self, code: u16, reason: &str, signals: &mut mpsc::Receiver<Signal>) {
        let frame = Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }));
        if timeout(Duration::from_secs(1), self.tx.send(frame))
            .await
            .is_ok()
        {
            let _ = timeout(Duration::from_secs(1), async {
                while let Some(s) = signals.recv().await {
                    if matches!(s, Signal::Client(m) if matches!(*m, Message::Close(_))) {
                        break;
                    }
                }
            })
            .await;
        }
    }
}

impl Conn {
    async fn send(&mut self, msg: Message) -> Result<(), End> {
        let mut sending = self.tx.send(msg);
        // Nearly every write completes at once and needs no timer; one that
        // waits for the client gets `send_timeout` from here.
        let sent = match futures_util::poll!(&mut sending) {
            std::task::Poll::Ready(done) => Ok(done),
            std::task::Poll::Pending => timeout(self.cfg.send_timeout, sending).await,
        };
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::Gone),
            Err(_) => Err(close(
                close::TOO_SLOW,
                "the client stopped reading; resume with the last cursor as `after`",
            )),
        }
    }

    async fn send_json(&mut self, v: &Value) -> Result<(), End> {
        self.send(Message::Text(v.to_string().into())).await
    }

    async fn on_text(&mut self, text: &str) -> Result<(), End> {
        match self.protocol {
            Protocol::TransportWs => self.on_transport_ws(text).await,
            Protocol::Legacy => self.on_legacy(text).await,
        }
    }
}

#[cfg(test)]
mod tests;
