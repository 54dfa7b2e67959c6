//! The API contract: the committed `schema.graphql` is what the server serves,
//! and every type and field is documented.

use std::collections::BTreeSet;

use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use serde_json::json;

use crate::helpers::{Backend, TestApp};

fn committed() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap()
}

#[test]
fn committed_schema_matches_the_code() {
    let code = invoice_finance::graphql::sdl();
    assert!(
        committed() == code,
        "schema.graphql drifted from the code; run `cargo run -- export-schema > schema.graphql`"
    );
}

#[test]
fn export_schema_command_prints_the_committed_schema() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_invoice-finance"))
        .arg("export-schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), committed());
}

const INTROSPECT: &str = "{ __schema { types { name kind description fields { name description } inputFields { name description } enumValues { name description } } } }";

fn committed_members() -> BTreeSet<String> {
    let doc = parse_schema(committed()).unwrap();
    let mut out = BTreeSet::new();
    for def in doc.definitions {
        if let TypeSystemDefinition::Type(t) = def {
            let name = t.node.name.node.to_string();
            out.insert(name.clone());
            match &t.node.kind {
                TypeKind::Object(o) => o.fields.iter().for_each(|f| {
                    out.insert(format!("{name}.{}", f.node.name.node));
                }),
                TypeKind::Interface(o) => o.fields.iter().for_each(|f| {
                    out.insert(format!("{name}.{}", f.node.name.node));
                }),
                TypeKind::InputObject(o) => o.fields.iter().for_each(|f| {
                    out.insert(format!("{name}.{}", f.node.name.node));
                }),
                TypeKind::Enum(e) => e.values.iter().for_each(|v| {
                    out.insert(format!("{name}.{}", v.node.value.node));
                }),
                _ => {}
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_schema_is_the_committed_one_and_fully_documented() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let data = app.ok(&app.company, INTROSPECT, json!({})).await;
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    let mut served = BTreeSet::new();
    let mut undocumented = Vec::new();
    for t in data["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        if name.starts_with("__") || builtin.contains(&name) {
            continue;
        }
        served.insert(name.to_string());
        if t["description"].as_str().is_none_or(str::is_empty) {
            undocumented.push(name.to_string());
        }
        for key in ["fields", "inputFields", "enumValues"] {
            for f in t[key].as_array().into_iter().flatten() {
                let member = format!("{name}.{}", f["name"].as_str().unwrap());
                if f["description"].as_str().is_none_or(str::is_empty) {
                    undocumented.push(member.clone());
                }
                served.insert(member);
            }
        }
    }
    assert_eq!(
        served,
        committed_members(),
        "served schema differs from schema.graphql"
    );
    assert!(undocumented.is_empty(), "undocumented: {undocumented:?}");
}

/// The introspection query GraphiQL and code generators send (graphql-js style),
/// which nests deeper than ordinary queries: it must pass the depth limit.
const FULL_INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations isRepeatable args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_introspection_passes_the_limits() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let resp = app
        .client
        .post(&app.url)
        .json(&json!({ "query": FULL_INTROSPECTION }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = resp.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
}

/// README's table of error codes lists exactly the codes the server emits.
#[test]
fn readme_lists_exactly_the_error_codes() {
    use invoice_finance::client_error::ErrorCode;
    let readme = include_str!("../../README.md");
    let section = readme
        .split("## Error codes")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has an Error codes section");
    let listed: std::collections::BTreeSet<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let known: std::collections::BTreeSet<&str> =
        ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, known);
}
