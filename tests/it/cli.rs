//! The binary as a user runs it: `serve` on a fresh SQLite file seeds the demo and
//! prints tokens; `seed-demo` and `token create` print working tokens.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{eventually, until};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_invoice-finance"))
}

async fn gql(url: &str, token: &str, query: &str) -> Value {
    reqwest::Client::new()
        .post(url)
        .bearer_auth(token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn parse_env(lines: &[String]) -> std::collections::HashMap<String, String> {
    lines
        .iter()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Starts `serve` on `db_url` and returns it with what it printed up to the
/// GraphiQL line.
async fn serve(db_url: &str) -> (Server, Vec<String>) {
    serve_with(db_url, &[]).await
}

/// Like [`serve`], with more environment variables.
async fn serve_with(db_url: &str, env: &[(&str, &str)]) -> (Server, Vec<String>) {
    let mut child = bin()
        .args(["serve", "--bind-addr", "127.0.0.1:0"])
        .env("DATABASE_URL", db_url)
        .env("LOG_LEVEL", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    // Keep draining stdout for the server's whole life: a closed pipe would kill it.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let lines = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
            let done = line.starts_with("GraphiQL:");
            out.push(line);
            if done {
                break;
            }
        }
        out
    })
    .await
    .unwrap();
    (server, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_seeds_the_demo_and_the_cli_makes_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("demo.sqlite").display()
    );
    let (_server, lines) = serve(&db_url).await;
    let env = parse_env(&lines);
    let url = env["GRAPHQL_URL"].clone();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("GraphiQL: http://127.0.0.1:")),
        "{lines:?}"
    );

    // The demo covers the cases later capabilities need.
    let q = "{ viewer { name } customers(first: 100) { totalCount edges { node { name email address { postalCode } } } }
               invoices(first: 100) { totalCount edges { node { currency type status sent houseWork { type } invoiceDate } } } }";
    let r = gql(&url, &env["COMPANY_TOKEN"], q).await;
    assert!(r.get("errors").is_none(), "{r}");
    let d = &r["data"];
    assert_eq!(d["viewer"]["name"], "Norrlands Snickeri AB");
    assert_eq!(d["customers"]["totalCount"], 10);
    assert_eq!(d["invoices"]["totalCount"], 40);
    let customers = d["customers"]["edges"].as_array().unwrap();
    assert!(customers.iter().any(|c| c["node"]["name"].is_null()));
    assert!(customers.iter().any(|c| c["node"]["email"].is_null()));
    assert!(
        customers.iter().any(
            |c| !c["node"]["address"].is_null() && c["node"]["address"]["postalCode"].is_null()
        )
    );
    let invoices: Vec<&Value> = d["invoices"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .collect();
    let has = |f: &dyn Fn(&Value) -> bool| invoices.iter().any(|i| f(i));
    assert!(has(&|i| i["currency"] == "EUR"));
    assert!(has(&|i| i["currency"] == "SEK"));
    for t in ["INVOICE", "CASH", "INTEREST"] {
        assert!(has(&|i| i["type"] == t), "{t}");
    }
    for s in ["CANCELLED", "NOT_COMPLETED", "OVERDUE", "PAID", "UNPAID"] {
        assert!(has(&|i| i["status"] == s), "{s}");
    }
    assert!(has(&|i| i["houseWork"]["type"] == "ROT"));
    assert!(has(&|i| i["houseWork"]["type"] == "RUT"));
    assert!(has(&|i| i["sent"] == false));
    let today = invoice_finance::domain::time::stockholm_date(chrono::Utc::now()).to_string();
    assert!(
        has(&|i| i["invoiceDate"].as_str().unwrap() > today.as_str()),
        "a future-dated invoice"
    );

    // A customer created in the demo without a number gets the next free one.
    let r = gql(
        &url,
        &env["COMPANY_TOKEN"],
        "mutation { createCustomer(input: { name: \"Ny Kund AB\" }) { customerNumber } }",
    )
    .await;
    assert_eq!(r["data"]["createCustomer"]["customerNumber"], "11", "{r}");

    // The other company sees only its own data.
    let r = gql(
        &url,
        &env["OTHER_COMPANY_TOKEN"],
        "{ viewer { name } invoices { totalCount } }",
    )
    .await;
    assert_eq!(r["data"]["viewer"]["name"], "Café Blomman AB");
    assert_eq!(r["data"]["invoices"]["totalCount"], 5);
    let r = gql(&url, &env["OPERATOR_TOKEN"], "{ viewer { name } }").await;
    assert_eq!(r["errors"][0]["extensions"]["code"], "FORBIDDEN");

    // seed-demo on the same file adds no data and mints no tokens unless asked,
    // and says so.
    let out = bin()
        .arg("seed-demo")
        .env("DATABASE_URL", &db_url)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("TOKEN="), "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("--new-tokens"), "{stderr}");
    let out = bin()
        .args(["seed-demo", "--new-tokens"])
        .env("DATABASE_URL", &db_url)
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let fresh = parse_env(&lines);
    for k in [
        "GRAPHQL_URL",
        "COMPANY_TOKEN",
        "OTHER_COMPANY_TOKEN",
        "OPERATOR_TOKEN",
    ] {
        assert!(fresh.contains_key(k), "{k} missing from {lines:?}");
    }
    let r = gql(&url, &fresh["COMPANY_TOKEN"], "{ invoices { totalCount } }").await;
    assert_eq!(r["data"]["invoices"]["totalCount"], 40);

    // token create.
    let out = bin()
        .args([
            "token",
            "create",
            "--company",
            "5590123450",
            "--role",
            "company",
        ])
        .env("DATABASE_URL", &db_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let r = gql(&url, &token, "{ viewer { name } }").await;
    assert_eq!(r["data"]["viewer"]["name"], "Norrlands Snickeri AB");
    let out = bin()
        .args(["token", "create", "--company", "559012-3451"])
        .env("DATABASE_URL", &db_url)
        .output()
        .unwrap();
    assert!(!out.status.success());

    // A token with an expiry, listed without its secret, then revoked: the
    // running server refuses it at once.
    let out = bin()
        .args([
            "token",
            "create",
            "--company",
            "5590123450",
            "--label",
            "bokslut",
            "--expires-in",
            "90d",
        ])
        .env("DATABASE_URL", &db_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let secret = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("expires"), "{stderr}");
    let r = gql(&url, &secret, "{ viewer { name } }").await;
    assert_eq!(r["data"]["viewer"]["name"], "Norrlands Snickeri AB");
    let out = bin()
        .args(["token", "list"])
        .env("DATABASE_URL", &db_url)
        .output()
        .unwrap();
    assert!(out.status.success());
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(!list.contains(&secret), "the list shows a secret");
    let row = list
        .lines()
        .find(|l| l.contains("bokslut"))
        .unwrap_or_else(|| panic!("{list}"))
        .to_string();
    assert!(list.lines().next().unwrap().contains("LAST USED"), "{list}");
    let id = row.split_whitespace().next().unwrap().to_string();
    let out = bin()
        .args(["token", "revoke", &id])
        .env("DATABASE_URL", &db_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Another process revoked it: the server learns within its poll (1 s).
    let r = until(
        "the revoked token to be refused",
        || gql(&url, &secret, "{ viewer { name } }"),
        |r: &Value| r["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED",
    )
    .await;
    assert!(
        r["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("revoked"),
        "{r}"
    );
    let out = bin()
        .args([
            "token",
            "create",
            "--company",
            "5590123450",
            "--expires-in",
            "0d",
        ])
        .env("DATABASE_URL", &db_url)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_postgresql_creates_no_demo_and_prints_no_token() {
    use sqlx::Connection;
    let Some((_db, db_url)) =
        crate::helpers::TestDb::create(crate::helpers::Backend::Postgres).await
    else {
        return;
    };
    let (_server, lines) = serve(&db_url).await;
    assert!(
        lines.iter().any(|l| l.starts_with("GraphiQL:")),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.contains("TOKEN")), "{lines:?}");
    let mut c = sqlx::PgConnection::connect(&db_url).await.unwrap();
    for table in ["company", "api_token", "invoice"] {
        let (n,): (i64,) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut c)
                .await
                .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    // Asking for the demo on PostgreSQL is refused at start.
    let out = bin()
        .arg("serve")
        .env("DATABASE_URL", &db_url)
        .env("SEED_DEMO", "true")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("seed-demo"));
}

#[test]
fn bad_settings_are_named_at_start_without_a_panic() {
    let out = bin()
        .arg("serve")
        .env("CORS_ORIGINS", "*")
        .env("WORKER_POLL_MS", "0")
        .env("DATABASE_POOL_SIZE", "0")
        .env("SPOT_CHECK_SECRET", "short")
        .env("REFERENCE_RATES", "2027-01-01=2.25,2027-07-01=2,5")
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    for name in [
        "CORS_ORIGINS",
        "WORKER_POLL_MS",
        "DATABASE_POOL_SIZE",
        "SPOT_CHECK_SECRET",
        "REFERENCE_RATES `5`",
    ] {
        assert!(stderr.contains(name), "{name} not named in {stderr}");
    }
    let out = bin()
        .arg("serve")
        .env("REQUEST_TIMEOUT_SECS", "forever")
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("REQUEST_TIMEOUT_SECS") || stderr.contains("request-timeout-secs"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn help_lists_the_subcommands_and_settings() {
    let out = bin().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for s in [
        "serve",
        "migrate",
        "export-schema",
        "seed-demo",
        "token",
        "DATABASE_URL",
        "BIND_ADDR",
        "LOG_FORMAT",
        "CORS_ORIGINS",
    ] {
        assert!(help.contains(s), "--help lacks {s}");
    }
}

fn seed_bulk(db_url: &str) -> std::collections::HashMap<String, String> {
    let out = bin()
        .args([
            "seed-bulk",
            "--companies",
            "2",
            "--customers",
            "5",
            "--invoices",
            "40",
            "--sales",
            "8",
            "--entries",
            "10",
            "--extra-company",
            "100",
        ])
        .env("DATABASE_URL", db_url)
        .env("LOG_LEVEL", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    parse_env(&lines)
}

/// On PostgreSQL, `seed-bulk` leaves what it wrote vacuumed and analyzed:
/// the first reader of a fresh seed (the benchmark, or someone trying the
/// server at scale) finds its pages settled, not half the rate
/// (BENCHMARKS.md, twenty-ninth run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_bulk_on_postgresql_leaves_its_tables_vacuumed_and_analyzed() {
    use sqlx::Connection;
    let Some((_db, db_url)) =
        crate::helpers::TestDb::create(crate::helpers::Backend::Postgres).await
    else {
        return;
    };
    let made = seed_bulk(&db_url);
    assert!(made.contains_key("BULK_COMPANY_3_TOKEN"), "{made:?}");
    let mut c = sqlx::PgConnection::connect(&db_url).await.unwrap();
    for table in ["invoice", "customer", "invoice_sale", "statement_entry"] {
        let (vacuumed, analyzed): (bool, bool) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL \
             FROM pg_stat_user_tables WHERE relname = '{table}'"
        )))
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert_eq!((vacuumed, analyzed), (true, true), "{table}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_bulk_creates_the_volume_once_and_its_tokens_see_their_own_company() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bulk.sqlite").display()
    );
    let first = seed_bulk(&db_url);
    // A second run finds the companies and only mints fresh tokens.
    let again = seed_bulk(&db_url);
    for n in 1..=3 {
        assert_eq!(
            first[&format!("BULK_COMPANY_{n}_ORG")],
            again[&format!("BULK_COMPANY_{n}_ORG")]
        );
        assert_ne!(
            first[&format!("BULK_COMPANY_{n}_TOKEN")],
            again[&format!("BULK_COMPANY_{n}_TOKEN")]
        );
    }
    assert!(!first.contains_key("BULK_COMPANY_4_TOKEN"), "{first:?}");
    // Its sold invoices are in the running totals quotes read.
    assert_eq!(
        crate::books::assert_tally_matches_sales_at(&db_url).await,
        3
    );

    // The database is not empty, so serve seeds no demo; its GraphiQL line
    // gives the address.
    let (_server, lines) = serve(&db_url).await;
    let url = lines
        .iter()
        .find_map(|l| l.strip_prefix("GraphiQL: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no GraphiQL line in {lines:?}"))
        .to_string();
    let q = "{ invoices(first: 1) { totalCount } customers(first: 1) { totalCount }
               invoiceSales(first: 1) { totalCount } }";
    for (n, invoices, customers, sales) in [(1, 40, 5, 8), (2, 40, 5, 8), (3, 100, 5, 8)] {
        // Tokens of both runs stay valid, and each sees its company alone.
        for env in [&first, &again] {
            let r = gql(&url, &env[&format!("BULK_COMPANY_{n}_TOKEN")], q).await;
            assert!(r.get("errors").is_none(), "{r}");
            let d = &r["data"];
            assert_eq!(d["invoices"]["totalCount"], invoices, "company {n}: {r}");
            assert_eq!(d["customers"]["totalCount"], customers, "company {n}: {r}");
            assert_eq!(d["invoiceSales"]["totalCount"], sales, "company {n}: {r}");
        }
        assert_eq!(
            first[&format!("BULK_COMPANY_{n}_INVOICES")],
            invoices.to_string()
        );
    }
    // Its denied sales give a reason the rule engine gives, and its entries
    // kinds the statement knows.
    let r = gql(
        &url,
        &first["BULK_COMPANY_1_TOKEN"],
        "{ invoiceSales(first: 10, status: DENIED) { nodes { denialReason { code message }
             spotCheck { rule outcome } } }
           statement(from: \"2000-01-01\", to: \"2100-01-01\") {
             entries(first: 10) { nodes { kind } } } }",
    )
    .await;
    assert!(r.get("errors").is_none(), "{r}");
    let denied = r["data"]["invoiceSales"]["nodes"].as_array().unwrap();
    assert!(!denied.is_empty(), "{r}");
    for s in denied {
        assert_eq!(s["denialReason"]["code"], "SPOT_CHECK_DISPUTED", "{r}");
        assert_eq!(s["spotCheck"]["outcome"], "DISPUTED", "{r}");
        assert_eq!(s["spotCheck"]["rule"], "ROUTINE_SAMPLE", "{r}");
    }
    let kinds: std::collections::BTreeSet<&str> = r["data"]["statement"]["entries"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        std::collections::BTreeSet::from(["INVOICE_SOLD", "SALE_FEE"]),
        "{r}"
    );
}

