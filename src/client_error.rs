//! The one mapping from [`AppError`] to a GraphQL error with a stable
//! `extensions.code`, and the codes of the errors async-graphql itself raises
//! (parse, validation, limits, input coercion), given once per response at the
//! request's edge rather than by an extension that would wrap every field.
//!
//! Every code the API emits is an [`ErrorCode`]; README lists exactly these
//! (a test keeps the two equal).

use async_graphql::{ErrorExtensionValues, Response, ServerError};
use sea_orm::DbErr;

use crate::error::AppError;

/// Every `extensions.code` the API emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No token, or a bad, expired or revoked one.
    Unauthenticated,
    /// The token may not do this.
    Forbidden,
    /// No such thing (or another company's: the same answer).
    NotFound,
    /// An input value breaks a rule (`extensions.field` names it).
    Validation,
    /// The state does not allow it (e.g. a sold invoice edited).
    Conflict,
    /// The invoice cannot be sold (`extensions.reasons`).
    NotEligible,
    /// The sale's terms changed since the quote.
    QuoteChanged,
    /// The invoice is sold; payments go to the financier.
    InvoiceSold,
    /// A fault of ours (`extensions.requestId` to quote).
    Internal,
    /// The database could not be reached, or dropped the connection (it
    /// restarted, say), or the SQLite file stayed locked by another writer;
    /// try again, a mutation with the same idempotency key.
    Unavailable,
    /// The document does not parse.
    GraphqlParseFailed,
    /// The document does not validate against the schema.
    GraphqlValidationFailed,
    /// A variable or argument of the wrong type, or an unknown operation name.
    BadUserInput,
    /// Deeper than `MAX_QUERY_DEPTH`.
    QueryTooDeep,
    /// Costlier than `MAX_QUERY_COMPLEXITY`.
    QueryTooComplex,
    /// `__schema`/`__type` with `INTROSPECTION=false`.
    IntrospectionDisabled,
    /// A request over HTTP (status 408) or an operation over a WebSocket ran
    /// past `REQUEST_TIMEOUT_SECS`.
    Timeout,
    /// More than `WS_MAX_SUBSCRIPTIONS` on one socket.
    TooManySubscriptions,
    /// A subscriber fell behind the event stream; resubscribe with `after`.
    SubscriberTooSlow,
    /// Over the rate limit (HTTP 429 with `Retry-After`).
    RateLimited,
    /// Over `MAX_CONNECTIONS` (HTTP 503 with `Retry-After`).
    TooManyConnections,
    /// The HTTP request is not a GraphQL request.
    BadRequest,
    /// The body is over `MAX_BODY_BYTES` (HTTP 413).
    PayloadTooLarge,
    /// Not `Content-Type: application/json` (HTTP 415).
    UnsupportedMediaType,
    /// `Accept` allows no media type we answer in (HTTP 406).
    NotAcceptable,
    /// A mutation or subscription over GET (HTTP 405).
    MethodNotAllowed,
    /// A batch of none or more than `MAX_BATCH_SIZE` operations.
    BatchTooLarge,
    /// A WebSocket upgrade offering neither GraphQL sub-protocol.
    UnsupportedProtocol,
    /// A persisted query's hash this instance does not know; send the query
    /// with it (message `PersistedQueryNotFound`, as clients expect).
    PersistedQueryNotFound,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: &[ErrorCode] = &[
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::Validation,
        Self::Conflict,
        Self::NotEligible,
        Self::QuoteChanged,
        Self::InvoiceSold,
        Self::Internal,
        Self::Unavailable,
        Self::GraphqlParseFailed,
        Self::GraphqlValidationFailed,
        Self::BadUserInput,
        Self::QueryTooDeep,
        Self::QueryTooComplex,
        Self::IntrospectionDisabled,
        Self::Timeout,
        Self::TooManySubscriptions,
        Self::SubscriberTooSlow,
        Self::RateLimited,
        Self::TooManyConnections,
        Self::BadRequest,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::NotAcceptable,
        Self::MethodNotAllowed,
        Self::BatchTooLarge,
        Self::UnsupportedProtocol,
        Self::PersistedQueryNotFound,
    ];

    /// The code as it appears in `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::Validation => "VALIDATION",
            Self::Conflict => "CONFLICT",
            Self::NotEligible => "NOT_ELIGIBLE",
            Self::QuoteChanged => "QUOTE_CHANGED",
            Self::InvoiceSold => "INVOICE_SOLD",
            Self::Internal => "INTERNAL",
            Self::Unavailable => "UNAVAILABLE",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::QueryTooDeep => "QUERY_TOO_DEEP",
            Self::QueryTooComplex => "QUERY_TOO_COMPLEX",
            Self::IntrospectionDisabled => "INTROSPECTION_DISABLED",
            Self::Timeout => "TIMEOUT",
            Self::TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS",
            Self::SubscriberTooSlow => "SUBSCRIBER_TOO_SLOW",
            Self::RateLimited => "RATE_LIMITED",
            Self::TooManyConnections => "TOO_MANY_CONNECTIONS",
            Self::BadRequest => "BAD_REQUEST",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::NotAcceptable => "NOT_ACCEPTABLE",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::BatchTooLarge => "BATCH_TOO_LARGE",
            Self::UnsupportedProtocol => "UNSUPPORTED_PROTOCOL",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A GraphQL error built from an [`AppError`]. Deliberately not `Display`, so it
