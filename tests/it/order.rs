//! Response fields come in the order the operation asks for them (the GraphQL
//! specification's CollectFields: document order, fragments expanded in
//! place, skipped fields left out), whichever field's resolver finishes
//! first. A field that waits for the database is asked for before one that
//! does not, so completion order and asked order differ in every case here.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::json;

use crate::helpers::{Backend, TestApp};

/// A JSON value that keeps its object keys in the order they came.
#[derive(Debug)]
enum Ordered {
    Object(Vec<(String, Ordered)>),
    List(Vec<Ordered>),
    Scalar,
}

impl Ordered {
    /// The keys of the object at `path` (object keys and list indices).
    fn keys(&self, path: &[&str]) -> Vec<&str> {
        let mut at = self;
        for step in path {
            at = match at {
                Ordered::Object(entries) => match entries.iter().find(|(k, _)| k == step) {
                    Some((_, v)) => v,
                    None => panic!("no {step} in {at:?}"),
                },
                Ordered::List(items) => &items[step.parse::<usize>().unwrap()],
                Ordered::Scalar => panic!("{step} below a scalar"),
            };
        }
        match at {
            Ordered::Object(entries) => entries.iter().map(|(k, _)| k.as_str()).collect(),
            other => panic!("not an object: {other:?}"),
        }
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Ordered>()? {
                    entries.push((k, v));
                }
                Ok(Ordered::Object(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = s.next_element::<Ordered>()? {
                    items.push(v);
                }
                Ok(Ordered::List(items))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Scalar)
            }
        }
        d.deserialize_any(V)
    }
}

async fn ordered(app: &TestApp, token: &str, query: &str, variables: serde_json::Value) -> Ordered {
    let text = app.gql_text(token, query, variables).await;
    assert!(!text.contains("\"errors\""), "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn app() -> Option<TestApp> {
    TestApp::spawn(Backend::Sqlite).await
}

// Each query is asked several times: before the fix the order followed
// completion and differed between requests as well as from the query.
const TIMES: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn root_fields_come_in_the_asked_order() {
    let Some(app) = app().await else { return };
    let q = "query($skip: Boolean!) {
        invoices(first: 1) { totalCount }
        ...Prices
        late: unreadNotificationCount @skip(if: $skip)
        unreadNotificationCount
        viewer { name }
        early: __typename
        invoices(first: 1) { pageInfo { hasNextPage } }
    }
    fragment Prices on Query { noxFinansPriceList { item } __typename }";
    for _ in 0..TIMES {
        let r = ordered(&app, &app.company, q, json!({ "skip": false })).await;
        assert_eq!(
            r.keys(&["data"]),
            [
                "invoices",
                "noxFinansPriceList",
                "__typename",
                "late",
                "unreadNotificationCount",
                "viewer",
                "early"
            ]
        );
        assert_eq!(r.keys(&["data", "invoices"]), ["totalCount", "pageInfo"]);
        let r = ordered(&app, &app.company, q, json!({ "skip": true })).await;
        assert_eq!(
            r.keys(&["data"]),
            [
                "invoices",
                "noxFinansPriceList",
                "__typename",
                "unreadNotificationCount",
                "viewer",
                "early"
            ]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_fields_come_in_the_asked_order() {
    let Some(app) = app().await else { return };
    let customer = app.full_customer(&app.company).await;
    app.invoice(&app.company, &customer, "100").await;
    let q = "query($c: ID!) {
        customer(id: $c) {
            invoices(first: 5) { totalCount nodes { invoiceNumber } }
            name
            ... on Customer { id }
        }
        node(id: $c) {
            ... on Customer { invoices(first: 1) { totalCount } customerNumber }
            id
        }
        viewer { termsOfPayment { code } name invoiceSale { __typename } id }
    }";
    for _ in 0..TIMES {
        let r = ordered(&app, &app.company, q, json!({ "c": customer })).await;
        assert_eq!(r.keys(&["data"]), ["customer", "node", "viewer"]);
        assert_eq!(
            r.keys(&["data", "viewer"]),
            ["termsOfPayment", "name", "invoiceSale", "id"]
        );
        assert_eq!(r.keys(&["data", "customer"]), ["invoices", "name", "id"]);
        assert_eq!(
            r.keys(&["data", "node"]),
            ["invoices", "customerNumber", "id"]
        );
    }
    // A mutation's payload too.
    let m = "mutation($c: ID!) {
        updateCustomer(id: $c, input: { phone: \"090-654321\" }) {
            invoices(first: 1) { totalCount }
            phone
        }
    }";
    let r = ordered(&app, &app.company, m, json!({ "c": customer })).await;
    assert_eq!(r.keys(&["data", "updateCustomer"]), ["invoices", "phone"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_over_websocket_answers_in_the_asked_order() {
    use crate::ws::{Protocol, WsClient};
    use tokio_tungstenite::tungstenite::Message;
    let Some(app) = app().await else { return };
    let q = "{ invoices(first: 1) { totalCount } noxFinansPriceList { item } __typename }";
    for protocol in [Protocol::TransportWs, Protocol::LegacyWs] {
        let mut ws = WsClient::connect(&app.base, protocol, &app.company).await;
        ws.subscribe("1", q, json!({})).await;
        let answer = loop {
            let Some(Message::Text(t)) = ws.recv_raw(std::time::Duration::from_secs(5)).await
            else {
                panic!("no answer");
            };
            if t.contains("\"data\"") && !t.contains("\"ka\"") {
                break serde_json::from_str::<Ordered>(&t).unwrap();
            }
        };
        assert_eq!(
            answer.keys(&["payload", "data"]),
            ["invoices", "noxFinansPriceList", "__typename"]
        );
    }
}
