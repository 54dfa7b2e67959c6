//! Fuzzing the running server: random documents and variables drawn from the
//! served schema (right and wrong argument types, hostile strings, deep
//! selections, fragments), and random bytes over HTTP and WebSocket. Whatever
//! comes in, the server answers with a GraphQL body (never a 5xx), does not
//! hang, and `/healthz` stays good.
//!
//! `FUZZ_CASES=5000 cargo test --test it fuzz::` runs longer (default 64 per
//! property).

use std::collections::HashMap;
use std::time::Duration;

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use futures_util::{SinkExt, StreamExt};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{Backend, TestApp};

pub fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

struct Field {
    name: String,
    args: Vec<(String, Type)>,
    ty: Type,
}

enum Kind {
    Scalar,
    Object(Vec<Field>),
    Union(Vec<String>),
    Enum(Vec<String>),
    Input(Vec<(String, Type)>),
}

/// The schema as the generator needs it.
struct Schema(HashMap<String, Kind>);

impl Schema {
    fn load() -> Self {
        let doc = async_graphql::parser::parse_schema(invoice_finance::graphql::sdl()).unwrap();
        let mut types = HashMap::new();
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else {
                continue;
            };
            let t = t.node;
            let fields = |fs: Vec<
                async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>,
            >| {
                fs.into_iter()
                    .map(|f| Field {
                        name: f.node.name.node.to_string(),
                        args: f
                            .node
                            .arguments
                            .into_iter()
                            .map(|a| (a.node.name.node.to_string(), a.node.ty.node))
                            .collect(),
                        ty: f.node.ty.node,
                    })
                    .collect()
            };
            let kind = match t.kind {
                TypeKind::Scalar => Kind::Scalar,
                TypeKind::Object(o) => Kind::Object(fields(o.fields)),
                TypeKind::Interface(i) => Kind::Object(fields(i.fields)),
                TypeKind::Union(u) => {
                    Kind::Union(u.members.into_iter().map(|m| m.node.to_string()).collect())
                }
                TypeKind::Enum(e) => Kind::Enum(
                    e.values
                        .into_iter()
                        .map(|v| v.node.value.node.to_string())
                        .collect(),
                ),
                TypeKind::InputObject(i) => Kind::Input(
                    i.fields
                        .into_iter()
                        .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                        .collect(),
                ),
            };
            types.insert(t.name.node.to_string(), kind);
        }
        Schema(types)
    }
}

/// A small deterministic generator fed by proptest's seed.
struct Gen {
    state: u64,
    vars: Vec<(String, String, Value)>,
    fragments: Vec<String>,
}