/// can convert into `async_graphql::Error` without the blanket conversion that
/// would drop the code.
#[derive(Clone)]
pub struct GqlError(pub async_graphql::Error);

/// Result of a resolver.
pub type GqlResult<T> = Result<T, GqlError>;

fn with_code(message: impl Into<String>, code: ErrorCode) -> async_graphql::Error {
    let mut e = async_graphql::Error::new(message);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code.as_str());
    e.extensions = Some(ext);
    e
}

impl From<AppError> for GqlError {
    fn from(e: AppError) -> Self {
        let err = match e {
            AppError::Unauthenticated(m) => with_code(m, ErrorCode::Unauthenticated),
            AppError::Forbidden(m) => with_code(m, ErrorCode::Forbidden),
            AppError::NotFound { what, field } => {
                let mut err = with_code(format!("{what} not found"), ErrorCode::NotFound);
                if let (Some(ext), Some(f)) = (err.extensions.as_mut(), field) {
                    ext.set("field", f);
                }
                err
            }
            AppError::Validation(f) => {
                let mut err =
                    with_code(format!("{}: {}", f.field, f.message), ErrorCode::Validation);
                if let Some(ext) = err.extensions.as_mut() {
                    ext.set("field", f.field);
                }
                err
            }
            AppError::Conflict { message, cause } => {
                if let Some(c) = cause {
                    tracing::debug!(error = ?c, "conflict: {message}");
                }
                with_code(message, ErrorCode::Conflict)
            }
            e @ AppError::Duplicate { .. } => {
                tracing::debug!(error = ?e, "refused by a unique index");
                with_code(e.to_string(), ErrorCode::Conflict)
            }
            AppError::InvoiceSold(m) => with_code(m, ErrorCode::InvoiceSold),
            AppError::QuoteChanged(m) => with_code(m, ErrorCode::QuoteChanged),
            AppError::NotEligible { message, reasons } => {
                let mut err = with_code(message, ErrorCode::NotEligible);
                let list: Vec<async_graphql::Value> = reasons
                    .into_iter()
                    .map(|r| {
                        let mut obj = async_graphql::indexmap::IndexMap::new();
                        obj.insert(
                            async_graphql::Name::new("code"),
                            async_graphql::Value::from(r.code),
                        );
                        obj.insert(
                            async_graphql::Name::new("message"),
                            async_graphql::Value::from(r.message),
                        );
                        async_graphql::Value::Object(obj)
                    })
                    .collect();
                if let Some(ext) = err.extensions.as_mut() {
                    ext.set("reasons", async_graphql::Value::List(list));
                }
                err
            }
            AppError::Database { source } if crate::error::unavailable(&source) => {
                return unavailable(&source);
            }
            e @ (AppError::Internal(_) | AppError::Database { .. }) => return internal(&e),
        };
        GqlError(err)
    }
}

