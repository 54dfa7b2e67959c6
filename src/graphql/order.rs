//! The order of a query's response fields.
//!
//! GraphQL answers fields in the order the operation asks for them
//! (CollectFields: document order, fragments expanded where they are spread,
//! fields under a false `@include` or a true `@skip` left out, a repeated
//! response key kept at its first place and its selections merged). Every
//! object type resolves its fields serially (`#[Object(serial)]`), which keeps
//! that order below the top level. The top level of a query cannot: there
//! async-graphql runs the fields concurrently and writes each where it
//! finishes, and a key the query repeats gets its answers merged in that
//! order too. So the server notes the asked order before executing
//! ([`RootOrder::of`]) and puts the finished response in it
//! ([`RootOrder::apply`]). Mutations run their root fields one after another
//! and a subscription has one root field: neither needs this.
//!
//! One approximation: below a repeated top-level key, type conditions are not
//! checked (the runtime type is not known here), so a key asked first in a
//! fragment for another type places it as if it applied.

use std::collections::HashSet;

use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Request, Response, Value, Variables};

/// The asked order of a query's top-level response keys, with the orders
/// below keys the query repeats.
#[derive(Debug, PartialEq)]
pub struct RootOrder(Order);

#[derive(Debug, PartialEq)]
struct Order {
    /// Response keys in the asked order, each with the order below it when
    /// its answer was merged from several fields.
    keys: Vec<(Name, Option<Order>)>,
}

impl RootOrder {
    /// The order of the query `request` runs; `None` for a mutation or
    /// subscription, a document that names no runnable operation (execution
    /// refuses it) or a selection of one key asked once.
    pub fn of(request: &mut Request) -> Option<RootOrder> {
        // Borrowed apart from the document, which `parsed_query` borrows
        // mutably, and given back.
        let variables = std::mem::take(&mut request.variables);
        let wanted = request.operation_name.take();
        let order = request.parsed_query().ok().and_then(|doc| {
            let selection = query_selection(doc, wanted.as_deref())?;
            let order = order_of(doc, &variables, &[selection]);
            let trivial = matches!(order.keys.as_slice(), [(_, None)]);
            (!trivial).then_some(RootOrder(order))
        });
        request.variables = variables;
        request.operation_name = wanted;
        order
    }

    /// Puts the fields of `response` in the asked order; a key the order does
    /// not name (none should) goes last.
    pub fn apply(&self, response: &mut Response) {
        self.0.apply(&mut response.data);
    }
}

impl Order {
    fn apply(&self, value: &mut Value) {
        match value {
            Value::Object(fields) => {
                let rank = |k: &Name| {
                    self.keys
                        .iter()
                        .position(|(o, _)| o == k)
                        .unwrap_or(usize::MAX)
                };
                if !fields.keys().map(rank).is_sorted() {
                    fields.sort_by_cached_key(|k, _| rank(k));
                }
                for (key, below) in &self.keys {
                    if let (Some(below), Some(v)) = (below, fields.get_mut(key)) {
                        below.apply(v);
                    }
                }
            }
            Value::List(items) => items.iter_mut().for_each(|v| self.apply(v)),
            _ => {}
        }
    }
}

/// The root selection of the query operation `wanted` (or the only one).
fn query_selection<'d>(
    doc: &'d ExecutableDocument,
    wanted: Option<&str>,
) -> Option<&'d SelectionSet> {
    let op = match (&doc.operations, wanted) {
        (DocumentOperations::Single(op), _) => op,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name)?,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next()?,
        (DocumentOperations::Multiple(_), None) => return None,
    };
    (op.node.ty == OperationType::Query).then_some(&op.node.selection_set.node)
}

/// The order of the keys the selection sets `sets` ask for together, with
/// the order below every key asked more than once.
fn order_of(doc: &ExecutableDocument, variables: &Variables, sets: &[&SelectionSet]) -> Order {
    let mut fields = Fields {
        doc,
        variables,
        spread: HashSet::new(),
        keys: Vec::new(),
    };
    for set in sets {
        fields.collect(set);
    }
    let keys = fields
        .keys
        .into_iter()
        .map(|(key, below)| {
            let merged = below.len() > 1 && below.iter().any(|s| !s.items.is_empty());
            let order = merged.then(|| order_of(doc, variables, &below));
            (key, order)
        })
        .collect();
    Order { keys }
}

struct Fields<'d> {
    doc: &'d ExecutableDocument,
    variables: &'d Variables,
    /// Fragments being expanded, so that a cycle (which validation refuses
    /// later) cannot recurse here first.
    spread: HashSet<&'d Name>,
    /// Each response key once, in the asked order, with the selection sets
    /// of every field answering it.
    keys: Vec<(Name, Vec<&'d SelectionSet>)>,
}

