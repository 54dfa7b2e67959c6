//! The WebSocket protocols, point by point: graphql-transport-ws as its
//! PROTOCOL.md specifies, the legacy graphql-ws with keep-alives, server pings,
//! and closing on shutdown. The protocol does not depend on the database, so
//! these run on SQLite only.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{Backend, TestApp};
use crate::ws::{Protocol, WsClient};

const NOTES: &str = "subscription($after: String) { notifications(after: $after) { cursor notification { kind } } }";
const SECOND: Duration = Duration::from_secs(1);
const WAIT: Duration = Duration::from_secs(5);

async fn app() -> TestApp {
    app_with(|_| {}).await
}

async fn app_with(adjust: impl FnOnce(&mut invoice_finance::config::Settings)) -> TestApp {
    TestApp::spawn_with(Backend::Sqlite, adjust).await.unwrap()
}

async fn closed_with(ws: &mut WsClient) -> u16 {
    ws.close_code(WAIT).await.expect("a close frame").0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_before_the_ack_closes_4401() {
    let app = app().await;
    let mut ws = WsClient::open(&app.base, Protocol::TransportWs).await;
    ws.subscribe("1", NOTES, json!({})).await;
    assert_eq!(closed_with(&mut ws).await, 4401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_close_4400() {
    let app = app().await;
    for bad in [
        "not json",
        "[1,2]",
        r#"{"payload":{}}"#,
        r#"{"type":"launch"}"#,
        r#"{"type":"connection_init","payload":"token"}"#,
    ] {
        let mut ws = WsClient::open(&app.base, Protocol::TransportWs).await;
        ws.send_text(bad).await;
        assert_eq!(closed_with(&mut ws).await, 4400, "{bad}");
    }
    // After the ack too: a subscribe without an id or without a query.
    for bad in [
        json!({"type": "subscribe", "payload": {"query": NOTES}}),
        json!({"type": "subscribe", "id": "1", "payload": {"variables": {}}}),
        json!({"type": "complete"}),
    ] {
        let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
        ws.send(bad.clone()).await;
        assert_eq!(closed_with(&mut ws).await, 4400, "{bad}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_connection_init_closes_4403() {
    let app = app().await;
    for payload in [
        json!({"Authorization": "Bearer ifin_not-a-real-token"}),
        json!({"Authorization": format!("Bearer {}x", app.company)}),
        json!({}),
        serde_json::Value::Null,
    ] {
        let mut ws = WsClient::open(&app.base, Protocol::TransportWs).await;
        ws.send(json!({"type": "connection_init", "payload": payload}))
            .await;
        let (code, reason) = ws.close_code(WAIT).await.expect("a close frame");
        assert_eq!(code, 4403, "{payload}");
        assert!(reason.starts_with("Forbidden"), "{reason}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_connection_init_in_time_closes_4408() {
    let app = app_with(|s| s.ws_init_timeout_ms = 300).await;
    let mut ws = WsClient::open(&app.base, Protocol::TransportWs).await;
    let started = std::time::Instant::now();
    assert_eq!(closed_with(&mut ws).await, 4408);
    assert!(started.elapsed() >= Duration::from_millis(250));
    // A client that did send it in time stays connected past the timeout.
    let mut ok = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    assert!(ok.close_code(SECOND).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_subscription_id_closes_4409() {
    let app = app().await;
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    ws.subscribe("same", NOTES, json!({})).await;
    ws.subscribe("same", NOTES, json!({})).await;
    let (code, reason) = ws.close_code(WAIT).await.expect("a close frame");
    assert_eq!(code, 4409);
    assert_eq!(reason, "Subscriber for same already exists");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_connection_init_closes_4429() {
    let app = app().await;
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    ws.send(json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {}", app.company)}}))
        .await;
    assert_eq!(closed_with(&mut ws).await, 4429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_fails_validation_gets_an_error_message_and_the_socket_stays() {
    let app = app().await;
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    ws.subscribe("bad", "subscription { nonsense }", json!({}))
        .await;
    let msg = ws.recv_json(WAIT).await.expect("an error message");
    assert_eq!(msg["type"], "error", "{msg}");
    assert_eq!(msg["id"], "bad");
    assert_eq!(
        msg["payload"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{msg}"
    );
    // A syntax error, and a variable of the wrong type, likewise.
    ws.subscribe("syntax", "subscription {", json!({})).await;
    let msg = ws.recv_json(WAIT).await.unwrap();
    assert_eq!(
        (msg["type"].as_str(), msg["id"].as_str()),
        (Some("error"), Some("syntax"))
    );
    assert_eq!(
        msg["payload"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
    ws.subscribe(
        "vars",
        "subscription($a: String) { notifications(after: $a) { cursor } }",
        json!({"a": 5}),
    )
    .await;
    let msg = ws.recv_json(WAIT).await.unwrap();
    assert_eq!(
        (msg["type"].as_str(), msg["id"].as_str()),
        (Some("error"), Some("vars"))
    );
    // A document of two operations with none named runs neither.
    ws.subscribe(
        "two",
        &format!(
            "{} subscription B {{ notifications {{ cursor }} }}",
            NOTES.replacen("subscription(", "subscription A(", 1)
        ),
        json!({}),
    )
    .await;
    let msg = ws.recv_json(WAIT).await.unwrap();
    assert_eq!(
        (msg["type"].as_str(), msg["id"].as_str()),
        (Some("error"), Some("two"))
    );
    assert_eq!(
        msg["payload"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{msg}"
    );
    // The errored ids are free again and the connection works.
    ws.subscribe("bad", NOTES, json!({})).await;
    app.listening(1, 1).await;
    crate::fixtures::activate(&app, crate::fixtures::agreement()).await;
    let got = ws.take("bad", 1).await;
    assert_eq!(
        got[0]["data"]["notifications"]["notification"]["kind"],
        "INVOICE_SALE_ACTIVATED"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_works_in_both_directions() {
    let app = app().await;
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    // Server to client: a query over the socket answers once, then completes.
    ws.subscribe("q", "{ viewer { name } }", json!({})).await;
    let next = ws.recv_json(WAIT).await.unwrap();
    assert_eq!(next["type"], "next");
    assert_eq!(
        next["payload"]["data"]["viewer"]["name"],
        "Norrlands Snickeri AB"
    );
    let done = ws.recv_json(WAIT).await.unwrap();
    assert_eq!(done, json!({"type": "complete", "id": "q"}));
    // Client to server: a completed subscription gets no more events, and its id
    // may be used again (no 4409).
    ws.subscribe("n", NOTES, json!({})).await;
    app.listening(1, 1).await;
    ws.send(json!({"type": "complete", "id": "n"})).await;
    app.eventually("the subscription is stopped", || async {
        app.gauge("ws_subscriptions").await == 0 && app.gauge("event_listeners").await == 0
    })
    .await;
    crate::fixtures::activate(&app, crate::fixtures::agreement()).await;
    assert!(ws.next("n", SECOND).await.is_none());
    ws.subscribe("n", NOTES, json!({"after": crate::helpers::cursor_zero()}))
        .await;
    let replayed = ws.take("n", 1).await;
    assert_eq!(
        replayed[0]["data"]["notifications"]["notification"]["kind"],
        "INVOICE_SALE_ACTIVATED"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_is_answered_with_pong() {
    let app = app().await;
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    ws.send(json!({"type": "ping"})).await;
    assert_eq!(ws.recv_json(WAIT).await, Some(json!({"type": "pong"})));
    // A pong from the client is accepted silently.
    ws.send(json!({"type": "pong"})).await;
    assert!(ws.recv_json(Duration::from_millis(300)).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_pings_and_drops_a_peer_that_stops_answering() {
    let app = app_with(|s| {
        s.ws_ping_interval_ms = 200;
        s.ws_pong_timeout_ms = 300;
    })
    .await;
    // A client that reads answers the pings (tungstenite replies with pongs) and
    // stays connected well past interval + timeout.
    let mut live = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    assert!(live.close_code(Duration::from_millis(1500)).await.is_none());
    // One that stops reading sends no pongs and is closed with 4504.
    let mut silent = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    silent.stall(Duration::from_millis(1200)).await;
    assert_eq!(closed_with(&mut silent).await, 4504);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_protocol_keeps_alive_and_stops() {
    let app = app_with(|s| s.ws_ping_interval_ms = 200).await;
    let mut ws = WsClient::open(&app.base, Protocol::LegacyWs).await;
    ws.send(json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {}", app.company)}}))
        .await;
    assert_eq!(ws.recv_json(WAIT).await.unwrap()["type"], "connection_ack");
    let mut kas = 0;
    while kas < 3 {
        let m = ws.recv_json(WAIT).await.expect("keep-alive");
        assert_eq!(m["type"], "ka", "{m}");
        kas += 1;
    }
    ws.subscribe("1", NOTES, json!({})).await;
    app.listening(1, 1).await;
    ws.send(json!({"type": "stop", "id": "1"})).await;
    let mut saw_complete = false;
    for _ in 0..10 {
        let m = ws.recv_json(WAIT).await.unwrap();
        if m["type"] == "complete" {
            assert_eq!(m["id"], "1");
            saw_complete = true;
            break;
        }
    }
    assert!(saw_complete);
    ws.send(json!({"type": "connection_terminate"})).await;
    assert_eq!(closed_with(&mut ws).await, 1000);

    // A bad token: connection_error, then the socket closes.
    let mut bad = WsClient::open(&app.base, Protocol::LegacyWs).await;
    bad.send(json!({"type": "connection_init", "payload": {"authorization": "Bearer nope"}}))
        .await;
    let m = bad.recv_json(WAIT).await.unwrap();
    assert_eq!(m["type"], "connection_error", "{m}");
    assert_eq!(closed_with(&mut bad).await, 4403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_sub_protocol_is_refused_at_the_upgrade() {
    let app = app().await;
    let err = WsClient::open_offering(&app.base, "mqtt")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("400"), "{err}");
    // The first protocol we speak from the client's list is chosen.
    assert!(
        WsClient::open_offering(&app.base, "mqtt, graphql-transport-ws")
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_sockets_with_1001_and_the_cursor_resumes_elsewhere() {
    let mut app = app().await;
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    ws.subscribe("n", NOTES, json!({"after": crate::helpers::cursor_zero()}))
        .await;
    crate::fixtures::activate(&app, crate::fixtures::agreement()).await;
    let got = ws.take("n", 1).await;
    let cursor = got[0]["data"]["notifications"]["cursor"].clone();
    let (_, close) = tokio::join!(app.stop(), ws.close_code(WAIT));
    let (code, reason) = close.expect("a close frame on shutdown");
    assert_eq!(code, 1001, "{reason}");
    // The same database, restarted: resuming with the cursor replays nothing old.
    app.restart().await;
    let mut again = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    again.subscribe("n", NOTES, json!({"after": cursor})).await;
    assert!(again.next("n", SECOND).await.is_none());
}

const WITH_TEXT: &str = "subscription($after: String) { notifications(after: $after) { cursor notification { kind message } } }";

/// The cursor numbers of notification payloads.
fn seqs(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            e["data"]["notifications"]["cursor"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// A client that stops reading (with a tiny TCP receive buffer, so the server's
/// writes soon block) does not hold up another subscriber, is closed with 4503
/// once one write stays blocked for the send timeout, and then resumes with its
/// last cursor: across both connections it gets every event once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_client_is_closed_and_resumes_without_loss_while_others_flow() {
    use invoice_finance::store::outbox;
    const EVENTS: usize = 3000;
    let app = app_with(|s| s.ws_send_timeout_ms = 1000).await;
    let mut stalled = WsClient::connect_small_buffer(&app.base, &app.company, 4096).await;
    stalled.subscribe("n", WITH_TEXT, json!({})).await;
    let mut reader = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    reader.subscribe("n", WITH_TEXT, json!({})).await;
    // The same document for the same company: one shared execution.
    app.listening(2, 1).await;

    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let company = crate::live::first_company(&db).await;
    let text = "x".repeat(4000);
    let t = invoice_finance::store::begin_ordered(&db).await.unwrap();
    for _ in 0..EVENTS {
        outbox::notify(
            &t,
            company,
            invoice_finance::domain::notification::NotificationKind::SaleSent,
            &text,
            None,
            crate::helpers::default_now(),
        )
        .await
        .unwrap();
    }
    t.commit().await.unwrap();

    // The reading client gets everything while the other one is stuck.
    let all = seqs(&reader.take("n", EVENTS).await);
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!(unique.len(), EVENTS);

    // The stalled client is closed by the server.
    app.eventually("the stalled socket is closed", || async {
        app.gauge("ws_connections").await == 1
    })
    .await;
    let (got, code) = stalled.drain("n", Duration::from_secs(2)).await;
    assert!(got.len() < EVENTS, "the stalled client was not stalled");
    assert!(matches!(code, Some(4503) | None), "{code:?}");
    // It resumes from its last cursor and misses nothing.
    let mut resumed = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    let after = got
        .last()
        .map(|e| e["data"]["notifications"]["cursor"].clone())
        .unwrap_or(json!(null));
    resumed
        .subscribe("n", WITH_TEXT, json!({"after": after}))
        .await;
    let mut seen = seqs(&got);
    seen.extend(seqs(&resumed.take("n", EVENTS - got.len()).await));
    assert_eq!(seen, all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_larger_than_the_read_buffer_is_read_whole() {
    let app = app().await;
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    let padded = format!("{{ viewer {{ name }} }}{}", " ".repeat(20_000));
    ws.subscribe("big", &padded, json!({})).await;
    let next = ws.recv_json(WAIT).await.unwrap();
    assert_eq!(
        next["payload"]["data"]["viewer"]["name"], "Norrlands Snickeri AB",
        "{next}"
    );
}
