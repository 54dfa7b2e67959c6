//! Reading clients' messages: the token of `connection_init`, ids, payloads
//! and GraphQL requests.

use super::*;

/// Why a `connection_init` was not acknowledged: what to tell the client
/// and the code to close with.
pub(super) struct InitRefused {
    /// [`close::FORBIDDEN`] for a token that is not good;
    /// [`close::TRY_AGAIN_LATER`] when the database was out of reach;
    /// [`close::INTERNAL_ERROR`] when checking failed otherwise.
    pub code: u16,
    /// Why, for the client.
    pub message: String,
}

impl InitRefused {
    fn forbidden(why: impl Into<String>) -> Self {
        Self {
            code: close::FORBIDDEN,
            message: why.into(),
        }
    }

    /// The close frame's reason.
    pub fn reason(&self) -> String {
        match self.code {
            close::FORBIDDEN => format!("Forbidden: {}", self.message),
            close::TRY_AGAIN_LATER => format!("Try again later: {}", self.message),
            _ => self.message.clone(),
        }
    }
}

/// Checks the token of a `connection_init` payload; on success the
/// connection's request data. A token that could not be checked is not
/// refused as forbidden: it may well be good.
pub(super) async fn authenticate(
    app: &AppState,
    payload: Option<&Value>,
) -> Result<(Data, Actor), InitRefused> {
    let token = payload
        .and_then(token_from_payload)
        .ok_or_else(|| InitRefused::forbidden("connection_init needs an Authorization token"))?;
    let actor = match app
        .tokens
        .authenticate(&app.db, &token, app.clock.now())
        .await
    {
        Ok(actor) => actor,
        Err(crate::error::AppError::Unauthenticated(why)) => {
            return Err(InitRefused::forbidden(why));
        }
        Err(e) if e.is_unavailable() => {
            tracing::warn!(error = %e, "checking a token at connection_init: database unavailable");
            return Err(InitRefused {
                code: close::TRY_AGAIN_LATER,
                message: "the database is unavailable".into(),
            });
        }
        Err(e) => {
            // Logged with a request id the message quotes.
            let crate::client_error::GqlError(err) = e.into();
            return Err(InitRefused {
                code: close::INTERNAL_ERROR,
                message: err.message,
            });
        }
    };
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