impl Gen {
    fn new(seed: u64) -> Self {
        Gen {
            state: seed | 1,
            vars: Vec::new(),
            fragments: Vec::new(),
        }
    }
    fn next(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn named(ty: &Type) -> &str {
        match &ty.base {
            BaseType::Named(n) => n.as_str(),
            BaseType::List(inner) => Self::named(inner),
        }
    }

    /// A value for `ty`: usually of the right shape, sometimes hostile.
    fn value(&mut self, schema: &Schema, ty: &Type, depth: u32) -> Value {
        if ty.nullable && self.chance(10) {
            return Value::Null;
        }
        if self.chance(5) {
            // The wrong type altogether.
            return self
                .pick(&[
                    json!(true),
                    json!(-1),
                    json!("x"),
                    json!([]),
                    json!({}),
                    json!(1e300),
                ])
                .clone();
        }
        match &ty.base {
            BaseType::List(inner) => {
                let n = self.below(4);
                Value::Array(
                    (0..n)
                        .map(|_| self.value(schema, inner, depth + 1))
                        .collect(),
                )
            }
            BaseType::Named(name) => match name.as_str() {
                "Int" => self
                    .pick(&[
                        json!(0),
                        json!(1),
                        json!(-1),
                        json!(5),
                        json!(100),
                        json!(2_147_483_647),
                        json!(-2_147_483_648),
                        json!(10_000_000),
                    ])
                    .clone(),
                "Float" => json!(1.5),
                "Boolean" => json!(self.chance(50)),
                "Date" => self
                    .pick(&[
                        json!("2026-11-22"),
                        json!("2026-02-30"),
                        json!("22/11/2026"),
                        json!("9999-12-31"),
                        json!("0001-01-01"),
                        json!("+10000-01-01"),
                        json!(""),
                    ])
                    .clone(),
                "DateTime" => self
                    .pick(&[json!("2026-11-22T10:00:00Z"), json!("not a time")])
                    .clone(),
                "Decimal" => self
                    .pick(&[
                        json!("0"),
                        json!("12.50"),
                        json!("-1"),
                        json!("1e400"),
                        json!("99999999999999999999999999"),
                        json!("0.001"),
                        json!(12),
                        json!("abc"),
                    ])
                    .clone(),
                "JSON" => json!({ "a": [1, "b"] }),
                "ID" | "String" => self.string(),
                other => match schema.0.get(other) {
                    Some(Kind::Enum(values)) => {
                        if self.chance(10) {
                            json!("NOT_A_VALUE")
                        } else {
                            json!(self.pick(values))
                        }
                    }
                    Some(Kind::Input(fields)) if depth < 4 => {
                        let mut obj = serde_json::Map::new();
                        for (name, fty) in fields {
                            if !fty.nullable || self.chance(60) {
                                obj.insert(name.clone(), self.value(schema, fty, depth + 1));
                            }
                        }
                        if self.chance(5) {
                            obj.insert("unknownField".into(), json!(1));
                        }
                        Value::Object(obj)
                    }
                    _ => self.string(),
                },
            },
        }
    }

    fn string(&mut self) -> Value {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let options = [
            String::new(),
            "x".into(),
            "a".repeat(5000),
            "'; DROP TABLE invoice; --".into(),
            "🦀 Åsa Öberg".into(),
            "\u{0000}\u{202e}".into(),
            b64("Invoice:1"),
            b64("Customer:1"),
            b64("InvoiceSale:1"),
            b64("Company:2"),
            b64("Invoice:-1"),
            b64("Invoice:99999999999999999999"),
            b64("c:0"),
            "5590123450".into(),
            "19121212-1212".into(),
            "%%%".into(),
        ];
        json!(self.pick(&options))
    }

    /// An argument: inline, or through a declared variable.
    fn argument(&mut self, schema: &Schema, name: &str, ty: &Type) -> String {
        let value = self.value(schema, ty, 0);
        if self.chance(50) {
            let var = format!("v{}", self.vars.len());
            // Sometimes the variable is declared with the wrong type.
            let declared = if self.chance(5) {
                "Int".to_string()
            } else {
                ty.to_string()
            };
            self.vars.push((var.clone(), declared, value));
            format!("{name}: ${var}")
        } else {
            format!("{name}: {}", inline(&value))
        }
    }

    /// A selection set on `type_name`.
    fn selection(&mut self, schema: &Schema, type_name: &str, depth: u32) -> String {
        let Some(kind) = schema.0.get(type_name) else {
            return String::new();
        };
        match kind {
            Kind::Union(members) => {
                let m = self.pick(members).clone();
                format!(
                    "{{ __typename ... on {m} {} }}",
                    self.selection(schema, &m, depth + 1)
                )
            }
            Kind::Object(fields) => {
                let mut parts = vec!["__typename".to_string()];
                let n = 1 + self.below(4);
                for _ in 0..n {
                    let f = self.pick(fields);
                    let leaf = matches!(
                        schema.0.get(Self::named(&f.ty)),
                        None | Some(Kind::Scalar) | Some(Kind::Enum(_))
                    );
                    if !leaf && depth >= 4 {
                        continue;
                    }
                    let mut s = f.name.clone();
                    if self.chance(10) {
                        s = format!("alias{}: {s}", self.below(100));
                    }
                    let mut args = Vec::new();
                    for (n, t) in &f.args {
                        if !t.nullable || self.chance(40) {
                            args.push(self.argument(schema, n, t));
                        }
                    }
                    if !args.is_empty() {
                        s = format!("{s}({})", args.join(", "));
                    }
                    if !leaf {
                        let inner = Self::named(&f.ty).to_string();
                        s = format!("{s} {}", self.selection(schema, &inner, depth + 1));
                    }
                    parts.push(s);
                }
                if self.chance(10) {
                    let name = format!("F{}", self.fragments.len());
                    self.fragments
                        .push(format!("fragment {name} on {type_name} {{ __typename }}"));
                    parts.push(format!("...{name}"));
                }
                format!("{{ {} }}", parts.join(" "))
            }
            _ => String::new(),
        }
    }

    /// A whole request: document and variables.
    fn request(&mut self, schema: &Schema, root: &str) -> Value {
        let body = self.selection(schema, root, 0);
        let keyword = match root {
            "Mutation" => "mutation",
            "Subscription" => "subscription",
            _ => "query",
        };
        let decls: Vec<String> = self
            .vars
            .iter()
            .map(|(n, t, _)| format!("${n}: {t}"))
            .collect();
        let head = if decls.is_empty() {
            keyword.to_string()
        } else {
            format!("{keyword} Fuzz({})", decls.join(", "))
        };
        let mut doc = format!("{head} {body}");
        for f in &self.fragments {
            doc.push(' ');
            doc.push_str(f);
        }
        let variables: serde_json::Map<String, Value> = self
            .vars
            .iter()
            .map(|(n, _, v)| (n.clone(), v.clone()))
            .collect();
        json!({ "query": doc, "variables": variables })
    }
}

/// A JSON value written as a GraphQL literal (enum-looking strings stay
/// strings: the server must cope with either).
fn inline(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                s.clone()
            } else {
                serde_json::to_string(s).unwrap_or_default()
            }
        }
        Value::Array(a) => format!("[{}]", a.iter().map(inline).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{k}: {}", inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Every error carries a code, and nothing is a 5xx.
fn check_answer(status: u16, body: &str, sent: &str) -> Result<(), TestCaseError> {
    prop_assert!(status < 500, "{status} for {sent}: {body}");
    let v: Value = serde_json::from_str(body)
        .map_err(|e| TestCaseError::fail(format!("not JSON ({e}) for {sent}: {body}")))?;
    let answers = match &v {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    for a in answers {
        prop_assert!(
            a.get("data").is_some() || a.get("errors").is_some(),
            "neither data nor errors for {sent}: {body}"
        );
        if let Some(errors) = a["errors"].as_array() {
            for e in errors {
                prop_assert!(
                    e["extensions"]["code"].is_string(),
                    "an error without a code for {sent}: {e}"
                );
                prop_assert!(
                    e["extensions"]["code"] != "INTERNAL",
                    "INTERNAL for {sent}: {e}"
                );
            }
        }
    }
    Ok(())
}

/// Runs a proptest property whose body is async, on a blocking thread.
pub async fn property<S, F, Fut>(strategy: S, body: F)
where
    S: Strategy + Send + 'static,
    S::Value: Send,
    F: Fn(S::Value) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), TestCaseError>>,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&strategy, |v| handle.block_on(body(v)))
            .unwrap_or_else(|e| panic!("{e}"));
    })
    .await
    .unwrap();
}

