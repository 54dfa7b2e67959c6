//! A minimal GraphQL WebSocket client for tests, speaking `graphql-transport-ws`
//! or the legacy `graphql-ws` protocol.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Which sub-protocol to speak.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Protocol {
    /// graphql-transport-ws (the graphql-ws library).
    TransportWs,
    /// graphql-ws (subscriptions-transport-ws, legacy).
    LegacyWs,
}

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct WsClient {
    socket: Socket,
    protocol: Protocol,
}

/// The code of the first error of an operation's answer: in `payload.errors`
/// (the legacy protocol's `data` message) or in the `payload` list (an
/// `error` message of `graphql-transport-ws`).
pub fn error_code(answer: &Value) -> Option<&str> {
    let payload = &answer["payload"];
    payload["errors"][0]["extensions"]["code"]
        .as_str()
        .or_else(|| payload[0]["extensions"]["code"].as_str())
}

impl WsClient {
    /// Opens a socket offering `protocols` (comma-separated), sending nothing.
    pub async fn open_offering(
        base: &str,
        protocols: &str,
    ) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
        let url = format!("{}/graphql", base.replace("http://", "ws://"));
        let mut req = url.into_client_request().unwrap();
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", protocols.parse().unwrap());
        Ok(tokio_tungstenite::connect_async(req).await?.0)
    }

    /// Connects like [`WsClient::connect`], over a TCP socket whose receive
    /// buffer is only `rcvbuf` bytes, so that a client that stops reading soon
    /// pushes back on the server.
    pub async fn connect_small_buffer(base: &str, token: &str, rcvbuf: u32) -> WsClient {
        let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
        let tcp = tokio::net::TcpSocket::new_v4().unwrap();
        tcp.set_recv_buffer_size(rcvbuf).unwrap();
        let stream = tcp.connect(addr).await.unwrap();
        let url = format!("ws://{addr}/graphql");
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        let (socket, _) =
            tokio_tungstenite::client_async(req, tokio_tungstenite::MaybeTlsStream::Plain(stream))
                .await
                .unwrap();
        let mut client = WsClient {
            socket,
            protocol: Protocol::TransportWs,
        };
        client
            .send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } }))
            .await;
        let ack = client.recv_json(Duration::from_secs(5)).await.unwrap();
        assert_eq!(ack["type"], "connection_ack");
        client
    }

    /// Reads every message until the socket ends (close frame, reset or
    /// `wait` of silence); returns the `next` payloads of `id` and the close code.
    pub async fn drain(&mut self, id: &str, wait: Duration) -> (Vec<Value>, Option<u16>) {
        let mut out = Vec::new();
        loop {
            match tokio::time::timeout(wait, self.socket.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => {
                    let v: Value = serde_json::from_str(&t).unwrap();
                    if v["type"] == "next" && v["id"] == id {
                        out.push(v["payload"].clone());
                    }
                }
                Ok(Some(Ok(Message::Close(f)))) => {
                    return (out, Some(f.map_or(1005, |f| u16::from(f.code))));
                }
                Ok(Some(Ok(_))) => continue,
                _ => return (out, None),
            }
        }
    }

    /// Opens a socket speaking `protocol`, sending nothing.
    pub async fn open(base: &str, protocol: Protocol) -> WsClient {
        let name = match protocol {
            Protocol::TransportWs => "graphql-transport-ws",
            Protocol::LegacyWs => "graphql-ws",
        };
        let socket = Self::open_offering(base, name).await.unwrap();
        WsClient { socket, protocol }
    }

    /// Connects and sends `connection_init` with `payload`; returns the client and
    /// the first server message (the ack, or an error / close).
    pub async fn connect_raw(
        base: &str,
        protocol: Protocol,
        payload: Value,
    ) -> (WsClient, Option<Message>) {
        let mut client = Self::open(base, protocol).await;
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let first = client.recv_raw(Duration::from_secs(5)).await;
        (client, first)
    }

    /// Sends a text frame as is.
    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::Text(text.to_string().into()))
            .await
            .unwrap();
    }

    /// The next JSON message (ping/pong frames skipped), or `None` after `wait`
    /// or when the socket closes.
    pub async fn recv_json(&mut self, wait: Duration) -> Option<Value> {
        match self.recv_raw(wait).await? {
            Message::Text(t) => Some(serde_json::from_str(&t).unwrap()),
            _ => None,
        }
    }

    /// Reads until the server's close frame and returns its code and reason, or
    /// `None` if none arrives within `wait`.
    pub async fn close_code(&mut self, wait: Duration) -> Option<(u16, String)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.socket.next()).await {
                Ok(Some(Ok(Message::Close(Some(f))))) => {
                    return Some((u16::from(f.code), f.reason.to_string()));
                }
                Ok(Some(Ok(Message::Close(None)))) => return Some((1005, String::new())),
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    }

    /// Stops reading for `d` (the socket is left alone, pings unanswered).
    pub async fn stall(&mut self, d: Duration) {
        tokio::time::sleep(d).await;
    }

    /// Connects with a token and expects the ack.
    pub async fn connect(base: &str, protocol: Protocol, token: &str) -> WsClient {
        let (client, first) = Self::connect_raw(
            base,
            protocol,
            json!({ "Authorization": format!("Bearer {token}") }),
        )
        .await;
        let msg: Value = match first {
            Some(Message::Text(t)) => serde_json::from_str(&t).unwrap(),
            other => panic!("expected connection_ack, got {other:?}"),
        };
        assert_eq!(msg["type"], "connection_ack", "{msg}");
        client
    }

    pub async fn send(&mut self, v: Value) {
        self.socket
            .send(Message::Text(v.to_string().into()))
            .await
            .unwrap();
    }

    pub async fn recv_raw(&mut self, wait: Duration) -> Option<Message> {
        loop {
            match tokio::time::timeout(wait, self.socket.next()).await {
                Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
                Ok(Some(Ok(m))) => return Some(m),
                _ => return None,
            }
        }
    }

    /// Starts a subscription.
    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = match self.protocol {
            Protocol::TransportWs => "subscribe",
            Protocol::LegacyWs => "start",
        };
        self.send(json!({ "id": id, "type": kind, "payload": { "query": query, "variables": variables } })).await;
    }

    /// The next `data` payload of subscription `id` (skipping keep-alives), or
    /// `None` after `wait`.
    pub async fn next(&mut self, id: &str, wait: Duration) -> Option<Value> {
        let data_kind = match self.protocol {
            Protocol::TransportWs => "next",
            Protocol::LegacyWs => "data",
        };
        loop {
            let msg = self.recv_raw(wait).await?;
            let Message::Text(t) = msg else { return None };
            let v: Value = serde_json::from_str(&t).unwrap();
            match v["type"].as_str() {
                Some("ka") | Some("ping") | Some("pong") => continue,
                Some(k) if k == data_kind && v["id"] == id => return Some(v["payload"].clone()),
                Some("error") => panic!("subscription error: {v}"),
                _ => continue,
            }
        }
    }

    /// Every message that arrives within `wait` (keep-alives skipped): what
    /// a check that nothing came must read, since [`Self::next`] passes over
    /// other operations' messages.
    pub async fn all_within(&mut self, wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut out = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let Some(v) = self.recv_json(left).await else {
                return out;
            };
            if !matches!(v["type"].as_str(), Some("ka" | "ping" | "pong")) {
                out.push(v);
            }
        }
    }

    /// The first message about operation `id` that is not its `complete`
    /// (its data or its error), or `Null` when none comes within `wait`.
    pub async fn answer(&mut self, id: &str, wait: Duration) -> Value {
        while let Some(m) = self.recv_json(wait).await {
            if m["id"] == id && m["type"] != "complete" {
                return m;
            }
        }
        Value::Null
    }

    /// Collects `n` payloads of subscription `id`, failing after a generous wait.
    pub async fn take(&mut self, id: &str, n: usize) -> Vec<Value> {
        let mut out = Vec::new();
        while out.len() < n {
            match self.next(id, Duration::from_secs(10)).await {
                Some(v) => out.push(v),
                None => panic!("got {} of {n} events: {out:#?}", out.len()),
            }
        }
        out
    }
}
