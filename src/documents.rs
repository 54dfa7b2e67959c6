//! Parsed documents by their text. Clients send the same few operations over
//! and over; parsing one (a PEG parser over the whole text) cost about 5 % of
//! the server's CPU on an invoice list and more on small queries. Each
//! instance remembers the documents of queries up to [`MAX_QUERY_BYTES`]
//! long, at most [`CAPACITY`] of them, oldest out first. Only documents that
//! parsed are kept; validation still runs on every request (it depends on the
//! variables). Here too: what a parsed request runs, its operation's type
//! and name.

use std::sync::Arc;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Positioned, ServerError};

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
    /// Admits a request to execution, or gives the one error that refuses
    /// it: a NUL character ([`refuse_nul`]), a document that does not parse
    /// (`GRAPHQL_PARSE_FAILED`), no single operation to run
    /// ([`select_operation`]) and, with `introspection` off, a look at the
    /// schema ([`refuse_introspection`]). Validation comes after, in
    /// execution.
    pub fn admit(
        &self,
        request: &mut async_graphql::Request,
        introspection: bool,
    ) -> Result<(), ServerError> {
        refuse_nul(request)?;
        self.parse(request)?;
        select_operation(request)?;
        if introspection {
            Ok(())
        } else {
            refuse_introspection(request)
        }
    }

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

/// Refuses a parsed request that selects no operation of its document with
/// `BAD_USER_INPUT`: a name the document does not hold, or no name for a
/// document of several operations.
pub fn select_operation(request: &mut async_graphql::Request) -> Result<(), ServerError> {
    let wanted = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else {
        return Ok(());
    };
    if selected(doc, wanted.as_deref()).is_some() {
        return Ok(());
    }
    let message = match wanted {
        Some(name) => format!("the document holds no operation named \"{name}\""),
        None => "the document holds several operations; name one in `operationName`".into(),
    };
    Err(server_error(message, ErrorCode::BadUserInput))
}

/// With introspection switched off (`INTROSPECTION=false`), refuses a
/// request that selects `__schema` or `__type` anywhere (fragments
/// included) with `INTROSPECTION_DISABLED`, rather than answering null.
pub fn refuse_introspection(request: &mut async_graphql::Request) -> Result<(), ServerError> {
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
            ErrorCode::IntrospectionDisabled,
        ))
    } else {
        Ok(())
    }
}

/// The type of the operation a parsed request selects; `None` when it selects
/// none.
pub fn operation_type(request: &mut async_graphql::Request) -> Option<OperationType> {
    let wanted = request.operation_name.clone();
    let doc = request.parsed_query().ok()?;
    selected(doc, wanted.as_deref()).map(|op| op.node.ty)
}

/// The operation execution runs, as async-graphql picks it: the one named,
/// or a document's only one. A document of one anonymous operation has no
/// names.
fn selected<'d>(
    doc: &'d ExecutableDocument,
    wanted: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    match (&doc.operations, wanted) {
        (DocumentOperations::Single(op), None) => Some(op),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
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
