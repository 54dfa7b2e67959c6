//! The one mapping from [`AppError`] to a GraphQL error with a stable
//! `extensions.code`, and an extension that gives codes to the errors
//! async-graphql itself raises (parse, validation, limits, input coercion).
//!
//! Codes: `UNAUTHENTICATED`, `FORBIDDEN`, `NOT_FOUND`, `VALIDATION`, `CONFLICT`,
//! `NOT_ELIGIBLE` (with `extensions.reasons`), `QUOTE_CHANGED`, `INVOICE_SOLD`,
//! `INTERNAL`, `GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`,
//! `QUERY_TOO_DEEP`, `QUERY_TOO_COMPLEX`, `BAD_USER_INPUT`, and at the HTTP edge
//! `BAD_REQUEST`, `PAYLOAD_TOO_LARGE`, `UNSUPPORTED_MEDIA_TYPE`,
//! `METHOD_NOT_ALLOWED`, `BATCH_TOO_LARGE`, `TIMEOUT`.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    ErrorExtensionValues, Response, ServerError, ServerResult, ValidationResult, Variables,
};
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

/// Gives every error async-graphql raises on its own a code.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

struct ErrorCodesExtension;

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut resp = next.run(ctx).await;
        // What is left without a code failed while coercing arguments or
        // variables: the client sent a wrong value.
        resp.errors = resp
            .errors
            .into_iter()
            .map(|e| tag(e, "BAD_USER_INPUT"))
            .collect();
        resp
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|e| tag(e, "GRAPHQL_PARSE_FAILED"))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = if e.message.contains("too complex") {
                        "QUERY_TOO_COMPLEX"
                    } else if e.message.contains("nested too deep") {
                        "QUERY_TOO_DEEP"
                    } else {
                        "GRAPHQL_VALIDATION_FAILED"
                    };
                    tag(e, code)
                })
                .collect()
        })
    }
}