/// `UNAVAILABLE` for the client: the database was out of reach
/// ([`crate::error::unavailable`]), so a retry may succeed; `e` and its
/// cause for the log.
pub fn unavailable(e: &(dyn std::error::Error + 'static)) -> GqlError {
    tracing::warn!(error = %e, cause = ?e.source(), "database unavailable");
    GqlError(with_code(
        "the database is unavailable; try again (a mutation with the same idempotency key)",
        ErrorCode::Unavailable,
    ))
}

/// `INTERNAL` for the client, with a request id to quote; `e` and its cause
/// for the log, under that id.
pub fn internal(e: &(dyn std::error::Error + 'static)) -> GqlError {
    let request_id = uuid::Uuid::new_v4();
    tracing::error!(%request_id, error = %e, cause = ?e.source(), "internal error");
    let mut err = with_code(
        format!("internal error; quote request id {request_id} when reporting it"),
        ErrorCode::Internal,
    );
    if let Some(ext) = err.extensions.as_mut() {
        ext.set("requestId", request_id.to_string());
    }
    GqlError(err)
}

impl From<DbErr> for GqlError {
    fn from(e: DbErr) -> Self {
        AppError::from(e).into()
    }
}

impl From<crate::domain::FieldError> for GqlError {
    fn from(e: crate::domain::FieldError) -> Self {
        AppError::from(e).into()
    }
}

impl From<GqlError> for async_graphql::Error {
    fn from(e: GqlError) -> Self {
        e.0
    }
}

/// A [`ServerError`] with a code, for the HTTP edge.
pub fn server_error(message: impl Into<String>, code: ErrorCode) -> ServerError {
    let mut e = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code.as_str());
    e.extensions = Some(ext);
    e
}

pub fn tag(mut e: ServerError, code: ErrorCode) -> ServerError {
    let ext = e
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if ext.get("code").is_none() {
        ext.set("code", code.as_str());
    }
    e
}

/// What async-graphql says of a document over `limit_complexity` and over
/// `limit_depth`: the only errors it raises that name a limit. An extension
/// could read the measures themselves, but any extension wraps every field's
/// resolution, and one that did only this cost Q1 17 % of its rate
/// (BENCHMARKS.md, twenty-third run). `the_library_says_what_classify_reads`
/// pins both texts, so an upgrade that rewords them fails there.
const TOO_COMPLEX: &str = "Query is too complex.";
const TOO_DEEP: &str = "Query is nested too deep.";

/// Gives each error async-graphql raised on its own a code, once per response
/// (a resolver's errors carry theirs already). Before execution (no path):
/// the complexity and depth limits, or any validation rule
/// (`GRAPHQL_VALIDATION_FAILED`; the choice of operation is refused before,
/// in [`crate::documents::select_operation`]). During execution: a value
/// that failed to coerce, the client's input (`BAD_USER_INPUT`).
pub fn classify(resp: &mut Response) {
    for e in &mut resp.errors {
        let has_code = e
            .extensions
            .as_ref()
            .is_some_and(|x| x.get("code").is_some());
        if has_code {
            continue;
        }
        let code = if !e.path.is_empty() {
            ErrorCode::BadUserInput
        } else if e.message == TOO_COMPLEX {
            ErrorCode::QueryTooComplex
        } else if e.message == TOO_DEEP {
            ErrorCode::QueryTooDeep
        } else {
            ErrorCode::GraphqlValidationFailed
        };
        let ext = e
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        ext.set("code", code.as_str());
    }
}

/// Whether a response is a request error: no data and only errors without a
/// path (parse, validation, variables), so the operation never ran.
pub fn is_request_error(r: &async_graphql::Response) -> bool {
    r.data == async_graphql::Value::Null
        && !r.errors.is_empty()
        && r.errors.iter().all(|e| e.path.is_empty())
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    use super::*;

    struct Node;

    #[Object(serial)]
    impl Node {
        async fn next(&self) -> Node {
            Node
        }
        async fn leaf(&self) -> i32 {
            1
        }
    }

    async fn classified(
        schema: Schema<Node, EmptyMutation, EmptySubscription>,
        q: &str,
    ) -> (String, String) {
        let mut r = schema.execute(q).await;
        classify(&mut r);
        let e = &r.errors[0];
        let code = e
            .extensions
            .as_ref()
            .and_then(|x| x.get("code"))
            .map(ToString::to_string);
        (e.message.clone(), code.unwrap_or_default())
    }

    #[tokio::test]
    async fn the_library_says_what_classify_reads() {
        let build = || Schema::build(Node, EmptyMutation, EmptySubscription);
        let deep = build().limit_depth(2).finish();
        assert_eq!(
            classified(deep, "{ next { next { leaf } } }").await,
            (TOO_DEEP.to_string(), "\"QUERY_TOO_DEEP\"".to_string())
        );
        let costly = build().limit_complexity(2).finish();
        assert_eq!(
            classified(costly, "{ leaf next { leaf } }").await,
            (TOO_COMPLEX.to_string(), "\"QUERY_TOO_COMPLEX\"".to_string())
        );
        let any = build().finish();
        assert_eq!(
            classified(any, "{ nonsense }").await.1,
            "\"GRAPHQL_VALIDATION_FAILED\""
        );
    }
}