async fn healthy(app: &TestApp) {
    let resp = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

crate::backend_test!(
    random_documents_from_the_schema_get_graphql_answers,
    random_documents
);

/// Random documents from the schema get GraphQL answers; on PostgreSQL too,
/// which refuses some text SQLite stores (a NUL): a hostile string must not
/// reach it as an internal error.
async fn random_documents(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else {
        return;
    };
    let app = std::sync::Arc::new(app);
    let schema = std::sync::Arc::new(Schema::load());
    let tokens = [app.company.clone(), app.operator.clone(), String::new()];
    let a = app.clone();
    let ran = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let total = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (r, t) = (ran.clone(), total.clone());
    property(
        (any::<u64>(), 0..3usize, 0..10usize),
        move |(seed, who, root)| {
            let (app, schema, token) = (a.clone(), schema.clone(), tokens[who].clone());
            let (ran, total) = (r.clone(), t.clone());
            async move {
                let root = if root < 7 { "Query" } else { "Mutation" };
                let request = Gen::new(seed).request(&schema, root);
                let mut req = app.client.post(&app.url).json(&request);
                if !token.is_empty() {
                    req = req.bearer_auth(&token);
                }
                let resp = tokio::time::timeout(Duration::from_secs(30), req.send())
                    .await
                    .map_err(|_| TestCaseError::fail(format!("no answer in 30 s to {request}")))?
                    .map_err(|e| TestCaseError::fail(format!("{e} for {request}")))?;
                let status = resp.status().as_u16();
                let body = resp.text().await.unwrap_or_default();
                total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if serde_json::from_str::<Value>(&body).is_ok_and(|v| v["data"].is_object()) {
                    ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                check_answer(status, &body, &request.to_string())
            }
        },
    )
    .await;
    // The generator is worth something only if many documents are valid
    // enough to execute, not refused at validation.
    let (ran, total) = (
        ran.load(std::sync::atomic::Ordering::Relaxed),
        total.load(std::sync::atomic::Ordering::Relaxed),
    );
    assert!(ran * 5 >= total, "only {ran} of {total} documents executed");
    eprintln!("fuzz: {ran} of {total} random documents executed");
    healthy(&app).await;
    app.ok(&app.company, "{ viewer { name } }", json!({})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_bytes_over_http_get_clean_refusals() {
    let app = std::sync::Arc::new(TestApp::spawn(Backend::Sqlite).await.unwrap());
    let a = app.clone();
    property(
        (proptest::collection::vec(any::<u8>(), 0..2048), 0..4usize),
        move |(bytes, how)| {
            let app = a.clone();
            async move {
                let req = match how {
                    0 => app
                        .client
                        .post(&app.url)
                        .header("content-type", "application/json")
                        .body(bytes.clone()),
                    1 => app
                        .client
                        .post(&app.url)
                        .header("content-type", "application/json")
                        .bearer_auth(&app.company)
                        .body([b"{\"query\":\"".as_slice(), &bytes, b"\"}".as_slice()].concat()),
                    2 => {
                        let q: String = bytes.iter().map(|b| format!("%{b:02X}")).collect();
                        app.client
                            .get(format!("{}?query={q}", app.url))
                            .header("accept", "application/json")
                    }
                    _ => app
                        .client
                        .post(&app.url)
                        .header("content-type", "application/json")
                        .body(
                            [
                                b"[{\"query\":\"{__typename}\",\"variables\":".as_slice(),
                                &bytes,
                                b"}]".as_slice(),
                            ]
                            .concat(),
                        ),
                };
                let resp = tokio::time::timeout(Duration::from_secs(30), req.send())
                    .await
                    .map_err(|_| TestCaseError::fail("no answer in 30 s"))?
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let status = resp.status().as_u16();
                let body = resp.text().await.unwrap_or_default();
                check_answer(status, &body, &format!("{how}: {bytes:?}"))
            }
        },
    )
    .await;
    healthy(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_frames_over_websocket_never_break_the_server() {
    let app = std::sync::Arc::new(TestApp::spawn(Backend::Sqlite).await.unwrap());
    let schema = std::sync::Arc::new(Schema::load());
    let a = app.clone();
    property(
        (
            any::<u64>(),
            proptest::collection::vec(any::<u8>(), 0..512),
            0..2usize,
            0..4usize,
        ),
        move |(seed, bytes, protocol, how)| {
            let (app, schema) = (a.clone(), schema.clone());
            async move {
                let name = ["graphql-transport-ws", "graphql-ws"][protocol];
                let mut ws = crate::ws::WsClient::open_offering(&app.base, name)
                    .await
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", app.company) } });
                let start = if protocol == 0 { "subscribe" } else { "start" };
                let frames: Vec<Message> = match how {
                    0 => vec![Message::Binary(bytes.clone().into())],
                    1 => vec![Message::Text(String::from_utf8_lossy(&bytes).into_owned().into())],
                    2 => vec![
                        Message::Text(init.to_string().into()),
                        Message::Text(String::from_utf8_lossy(&bytes).into_owned().into()),
                    ],
                    _ => {
                        let root = if seed % 2 == 0 { "Subscription" } else { "Query" };
                        let request = Gen::new(seed).request(&schema, root);
                        vec![
                            Message::Text(init.to_string().into()),
                            Message::Text(
                                json!({ "id": "1", "type": start, "payload": request }).to_string().into(),
                            ),
                        ]
                    }
                };
                for f in frames {
                    if ws.send(f).await.is_err() {
                        break;
                    }
                }
                // Read what comes back for a moment: answers or a close, never a hang
                // of the server (the server must still serve others, checked below).
                tokio::time::timeout(Duration::from_millis(300), async {
                    while let Some(Ok(m)) = ws.next().await {
                        if let Message::Text(t) = m {
                            let v: Value = serde_json::from_str(&t).map_err(|e| {
                                TestCaseError::fail(format!("a frame that is not JSON ({e}): {t}"))
                            })?;
                            if let Some(errors) = v["payload"].as_array() {
                                for e in errors {
                                    prop_assert!(e["extensions"]["code"] != "INTERNAL", "{t}");
                                }
                            }
                        }
                    }
                    Ok::<(), TestCaseError>(())
                })
                .await
                .unwrap_or(Ok(()))?;
                let _ = ws.close(None).await;
                Ok(())
            }
        },
    )
    .await;
    healthy(&app).await;
    app.ok(&app.company, "{ viewer { name } }", json!({})).await;
}
