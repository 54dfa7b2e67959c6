//! Protocol negotiation and message reading.

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
