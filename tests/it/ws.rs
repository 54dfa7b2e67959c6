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

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct WsClient {
    socket: Socket,
    protocol: Protocol,
}

impl WsClient {
    /// Connects and sends `connection_init` with `payload`; returns the client and
    /// the first server message (the ack, or an error / close).
    pub async fn connect_raw(
        base: &str,
        protocol: Protocol,
        payload: Value,
    ) -> (WsClient, Option<Message>) {
        let url = format!("{}/graphql", base.replace("http://", "ws://"));
        let mut req = url.into_client_request().unwrap();
        let name = match protocol {
            Protocol::TransportWs => "graphql-transport-ws",
            Protocol::LegacyWs => "graphql-ws",
        };
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", name.parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        let mut client = WsClient { socket, protocol };
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let first = client.recv_raw(Duration::from_secs(5)).await;
        (client, first)
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

    async fn recv_raw(&mut self, wait: Duration) -> Option<Message> {
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
