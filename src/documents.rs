//! Parsed documents by their text. Clients send the same few operations over
//! and over; parsing one (a PEG parser over the whole text) cost about 5 % of
//! the server's CPU on an invoice list and more on small queries. Each
//! instance remembers the documents of queries up to [`MAX_QUERY_BYTES`]
//! long, at most [`CAPACITY`] of them, oldest out first. Only documents that
//! parsed are kept; validation still runs on every request (it depends on the
//! variables). Here too: what a parsed request runs, its operation's type
//! and name.

use std::sync::Arc;

use async_graphql::ServerError;
use async_graphql::parser::types::{ExecutableDocument, OperationType};

use crate::bounded::BoundedMap;
use crate::client_error::{ErrorCode, server_error, tag};

/// How many documents an instance remembers.
pub const CAPACITY: usize = 1024;

/// Longer queries are parsed every time (bounds the memory to about
/// `CAPACITY × MAX_QUERY_BYTES` of text plus their trees).
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

/// The documents an instance has parsed.
pub struct Documents {
    by_text: BoundedMap<Arc<ExecutableDocument>>,
}

impl Default for Documents {
    fn default() -> Self {
        Self {
            by_text: BoundedMap::new(CAPACITY),
        }
    }
}

impl Documents {
    /// Gives the request its parsed document, from memory when its text was
    /// parsed before; a document that does not parse is
    /// `GRAPHQL_PARSE_FAILED`.
    pub fn parse(&self, request: &mut async_graphql::Request) -> Result<(), ServerError> {
        let cacheable = request.query.len() <= MAX_QUERY_BYTES;
        if cacheable && let Some(doc) = self.by_text.get(&request.query) {
            request.set_parsed_query(ExecutableDocument::clone(&doc));
            return Ok(());
        }
        let doc = request
            .parsed_query()
            .map_err(|e| tag(e, ErrorCode::GraphqlParseFailed))?;
        if cacheable {
            let doc = Arc::new(doc.clone());
            self.by_text.put(&request.query, doc);
        }
        Ok(())
    }

    /// How many documents it holds.
    pub fn len(&self) -> usize {
        self.by_text.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.by_text.is_empty()
    }
}

/// Refuses a request whose text or variables hold a NUL character (U+0000)
/// with `VALIDATION`. No stored text can hold one (PostgreSQL refuses it in
/// text even as a bound value), so it would otherwise fail deep in a read or
/// a write as an internal error. The text is searched for a NUL and for the
/// escape `\u0000` a string literal turns into one (after an odd number of
/// backslashes; one inside a comment is refused too).
pub fn refuse_nul(request: &async_graphql::Request) -> Result<(), ServerError> {
    use async_graphql::Value;
    fn holds(v: &Value) -> bool {
        match v {
            Value::String(s) => s.contains('\0'),
            Value::List(items) => items.iter().any(holds),
            Value::Object(fields) => fields.iter().any(|(k, v)| k.contains('\0') || holds(v)),
            _ => false,
        }
    }
    let text = &request.query;
    let escaped = text.match_indices("u0000").any(|(at, _)| {
        let slashes = text[..at].bytes().rev().take_while(|b| *b == b'\\').count();
        slashes % 2 == 1
    });
    let in_variables = request
        .variables
        .iter()
        .any(|(name, v)| name.contains('\0') || holds(v));
    if text.contains('\0') || escaped || in_variables {
        return Err(server_error(
            "text must not hold the NUL character (U+0000)",
            ErrorCode::Validation,
        ));
    }
    Ok(())
}

/// Whether a parsed request runs a query (not a mutation or subscription):
/// only then may loaders cache what they read for the rest of the request.
pub fn is_query(request: &mut async_graphql::Request) -> bool {
    operation_type(request) == Some(OperationType::Query)
}

/// The name of the operation a parsed request runs: the one asked for, or
/// the document's only operation's own name.
pub fn operation_name(request: &mut async_graphql::Request) -> Option<String> {
    if let Some(n) = &request.operation_name {
        return Some(n.clone());
    }
    let doc = request.parsed_query().ok()?;
    let mut ops = doc.operations.iter();
    match (ops.next(), ops.next()) {
        (Some((name, _)), None) => name.map(|n| n.to_string()),
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_parsed_once_and_failures_are_not_kept() {
        let docs = Documents::default();
        let q = "query A { viewer { name } }";
        let mut first = async_graphql::Request::new(q);
        docs.parse(&mut first).unwrap();
        assert_eq!(docs.len(), 1);
        let mut again = async_graphql::Request::new(q);
        docs.parse(&mut again).unwrap();
        assert_eq!(docs.len(), 1);
        let fresh = async_graphql::parser::parse_query(q).unwrap();
        assert_eq!(
            format!("{:?}", again.parsed_query().unwrap()),
            format!("{fresh:?}")
        );
        let e = docs
            .parse(&mut async_graphql::Request::new("query {"))
            .unwrap_err();
        assert_eq!(
            e.extensions
                .as_ref()
                .and_then(|x| x.get("code"))
                .map(ToString::to_string)
                .as_deref(),
            Some("\"GRAPHQL_PARSE_FAILED\"")
        );
        assert_eq!(docs.len(), 1);
        let long = format!("{{ viewer {{ name }} }}{}", " ".repeat(MAX_QUERY_BYTES));
        docs.parse(&mut async_graphql::Request::new(long)).unwrap();
        assert_eq!(docs.len(), 1);
    }
}
