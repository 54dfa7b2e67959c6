//! Reading clients' messages: the token of `connection_init`, ids, payloads
//! and GraphQL requests.

use super::*;

/// Checks the token of a `connection_init` payload; on success the
/// connection's request data.
pub(super) async fn authenticate(
    app: &AppState,
    payload: Option<&Value>,
) -> Result<(Data, Actor), String> {
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
pub(super) fn optional_object(msg: &Value) -> Result<Option<&Value>, ()> {
    match msg.get("payload") {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v)),
        Some(_) => Err(()),
    }
}

pub(super) fn message_id(msg: &Value) -> Option<String> {
    msg.get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= 256)
        .map(str::to_string)
}

pub(super) fn graphql_request(msg: &Value) -> Option<async_graphql::Request> {
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