impl<'d> Fields<'d> {
    fn collect(&mut self, set: &'d SelectionSet) {
        for selection in &set.items {
            if skipped(selection.node.directives(), self.variables) {
                continue;
            }
            match &selection.node {
                Selection::Field(field) => {
                    let key = &field.node.response_key().node;
                    let below = &field.node.selection_set.node;
                    match self.keys.iter_mut().find(|(k, _)| k == key) {
                        Some((_, sets)) => sets.push(below),
                        None => self.keys.push((key.clone(), vec![below])),
                    }
                }
                Selection::InlineFragment(inline) => self.collect(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if let Some(fragment) = self.doc.fragments.get(name)
                        && self.spread.insert(name)
                    {
                        self.collect(&fragment.node.selection_set.node);
                        self.spread.remove(name);
                    }
                }
            }
        }
    }
}

/// Whether `@skip`/`@include` leave a selection out, read as async-graphql's
/// executor reads them, so that the order names exactly the keys it answers.
fn skipped(directives: &[Positioned<Directive>], variables: &Variables) -> bool {
    directives.iter().any(|d| {
        let include = match d.node.name.node.as_str() {
            "skip" => false,
            "include" => true,
            _ => return false,
        };
        let Some(condition) = d.node.get_argument("if") else {
            return false;
        };
        let value = condition
            .node
            .clone()
            .into_const_with(|name| variables.get(&name).cloned().ok_or(()))
            .unwrap_or_default();
        let value = matches!(value, Value::Boolean(true));
        include != value
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(query: &str, variables: serde_json::Value) -> Option<Vec<String>> {
        let mut r = Request::new(query).variables(Variables::from_json(variables));
        RootOrder::of(&mut r).map(|o| o.0.keys.iter().map(|(n, _)| n.to_string()).collect())
    }

    #[test]
    fn fragments_expand_in_place_and_a_repeated_key_keeps_its_first_place() {
        let q = "{ b ...F a: c ... on Query { d b } } fragment F on Query { e a: x }";
        assert_eq!(
            order(q, serde_json::json!({})).unwrap(),
            ["b", "e", "a", "d"]
        );
    }

    #[test]
    fn skipped_fields_take_no_place() {
        let q = "query($s: Boolean!) { a @skip(if: $s) b a c @include(if: false) ...F @include(if: $s) }
                 fragment F on Query { f }";
        assert_eq!(
            order(q, serde_json::json!({ "s": true })).unwrap(),
            ["b", "a", "f"]
        );
        assert_eq!(
            order(q, serde_json::json!({ "s": false })).unwrap(),
            ["a", "b"]
        );
    }

    #[test]
    fn only_queries_of_two_keys_or_more_are_ordered() {
        assert_eq!(order("{ a }", serde_json::json!({})), None);
        assert_eq!(order("mutation { a b }", serde_json::json!({})), None);
        assert_eq!(order("subscription { a }", serde_json::json!({})), None);
        assert_eq!(
            order("query A { a b } query B { c d }", serde_json::json!({})),
            None
        );
        let mut r = Request::new("query A { a b } query B { c d }").operation_name("B");
        assert_eq!(
            RootOrder::of(&mut r),
            Some(RootOrder(Order {
                keys: vec![(Name::new("c"), None), (Name::new("d"), None)]
            }))
        );
        // One key asked twice is merged from two answers: it has an order.
        assert_eq!(
            order("{ a { x } a { y } }", serde_json::json!({})).unwrap(),
            ["a"]
        );
        assert_eq!(order("{ a ", serde_json::json!({})), None);
    }

    #[test]
    fn a_fragment_cycle_ends() {
        let q = "{ ...F } fragment F on Query { a ...G } fragment G on Query { b ...F }";
        assert_eq!(order(q, serde_json::json!({})).unwrap(), ["a", "b"]);
    }

    /// The keys of the answer once ordered, depth first; `answer` is JSON
    /// text, read into a value that keeps its keys in the order written.
    fn applied(query: &str, answer: &str) -> String {
        let mut r = Request::new(query);
        let order = RootOrder::of(&mut r).unwrap();
        let mut resp = Response::new(serde_json::from_str::<Value>(answer).unwrap());
        order.apply(&mut resp);
        let json = serde_json::to_string(&resp.data).unwrap();
        json.split('"')
            .skip(1)
            .step_by(2)
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn apply_sorts_by_the_asked_order() {
        let answer = r#"{ "c": 1, "a": 2, "b": 3, "z": 0 }"#;
        assert_eq!(applied("{ b a c }", answer), "b a c z");
    }

    #[test]
    fn apply_sorts_the_merged_answers_of_a_repeated_key_throughout() {
        let q = "{ a { x z l { p } } b a { y x l { q p } } }";
        let answer = r#"{ "b": 1, "a": [{ "y": 1, "l": { "q": 1, "p": 1 }, "x": 1, "z": 1 }] }"#;
        assert_eq!(applied(q, answer), "a x z l p q y b");
    }
}
