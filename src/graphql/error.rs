//! The one mapping from [`AppError`] to a GraphQL error with a stable
//! `extensions.code`, and the codes of the errors async-graphql itself raises
//! (parse, validation, limits, input coercion), given once per response at the
//! request's edge rather than by an extension that would wrap every field.
//!
//! Codes: `UNAUTHENTICATED`, `FORBIDDEN`, `NOT_FOUND`, `VALIDATION`, `CONFLICT`,
//! `NOT_ELIGIBLE` (with `extensions.reasons`), `QUOTE_CHANGED`, `INVOICE_SOLD`,
//! `INTERNAL`, `GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`,
//! `QUERY_TOO_DEEP`, `QUERY_TOO_COMPLEX`, `BAD_USER_INPUT`, and at the HTTP edge
//! `BAD_REQUEST`, `PAYLOAD_TOO_LARGE`, `UNSUPPORTED_MEDIA_TYPE`,
//! `METHOD_NOT_ALLOWED`, `BATCH_TOO_LARGE`, `TIMEOUT`.

use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensionValues, Response, ServerError};
use sea_orm::DbErr;

use crate::error::AppError;

/// A GraphQL error built from an [`AppError`]. Deliberately not `Display`, so it
/// can convert into `async_graphql::Error` without the blanket conversion that
/// would drop the code.
#[derive(Clone)]
pub struct GqlError(pub async_graphql::Error);

/// Result of a resolver.
pub type GqlResult<T> = Result<T, GqlError>;

fn with_code(message: impl Into<String>, code: &str) -> async_graphql::Error {
    let mut e = async_graphql::Error::new(message);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code);
    e.extensions = Some(ext);
    e
}

impl From<AppError> for GqlError {
    fn from(e: AppError) -> Self {
        let err = match e {
            AppError::Unauthenticated(m) => with_code(m, "UNAUTHENTICATED"),
            AppError::Forbidden(m) => with_code(m, "FORBIDDEN"),
            AppError::NotFound { what, field } => {
                let mut err = with_code(format!("{what} not found"), "NOT_FOUND");
                if let (Some(ext), Some(f)) = (err.extensions.as_mut(), field) {
                    ext.set("field", f);
                }
                err
            }
            AppError::Validation(f) => {
                let mut err = with_code(format!("{}: {}", f.field, f.message), "VALIDATION");
                if let Some(ext) = err.extensions.as_mut() {
                    ext.set("field", f.field);
                }
                err
            }
            AppError::Conflict(m) => with_code(m, "CONFLICT"),
            AppError::InvoiceSold(m) => with_code(m, "INVOICE_SOLD"),
            AppError::QuoteChanged(m) => with_code(m, "QUOTE_CHANGED"),
            AppError::NotEligible { message, reasons } => {
                let mut err = with_code(message, "NOT_ELIGIBLE");
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
            AppError::Internal(detail) => {
                let request_id = uuid::Uuid::new_v4();
                tracing::error!(%request_id, %detail, "internal error");
                let mut err = with_code(
                    format!("internal error; quote request id {request_id} when reporting it"),
                    "INTERNAL",
                );
                if let Some(ext) = err.extensions.as_mut() {
                    ext.set("requestId", request_id.to_string());
                }
                err
            }
        };
        GqlError(err)
    }
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
pub fn server_error(message: impl Into<String>, code: &str) -> ServerError {
    let mut e = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", code);
    e.extensions = Some(ext);
    e
}

fn tag(mut e: ServerError, code: &str) -> ServerError {
    let ext = e
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    e
}

/// Parses a request's document once, before execution (the schema reuses the
/// parsed document); a document that does not parse is `GRAPHQL_PARSE_FAILED`.
pub fn parse(request: &mut async_graphql::Request) -> Result<(), ServerError> {
    request
        .parsed_query()
        .map(|_| ())
        .map_err(|e| tag(e, "GRAPHQL_PARSE_FAILED"))
}

/// With introspection switched off (`INTROSPECTION=false`), refuses a
/// request that selects `__schema` or `__type` anywhere (fragments
/// included) with `INTROSPECTION_DISABLED`, rather than answering null.
pub fn refuse_introspection(request: &mut async_graphql::Request) -> Result<(), ServerError> {
    use async_graphql::parser::types::{Selection, SelectionSet};
    fn introspects(set: &SelectionSet) -> bool {
        set.items.iter().any(|item| match &item.node {
            Selection::Field(f) => {
                matches!(f.node.name.node.as_str(), "__schema" | "__type")
                    || introspects(&f.node.selection_set.node)
            }
            Selection::InlineFragment(i) => introspects(&i.node.selection_set.node),
            Selection::FragmentSpread(_) => false,
        })
    }
    let Ok(doc) = request.parsed_query() else {
        return Ok(());
    };
    let found = doc
        .operations
        .iter()
        .any(|(_, op)| introspects(&op.node.selection_set.node))
        || doc
            .fragments
            .values()
            .any(|f| introspects(&f.node.selection_set.node));
    if found {
        Err(server_error(
            "introspection is switched off on this server",
            "INTROSPECTION_DISABLED",
        ))
    } else {
        Ok(())
    }
}

/// Whether a parsed request runs a query (not a mutation or subscription):
/// only then may loaders cache what they read for the rest of the request.
pub fn is_query(request: &mut async_graphql::Request) -> bool {
    operation_type(request) == Some(OperationType::Query)
}

/// Whether a parsed request runs a subscription.
pub fn is_subscription(request: &mut async_graphql::Request) -> bool {
    operation_type(request) == Some(OperationType::Subscription)
}

/// The type of the operation a parsed request selects; `None` when it selects
/// none or several (execution will refuse it).
fn operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let wanted = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return None;
    };
    let mut ops = doc
        .operations
        .iter()
        .filter(|(name, _)| match (&wanted, name) {
            (Some(w), Some(n)) => w == n.as_str(),
            _ => true,
        });
    match (ops.next(), ops.next()) {
        (Some((_, op)), None) => Some(op.node.ty),
        _ => None,
    }
}

/// Gives each error async-graphql raised on its own a code, once per response
/// (a resolver's errors carry theirs already). Before execution (no path):
/// the complexity and depth limits, a missing or unknown operation name
/// (`BAD_USER_INPUT`), or any other validation rule. During execution: a
/// value that failed to coerce, the client's input (`BAD_USER_INPUT`).
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
            "BAD_USER_INPUT"
        } else if e.message.contains("too complex") {
            "QUERY_TOO_COMPLEX"
        } else if e.message.contains("nested too deep") {
            "QUERY_TOO_DEEP"
        } else if e.message.starts_with("Unknown operation named")
            || e.message.starts_with("Operation name required")
        {
            "BAD_USER_INPUT"
        } else {
            "GRAPHQL_VALIDATION_FAILED"
        };
        let ext = e
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        ext.set("code", code);
    }
}