/// With OTEL_EXPORTER_OTLP_ENDPOINT the server sends its spans to an OTLP/HTTP
/// collector (here a stand-in that keeps what it receives): one per GraphQL
/// operation, named after it, and SeaORM's per SQL statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_go_to_an_otlp_collector() {
    use axum::body::Bytes;
    use axum::extract::State;
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<u8>>> = Arc::default();
    let collector = axum::Router::new()
        .route(
            "/v1/traces",
            axum::routing::post(
                |State(r): State<Arc<Mutex<Vec<u8>>>>, body: Bytes| async move {
                    r.lock().unwrap().extend_from_slice(&body);
                    axum::http::StatusCode::OK
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, collector).await });

    let dir = tempfile::tempdir().unwrap();
    let db_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("t.sqlite").display()
    );
    let (_server, lines) = serve_with(
        &db_url,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    )
    .await;
    let env = parse_env(&lines);
    let r = gql(
        &env["GRAPHQL_URL"],
        &env["COMPANY_TOKEN"],
        "query TraceMe { viewer { name } }",
    )
    .await;
    assert_eq!(r["data"]["viewer"]["name"], "Norrlands Snickeri AB", "{r}");
    let has = |needle: &[u8]| {
        let got = received.lock().unwrap();
        got.windows(needle.len()).any(|w| w == needle)
    };
    eventually(
        "the operation's span and a SQL statement's span at the collector",
        || async { has(b"graphql TraceMe") && (has(b"query_one") || has(b"query_all")) },
    )
    .await;
    assert!(has(b"invoice-finance"), "no service name");
}
