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
//! One task serves one connection: it reads client messages, polls every
//! subscription of the connection and writes to the socket, so a connection owns
//! no queue. A client that stops reading blocks only its own task; the events it
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
mod transport_ws;

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Data, Response};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::stream::{self, BoxStream, SplitSink};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_stream::StreamMap;
use tokio_stream::wrappers::BroadcastStream;

use crate::fanout::{Delivery, Key};
use crate::graphql::error::ErrorCode;
use crate::graphql::error::is_subscription;
use crate::graphql::{AppSchema, request_data};
use crate::state::AppState;
use crate::store::Actor;

/// The sub-protocol names, in order of preference.
pub const PROTOCOLS: [&str; 2] = ["graphql-transport-ws", "graphql-ws"];

/// Close codes this server sends.
pub mod close {
    /// The server is shutting down (resume elsewhere with your cursor).
    pub const GOING_AWAY: u16 = 1001;
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
    mut stop: watch::Receiver<bool>,
) {
    let cfg = WsConfig::from_settings(&app.settings);
    let (tx, mut rx) = socket.split();
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
    let init_deadline = Instant::now() + cfg.init_timeout;
    let mut ping = tokio::time::interval_at(Instant::now() + cfg.ping_interval, cfg.ping_interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    // A revoked token (here or on another instance) or an expired one closes
    // its connections with 4403 within seconds.
    let mut revocations = conn.app.tokens.revocations();
    let mut expiry = tokio::time::interval(TOKEN_EXPIRY_CHECK);
    expiry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let end = if *stop.borrow() {
        close(close::GOING_AWAY, "the server is shutting down")
    } else {
        loop {
            tokio::select! {
                _ = stop.changed() => {
                    break close(close::GOING_AWAY, "the server is shutting down; resume with your cursor");
                }
                () = sleep_until(init_deadline), if !conn.init_seen => {
                    break close(close::INIT_TIMEOUT, "Connection initialisation timeout");
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > cfg.ping_interval + cfg.pong_timeout {
                        break close(close::UNRESPONSIVE, "no answer to pings");
                    }
                    if let Err(e) = conn.send(Message::Ping(Default::default())).await {
                        break e;
                    }
                    if conn.protocol == Protocol::Legacy
                        && conn.session.is_some()
                        && let Err(e) = conn.send_json(&json!({"type": "ka"})).await
                    {
                        break e;
                    }
                }
                Ok(()) = revocations.changed() => {
                    if conn.actor.as_ref().is_some_and(|a| conn.app.tokens.is_revoked(a.token_id)) {
                        break close(close::FORBIDDEN, "Forbidden: the API token was revoked");
                    }
                }
                _ = expiry.tick(), if conn.actor.as_ref().is_some_and(|a| a.expires_at.is_some()) => {
                    if conn.actor.as_ref().is_some_and(|a| a.expired(conn.app.clock.now())) {
                        break close(close::FORBIDDEN, "Forbidden: the API token has expired");
                    }
                }
                msg = rx.next() => {
                    let Some(Ok(msg)) = msg else { break End::Gone };
                    last_heard = Instant::now();
                    let step = match msg {
                        Message::Text(text) => conn.on_text(text.as_str()).await,
                        Message::Binary(_) => Err(close(close::BAD_REQUEST, "Invalid message received: binary frames are not GraphQL messages")),
                        Message::Ping(_) | Message::Pong(_) => Ok(()),
                        Message::Close(_) => Err(End::Gone),
                    };
                    if let Err(e) = step {
                        break e;
                    }
                }
                Some((id, item)) = conn.subs.next(), if !conn.subs.is_empty() => {
                    if let Err(e) = conn.on_item(id, item).await {
                        break e;
                    }
                }
            }
        }
    };
    conn.app
        .metrics
        .ws_subscriptions
        .sub(conn.subs.len() as i64);
    conn.subs.clear();
    if let End::Close(code, reason) = end {
        tracing::debug!(code, %reason, "closing WebSocket");
        let frame = Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }));
        // Best effort: a stalled peer may never take it.
        if timeout(Duration::from_secs(1), conn.tx.send(frame))
            .await
            .is_ok()
        {
            // Wait briefly for the peer's close reply so TCP ends cleanly.
            let _ = timeout(Duration::from_secs(1), async {
                while let Some(Ok(m)) = rx.next().await {
                    if matches!(m, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
        }
    }
    conn.app.metrics.ws_connections.dec();
}

impl Conn {
    async fn send(&mut self, msg: Message) -> Result<(), End> {
        match timeout(self.cfg.send_timeout, self.tx.send(msg)).await {
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

    async fn start(
        &mut self,
        id: String,
        request: async_graphql::Request,
        session: Arc<Data>,
    ) -> Result<(), End> {
        if let Some(actor) = &self.actor
            && let Err(wait) = self.app.limits.check_token(actor.token_id)
        {
            let error = json!([{
                "message": format!("too many requests; try again in {} s", wait.seconds()),
                "extensions": {"code": ErrorCode::RateLimited.as_str(), "retryAfter": wait.seconds()},
            }]);
            return self.send_error(&id, error).await;
        }
        if self.subs.len() >= self.cfg.max_subscriptions {
            let error = json!([{
                "message": format!("at most {} subscriptions per connection", self.cfg.max_subscriptions),
                "extensions": {"code": ErrorCode::TooManySubscriptions.as_str()},
            }]);
            return self.send_error(&id, error).await;
        }
        let mut request = request;
        if let Err(e) = self.app.documents.parse(&mut request).and_then(|()| {
            if self.app.settings.introspection {
                Ok(())
            } else {
                crate::graphql::error::refuse_introspection(&mut request)
            }
        }) {
            let errors = serde_json::to_value([e]).unwrap_or_else(|_| json!([]));
            return self.send_error(&id, errors).await;
        }
        let subscription = is_subscription(&mut request);
        let shared = match (&self.actor, subscription) {
            (Some(actor), true) => Key::of(&request, actor),
            _ => None,
        };
        let stream: Sub = match shared {
            Some(key) => {
                let schema = self.schema.clone();
                let rx = self.app.fanout.join(key, move || {
                    let mark = crate::graphql::DeliveryMark::default();
                    let mut request = request;
                    request.data.insert(mark.clone());
                    schema
                        .execute_stream_with_session_data(request, session)
                        .map(move |r| (r, mark.get()))
                        .boxed()
                });
                BroadcastStream::new(rx)
                    .map(|d| match d {
                        Ok(Delivery::Complete) => None,
                        Ok(d) => Some(Item::Shared(d)),
                        Err(_) => Some(Item::Lagged),
                    })
                    .boxed()
            }
            None if subscription => {
                let mark = crate::graphql::DeliveryMark::default();
                request.data.insert(mark.clone());
                self.schema
                    .execute_stream_with_session_data(request, session)
                    .map(move |r| Some(Item::Own(r, mark.get())))
                    .chain(stream::once(async { None }))
                    .boxed()
            }
            // A query or mutation has one result, within the request timeout.
            None => {
                let limit = self.app.settings.request_timeout();
                let operation = crate::graphql::error::operation_name(&mut request);
                let metrics = self.app.metrics.clone();
                let started = std::time::Instant::now();
                let run = self
                    .schema
                    .execute_stream_with_session_data(request, session)
                    .into_future();
                stream::once(async move {
                    let answer = timeout(limit, run).await;
                    let outcome = match &answer {
                        Ok((Some(r), _)) => crate::http::outcome(r),
                        Ok((None, _)) => "ok",
                        Err(_) => "timeout",
                    };
                    metrics.request("ws", operation.as_deref(), outcome, started.elapsed());
                    match answer {
                        Ok((Some(r), _)) => Some(Item::Own(r, 0)),
                        Ok((None, _)) => None,
                        Err(_) => Some(Item::Own(
                            Response::from_errors(vec![crate::graphql::error::server_error(
                                format!(
                                    "the operation took longer than {} s and was stopped",
                                    limit.as_secs()
                                ),
                                crate::graphql::error::ErrorCode::Timeout,
                            )]),
                            0,
                        )),
                    }
                })
                .chain(stream::once(async { None }))
                .boxed()
            }
        };
        self.subs.insert(id, stream);
        self.app.metrics.ws_subscriptions.inc();
        Ok(())
    }

    /// Stops subscription `id`; whether it was running.
    fn remove(&mut self, id: &str) -> bool {
        let running = self.subs.remove(id).is_some();
        if running {
            self.app.metrics.ws_subscriptions.dec();
        }
        running
    }

    async fn send_error(&mut self, id: &str, errors: Value) -> Result<(), End> {
        self.send_json(&json!({"type": "error", "id": id, "payload": errors}))
            .await
    }

    /// One item of a subscription, or `None` when it has ended.
    async fn on_item(&mut self, id: String, item: Option<Item>) -> Result<(), End> {
        let ty = match self.protocol {
            Protocol::TransportWs => "next",
            Protocol::Legacy => "data",
        };
        let (mut resp, at_ms) = match item {
            None => {
                self.remove(&id);
                return self.send_json(&json!({"type": "complete", "id": id})).await;
            }
            Some(Item::Own(resp, at_ms)) => (resp, at_ms),
            Some(Item::Shared(Delivery::Next(payload, at_ms))) => {
                // The payload was serialised once for every subscriber.
                let id_json = serde_json::to_string(&id).unwrap_or_else(|_| "\"\"".into());
                let text = format!(r#"{{"type":"{ty}","id":{id_json},"payload":{payload}}}"#);
                self.send(Message::Text(text.into())).await?;
                self.app.metrics.delivered(at_ms);
                return Ok(());
            }
            Some(Item::Shared(Delivery::Refused(errors))) => {
                self.remove(&id);
                let errors = serde_json::from_str(&errors).unwrap_or_else(|_| json!([]));
                return self.send_error(&id, errors).await;
            }
            Some(Item::Shared(Delivery::Complete)) => {
                self.remove(&id);
                return self.send_json(&json!({"type": "complete", "id": id})).await;
            }
            Some(Item::Lagged) => {
                self.remove(&id);
                let errors = json!([{
                    "message": "this subscription fell behind; subscribe again with the last cursor as `after`",
                    "extensions": {"code": ErrorCode::SubscriberTooSlow.as_str()},
                }]);
                return self.send_error(&id, errors).await;
            }
        };
        crate::graphql::error::classify(&mut resp);
        // Errors before execution (parse, validation, variables) have no path and
        // no data: the operation never ran, so it is an `error` message.
        let refused = crate::http::is_request_error(&resp);
        if refused {
            self.remove(&id);
            let errors = serde_json::to_value(&resp.errors).unwrap_or_else(|_| json!([]));
            return self.send_error(&id, errors).await;
        }
        let payload = serde_json::to_value(&resp).unwrap_or_else(|_| json!({"data": null}));
        self.send_json(&json!({"type": ty, "id": id, "payload": payload}))
            .await?;
        self.app.metrics.delivered(at_ms);
        Ok(())
    }
}

/// Checks the token of a `connection_init` payload; on success the
/// connection's request data.
async fn authenticate(app: &AppState, payload: Option<&Value>) -> Result<(Data, Actor), String> {
    let token = payload
        .and_then(token_from_payload)
        .ok_or_else(|| "connection_init needs an Authorization token".to_string())?;
    let actor = app
        .tokens
        .authenticate(&app.db, &token, app.clock.now())
        .await
        .map_err(|e| match e {
            crate::error::AppError::Unauthenticated(why) => why,
            _ => "the API token could not be checked".to_string(),
        })?;
    // A connection's loaders live as long as it does: they never cache.
    Ok((request_data(app, Some(actor.clone()), false), actor))
}

/// `payload` absent or null gives `None`; an object gives it; anything else is an error.
fn optional_object(msg: &Value) -> Result<Option<&Value>, ()> {
    match msg.get("payload") {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v)),
        Some(_) => Err(()),
    }
}

fn message_id(msg: &Value) -> Option<String> {
    msg.get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= 256)
        .map(str::to_string)
}

fn graphql_request(msg: &Value) -> Option<async_graphql::Request> {
    let payload = msg.get("payload")?;
    payload.get("query").and_then(Value::as_str)?;
    serde_json::from_value(payload.clone()).ok()
}

/// The API token of a `connection_init` payload: `Authorization` (with or
/// without `Bearer `), `authorization`, or `token`.
pub fn token_from_payload(payload: &Value) -> Option<String> {
    let header = payload
        .get("Authorization")
        .or_else(|| payload.get("authorization"))
        .and_then(Value::as_str)
        .map(|v| v.trim());
    let token = header
        .map(|v| v.strip_prefix("Bearer").unwrap_or(v).trim().to_string())
        .or_else(|| {
            payload
                .get("token")
                .and_then(Value::as_str)
                .map(str::to_string)
        })?;
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_the_first_supported_protocol() {
        assert_eq!(
            Protocol::negotiate("foo, graphql-ws, graphql-transport-ws"),
            Some(Protocol::Legacy)
        );
        assert_eq!(
            Protocol::negotiate("graphql-transport-ws"),
            Some(Protocol::TransportWs)
        );
        assert_eq!(Protocol::negotiate("mqtt"), None);
    }

    #[test]
    fn finds_the_token_in_every_accepted_place() {
        assert_eq!(
            token_from_payload(&json!({"Authorization": "Bearer ifin_x"})).as_deref(),
            Some("ifin_x")
        );
        assert_eq!(
            token_from_payload(&json!({"authorization": "ifin_y"})).as_deref(),
            Some("ifin_y")
        );
        assert_eq!(
            token_from_payload(&json!({"token": "ifin_z"})).as_deref(),
            Some("ifin_z")
        );
        assert_eq!(
            token_from_payload(&json!({"Authorization": "Bearer "})),
            None
        );
        assert_eq!(token_from_payload(&json!({})), None);
    }

    #[test]
    fn a_request_needs_a_query() {
        assert!(graphql_request(&json!({"payload": {"query": "{ a }"}})).is_some());
        assert!(graphql_request(&json!({"payload": {"variables": {}}})).is_none());
        assert!(graphql_request(&json!({"id": "1"})).is_none());
    }
}
