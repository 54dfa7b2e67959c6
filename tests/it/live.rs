//! Live events across instances.

use serde_json::json;

use crate::helpers::{Backend, TestApp};
use crate::ws::{Protocol, WsClient};

/// Two instances share one PostgreSQL database, with outbox polling slowed to
/// ten minutes: an event committed on B reaches a subscriber on A at once, woken
/// by LISTEN/NOTIFY and read from the outbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_committed_on_one_instance_reaches_subscribers_on_another() {
    let slow = |s: &mut invoice_finance::config::Settings| s.event_poll_ms = 600_000;
    let Some(b) = TestApp::spawn_with(Backend::Postgres, slow).await else {
        return;
    };
    let a = b.spawn_peer(slow).await;
    let mut ws = WsClient::connect(&a.base, Protocol::TransportWs, &b.company).await;
    ws.subscribe(
        "n",
        "subscription { notifications { notification { kind } } }",
        json!({}),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    crate::sale::activate(&b, crate::sale::agreement()).await;
    let got = ws.take("n", 1).await;
    assert_eq!(
        got[0]["data"]["notifications"]["notification"]["kind"],
        "INVOICE_SALE_ACTIVATED"
    );
}
