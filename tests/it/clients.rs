//! Real client tools against the real server: the graphql-http audit, the
//! graphql-ws and subscriptions-transport-ws clients, GraphQL Code Generator,
//! operation validation against the served schema, and GraphiQL in headless
//! Chromium. They are npm packages locked in `tests/clients/package-lock.json`
//! (`npm ci --prefix tests/clients`); Chromium is Debian's `chromium`.
//! Without Node, the packages or Chromium these tests print a notice and skip;
//! with `CI=true` they fail instead.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::{Backend, TestApp};
use serde_json::json;

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// `Some(())` when Node and the locked packages are installed.
fn node_ready(what: &str) -> Option<()> {
    let node = Command::new("node").arg("--version").output();
    let missing = if !node.is_ok_and(|o| o.status.success()) {
        Some("node is not installed")
    } else if !clients_dir().join("node_modules").is_dir() {
        Some("the client packages are not installed (npm ci --prefix tests/clients)")
    } else {
        None
    };
    match missing {
        None => Some(()),
        Some(why) if ci() => panic!("CI=true but {why}: cannot run {what}"),
        Some(why) => {
            eprintln!("notice: skipping {what}: {why}");
            None
        }
    }
}

fn chromium() -> Option<String> {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Path::new(&path).exists() {
        return Some(path);
    }
    if ci() {
        panic!("CI=true but Chromium is not installed at {path} (apt-get install chromium)");
    }
    eprintln!("notice: skipping the GraphiQL browser test: no Chromium at {path}");
    None
}

/// Runs `node <script>` in `tests/clients` with the server's URL and tokens;
/// panics with its output unless it succeeds. Returns stdout.
/// What a client script needs to reach the server.
#[derive(Clone)]
struct Target {
    url: String,
    company: String,
    operator: String,
}

impl Target {
    fn of(app: &TestApp) -> Self {
        Self {
            url: app.url.clone(),
            company: app.company.clone(),
            operator: app.operator.clone(),
        }
    }
}

/// Runs node off the async runtime (the server lives on it).
async fn node(app: &TestApp, args: &[&str], env: &[(&str, &str)]) -> String {
    let target = Target::of(app);
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        run_node(&target, &args, &env)
    })
    .await
    .unwrap()
}

fn run_node(app: &Target, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("node");
    cmd.current_dir(clients_dir())
        .args(args)
        .env("GRAPHQL_URL", &app.url)
        .env("COMPANY_TOKEN", &app.company)
        .env("OPERATOR_TOKEN", &app.operator);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        out.status.success(),
        "node {args:?} failed\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    stdout
}

async fn app() -> TestApp {
    TestApp::spawn(Backend::Sqlite).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_http_server_audit_passes_every_must_and_should() {
    let Some(()) = node_ready("the graphql-http audit") else {
        return;
    };
    let app = app().await;
    let out = node(&app, &["audit.mjs"], &[]).await;
    let summary = out.lines().last().unwrap_or("").to_string();
    // The run covered the whole audit list; every MUST and SHOULD passed.
    assert!(summary.contains("MUST 13,0"), "{summary}");
    assert!(summary.contains("SHOULD 23,0"), "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphql_ws_and_subscriptions_transport_ws_clients_receive_live_events() {
    let Some(()) = node_ready("the subscription clients") else {
        return;
    };
    let app = app().await;
    let out = node(&app, &["subscriptions.mjs"], &[]).await;
    assert!(
        out.contains(r#""graphql-ws":"INVOICE_SALE_ACTIVATED""#),
        "{out}"
    );
    assert!(
        out.contains(r#""subscriptions-transport-ws":"INVOICE_SALE_ACTIVATED""#),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codegen_generates_types_and_operations_match_the_served_schema() {
    let Some(()) = node_ready("GraphQL Code Generator") else {
        return;
    };
    let app = app().await;
    let validated = node(&app, &["validate.mjs"], &[]).await;
    let out_file = clients_dir().join("out/types.ts");
    let _ = std::fs::remove_file(&out_file);
    node(
        &app,
        &[
            "node_modules/@graphql-codegen/cli/cjs/bin.js",
            "--config",
            "codegen.yml",
        ],
        &[],
    )
    .await;
    let generated = std::fs::read_to_string(out_file).expect("codegen wrote out/types.ts");
    assert!(
        validated.contains("7 files, 17 operations and 15 README operations"),
        "{validated}"
    );
    // One type per operation of every screen.
    for name in [
        "InvoiceListQuery",
        "SellQuoteQuery",
        "SellInvoiceMutation",
        "NoxSendViewQuery",
        "SendToNoxFinansMutation",
        "StatementQuery",
        "NotificationBarQuery",
        "NotificationFeedSubscription",
        "MarkNotificationsReadMutation",
        "SpotCheckQueueQuery",
        "ResolveSpotCheckMutation",
        "ContactRequestsQuery",
        "ActivateInvoiceSaleMutation",
        "SalesToCollectQuery",
        "RecordSaleCollectionMutation",
        "NoxFinansSubmissionsQuery",
        "RejectNoxFinansCaseMutation",
    ] {
        assert!(
            generated.contains(&format!("export type {name} = ")),
            "codegen made no {name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_runs_a_query_in_headless_chromium_without_internet() {
    let Some(()) = node_ready("the GraphiQL browser test") else {
        return;
    };
    let Some(chromium) = chromium() else {
        return;
    };
    // The assets come from the binary itself: no directory holds them, and
    // the network outside the server is blocked.
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.graphiql_assets_dir = "/nonexistent/graphiql-assets".into();
    })
    .await
    .unwrap();
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        assert!(
            invoice_finance::http::graphiql::assets_embedded(),
            "CI=true but this build carries no GraphiQL assets (see the build warning)"
        );
    }
    let screenshot =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts/graphiql.png");
    let _ = std::fs::remove_file(&screenshot);
    let shot = screenshot.to_string_lossy().to_string();
    node(
        &app,
        &["graphiql.mjs"],
        &[
            ("CHROMIUM", chromium.as_str()),
            ("SCREENSHOT", shot.as_str()),
        ],
    )
    .await;
    let png = std::fs::read(&screenshot).expect("a screenshot was written");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
}

/// urql's persisted-queries exchange (the Apollo APQ protocol): the first
/// time a hash is unknown and the query follows once; afterwards the hash
/// alone travels, over GET. Node's fetch gets brotli or gzip as it asks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urql_persisted_queries_and_compressed_responses() {
    let Some(()) = node_ready("the persisted-queries client") else {
        return;
    };
    let app = app().await;
    for i in 0..30 {
        let c = app
            .customer(&app.company, json!({ "name": format!("Kund {i}") }))
            .await;
        app.invoice(&app.company, &c, "1000").await;
    }
    let out = node(&app, &["apq.mjs"], &[]).await;
    assert!(
        out.contains("persisted queries: GET 200, POST 200 +query, GET 200, GET 200")
            || out.contains("persisted queries: GET 200, GET 200 +query, GET 200, GET 200"),
        "{out}"
    );
    assert!(out.contains("compression br: content-encoding br"), "{out}");
    assert!(
        out.contains("compression gzip: content-encoding gzip"),
        "{out}"
    );
}
