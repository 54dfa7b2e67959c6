//! The API contract: the committed `schema.graphql` is what the server serves,
//! and every type and field is documented.

use std::collections::{BTreeMap, BTreeSet};

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

/// A field's arguments are documented all or none: a reader of
/// `schema.graphql` (and a client generator's comments) gets each argument's
/// meaning where any is explained, and the file prints one argument a line.
#[test]
fn a_field_documents_all_its_arguments_or_none() {
    let doc = parse_schema(committed()).unwrap();
    let mut partly = Vec::new();
    for def in doc.definitions {
        let TypeSystemDefinition::Type(t) = def else {
            continue;
        };
        let TypeKind::Object(o) = &t.node.kind else {
            continue;
        };
        for f in &o.fields {
            let args = &f.node.arguments;
            let documented = args.iter().filter(|a| a.node.description.is_some()).count();
            if documented > 0 && documented < args.len() {
                partly.push(format!("{}.{}", t.node.name.node, f.node.name.node));
            }
        }
    }
    assert!(partly.is_empty(), "partly documented arguments: {partly:?}");
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

/// The first two cells of each row of the first table after `heading` in
/// README, without their backticks.
fn readme_table(heading: &str) -> Vec<(String, String)> {
    let readme = include_str!("../../README.md");
    let after = readme
        .split(heading)
        .nth(1)
        .unwrap_or_else(|| panic!("README has no {heading:?}"));
    let rows: Vec<(String, String)> = after
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let mut cells = l.split(" | ");
            let first = cells.next()?.strip_prefix("| `")?.strip_suffix('`')?;
            let second = cells.next()?.trim_end_matches(" |").trim_matches('`');
            Some((first.to_string(), second.to_string()))
        })
        .collect();
    assert!(rows.len() > 10, "README's table after {heading:?} is short");
    rows
}

/// README's table of error codes lists exactly the codes the server emits.
#[test]
fn readme_lists_exactly_the_error_codes() {
    use invoice_finance::client_error::ErrorCode;
    let listed: BTreeSet<String> = readme_table("## Error codes")
        .into_iter()
        .map(|(code, _)| code)
        .collect();
    let known: BTreeSet<String> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert_eq!(listed, known);
}

/// README's table of settings names every setting the binary reads from the
/// environment, with the default its definition gives (`unset` or `empty`
/// where it has none), and nothing else.
#[test]
fn readme_lists_every_setting_with_its_default() {
    use clap::Args;
    let documented: BTreeMap<String, String> =
        readme_table("Settings (flag or environment variable):")
            .into_iter()
            // OpenTelemetry's own variable, read where telemetry starts (no flag).
            .filter(|(name, _)| name != "OTEL_EXPORTER_OTLP_ENDPOINT")
            .map(|(name, default)| match default.as_str() {
                "empty" => (name, "unset".into()),
                _ => (name, default),
            })
            .collect();
    let defined: BTreeMap<String, String> =
        invoice_finance::config::Settings::augment_args(clap::Command::new("x"))
            .get_arguments()
            .filter_map(|a| {
                let env = a.get_env()?.to_string_lossy().into_owned();
                let values: Vec<String> = a
                    .get_default_values()
                    .iter()
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect();
                let default = match values.join(",") {
                    d if d.is_empty() => "unset".to_string(),
                    d => d,
                };
                Some((env, default))
            })
            .collect();
    assert_eq!(documented, defined);
}
