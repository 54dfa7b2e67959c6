//! Reliability drill: nothing paid or booked twice under races, crashes and a
//! database restart.
//!
//! Creates a fresh PostgreSQL database, starts several server processes on it
//! (each with its worker and event hub, all on one fast clock), and lets N
//! clients run a realistic mix for T seconds: create and edit invoices, quote
//! and sell (retrying with the same key) and withdraw sales, send to Nox
//! Finans, register payments (the customer's, Nox Finans's and, on RUT
//! invoices, Skatteverket's) and credit invoices in part or whole, record
//! Skatteverket's denials of a tax reduction (again with repeated keys),
//! pause, resume and recall cases, and operators resolving
//! spot checks and recording what the financier collected of the sales it
//! bought (repeated keys too). Meanwhile it kills an instance with SIGKILL at random moments
//! and restarts it, and (with `--restart-postgres`) restarts PostgreSQL once.
//! Then it lets the clock run until no job is due, and checks the books from
//! the database: every voucher balances, each company's balance is the sum of
//! its statement, each sale decided and paid at most once, no invoice both sold
//! and handed over, each case's collections paid out or kept, each invoice's
//! credits the sum of its credit notes and each note paid in once, each
//! RUT invoice's Skatteverket part the sum of its payments and its tax
//! reduction lowered once per denial, each sale's collected sum the sum of its collections, no job stuck or dead, and a subscriber that resumed with `after` across the kills saw every
//! event once, in order. One summary line; a non-zero exit on any violation.
//!
//! ```text
//! cargo run --release --example drill -- --database-url postgres://postgres@127.0.0.1:5432/test \
//!     --instances 2 --clients 16 --seconds 300 --kills 10 --restart-postgres
//! ```

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, TimeZone, Utc};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};

use invoice_finance::domain::money::Ore;
use tokio::sync::Mutex;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[derive(Parser, Debug, Clone)]
#[command(
    about = "Reliability drill: several instances, kills, a database restart, then the books"
)]
struct Args {
    /// PostgreSQL server (a fresh database is created next to the one named).
    #[arg(long, env = "TEST_DATABASE_URL")]
    database_url: Option<String>,
    /// Server processes.
    #[arg(long, default_value_t = 2)]
    instances: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// How long the clients run, in seconds.
    #[arg(long, default_value_t = 300)]
    seconds: u64,
    /// How many times an instance is killed (SIGKILL) and restarted.
    #[arg(long, default_value_t = 10)]
    kills: usize,
    /// Restart PostgreSQL once halfway (`pg_ctlcluster … restart`).
    #[arg(long)]
    restart_postgres: bool,
    /// App seconds per real second (1440: a day per minute).
    #[arg(long, default_value_t = 1440)]
    clock_speed: u32,
    /// Longest wait for due jobs to drain after the run, in seconds.
    #[arg(long, default_value_t = 120)]
    drain_seconds: u64,
    /// Keep the drill database afterwards.
    #[arg(long)]
    keep: bool,
    /// Internal: serve on this database URL.
    #[arg(long, hide = true)]
    serve: Option<String>,
    /// Internal: the port to serve on.
    #[arg(long, hide = true, default_value_t = 0)]
    port: u16,
    /// Internal: the clock's origin, in Unix milliseconds.
    #[arg(long, hide = true, default_value_t = 0)]
    origin_ms: i64,
}

const COMPANIES: usize = 3;

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(url) = args.serve.clone() {
        return serve(&url, args.port, args.origin_ms, args.clock_speed).await;
    }
    let report = run(args).await?;
    println!("{}", report.line());
    if report.violations.is_empty() {
        Ok(())
    } else {
        for v in &report.violations {
            eprintln!("violation: {v}");
        }
        std::process::exit(1)
    }
}

fn origin(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_else(Utc::now)
}

fn settings_for(url: &str, port: u16, speed: u32) -> invoice_finance::config::Settings {
    let mut s = invoice_finance::config::Settings::for_database(url);
    s.bind_addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    s.clock_speed = speed;
    // App time: a minute of processing, a minute before Nox Finans accepts.
    s.sale_processing_delay_secs = 60;
    s.nox_acceptance_delay_secs = 60;
    s.worker_poll_ms = 100;
    s.event_poll_ms = 200;
    s.job_retry_base_ms = 200;
    s
}

/// Child mode: one server process; it runs until stdin closes or it is killed.
async fn serve(url: &str, port: u16, origin_ms: i64, speed: u32) -> Result<()> {
    let settings = settings_for(url, port, speed);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            std::env::var("DRILL_LOG").unwrap_or_else(|_| "warn".into()),
        ))
        .with_writer(std::io::stderr)
        .try_init();
    let clock = Arc::new(invoice_finance::clock::ScaledClock::anchored(
        origin(origin_ms),
        speed,
    ));
    let app = invoice_finance::app::Application::build(settings, clock).await?;
    println!("{}", json!({ "addr": app.addr().to_string() }));
    std::io::stdout().flush()?;
    app.run_until(common::stdin_closed()).await?;
    Ok(())
}

struct Instance {
    port: u16,
    child: Option<std::process::Child>,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn start(url: &str, port: u16, origin_ms: i64, speed: u32) -> Result<std::process::Child> {
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe)
        .args([
            "--serve",
            url,
            "--port",
            &port.to_string(),
            "--origin-ms",
            &origin_ms.to_string(),
            "--clock-speed",
            &speed.to_string(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("starting an instance")?;
    let stdout = child.stdout.take().context("instance stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    if !line.contains("addr") {
        bail!("the instance did not start: {line}");
    }
    Ok(child)
}

/// A deterministic generator: the drill needs variety, not secrecy.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
}

#[derive(Default)]
struct Counts {
    ops: AtomicU64,
    refused: AtomicU64,
    unavailable: AtomicU64,
    internal: AtomicU64,
}

struct Shared {
    ports: Vec<u16>,
    http: reqwest::Client,
    counts: Counts,
    wrong: Mutex<Vec<String>>,
    origin_ms: i64,
    speed: u32,
}

impl Shared {
    fn app_today(&self) -> chrono::NaiveDate {
        let real = Utc::now().timestamp_millis() - self.origin_ms;
        let app = self.origin_ms + real * i64::from(self.speed);
        invoice_finance::domain::time::stockholm_date(origin(app))
    }

    /// Sends to a random instance; on a refused connection tries the others.
    async fn gql(
        &self,
        rng: &mut Rng,
        token: &str,
        query: &str,
        variables: Value,
    ) -> Option<Value> {
        let first = rng.below(self.ports.len());
        for i in 0..self.ports.len() {
            let port = self.ports[(first + i) % self.ports.len()];
            let sent = self
                .http
                .post(format!("http://127.0.0.1:{port}/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": query, "variables": variables }))
                .timeout(Duration::from_secs(20))
                .send()
                .await;
            self.counts.ops.fetch_add(1, Ordering::Relaxed);
            match sent {
                Ok(r) => match r.json::<Value>().await {
                    Ok(v) => {
                        match v["errors"][0]["extensions"]["code"].as_str() {
                            None => {}
                            Some("INTERNAL") => {
                                self.counts.internal.fetch_add(1, Ordering::Relaxed);
                            }
                            // The database restarting under the request.
                            Some("UNAVAILABLE") => {
                                self.counts.unavailable.fetch_add(1, Ordering::Relaxed);
                            }
                            // The drill's tokens are good and never revoked.
                            Some("UNAUTHENTICATED") => {
                                self.wrong(format!("a good token was refused: {v}")).await;
                            }
                            Some(_) => {
                                self.counts.refused.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        return Some(v);
                    }
                    Err(_) => {
                        self.counts.unavailable.fetch_add(1, Ordering::Relaxed);
                        return None;
                    }
                },
                Err(_) => {
                    self.counts.unavailable.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        None
    }

    /// The id of one of the first five sales of the operator's list `list`
    /// (`spotCheckQueue`, `salesToCollect`), at random.
    async fn one_of(&self, rng: &mut Rng, operator: &str, list: &str) -> Option<String> {
        let q = self
            .gql(
                rng,
                operator,
                &format!("{{ {list}(first: 5) {{ nodes {{ id }} }} }}"),
                json!({}),
            )
            .await?;
        let ids: Vec<String> = q["data"][list]["nodes"]
            .as_array()?
            .iter()
            .filter_map(|n| n["id"].as_str().map(str::to_string))
            .collect();
        ids.get(rng.below(ids.len())).cloned()
    }

    async fn wrong(&self, what: String) {
        self.wrong.lock().await.push(what);
    }
}

/// One client: a company user creating, selling, handing over and paying.
async fn client(shared: Arc<Shared>, token: String, operator: String, seed: u64, until: Instant) {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let s = &shared;
    let Some(c) = s
        .gql(&mut rng, &token, "mutation($i: CustomerInput!) { createCustomer(input: $i) { id } }",
            json!({ "i": { "name": format!("Kund {seed}"), "organisationNumber": "19850614-1236", "email": "kund@example.se", "phone": "070-1234567", "address": { "street": "Gatan 1", "postalCode": "90422", "city": "Umeå" } } }))
        .await
    else {
        return;
    };
    let Some(customer) = c["data"]["createCustomer"]["id"]
        .as_str()
        .map(str::to_string)
    else {
        return;
    };
    let mut invoices: Vec<String> = Vec::new();
    let mut n = 0u64;
    while Instant::now() < until {
        n += 1;
        let key = format!("{seed}-{n}");
        let pick = |rng: &mut Rng, list: &Vec<String>| list.get(rng.below(list.len())).cloned();
        match rng.below(13) {
            0..=2 => {
                let date = s.app_today().pred_opt().unwrap_or_else(|| s.app_today());
                // One invoice in three is RUT work, half of it Skatteverket's.
                let mut input = json!({ "customerId": customer, "invoiceDate": date.to_string(), "termsOfPayment": "10",
                    "rows": [{ "description": "Arbete", "quantity": "1", "unitPrice": "1000", "vatRate": "25" }] });
                if rng.below(3) == 0 {
                    input["houseWork"] =
                        json!({ "type": "RUT", "deductibleAmount": HOUSE_WORK_DEDUCTIBLE });
                }
                let r = s
                    .gql(
                        &mut rng,
                        &token,
                        "mutation($i: InvoiceInput!) { createInvoice(input: $i) { id } }",
                        json!({ "i": input }),
                    )
                    .await;
                if let Some(id) = r
                    .as_ref()
                    .and_then(|r| r["data"]["createInvoice"]["id"].as_str())
                {
                    invoices.push(id.to_string());
                }
            }
            3 | 4 => {
                let Some(inv) = pick(&mut rng, &invoices) else {
                    continue;
                };
                let q = s
                    .gql(
                        &mut rng,
                        &token,
                        "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { quoteId eligible } }",
                        json!({ "id": inv }),
                    )
                    .await;
                let Some(quote) = q
                    .as_ref()
                    .and_then(|q| q["data"]["invoiceSaleQuote"]["quoteId"].as_str())
                    .map(str::to_string)
                else {
                    continue;
                };
                let sell =
                    json!({ "i": { "invoiceId": inv, "quoteId": quote, "idempotencyKey": key } });
                const SELL: &str =
                    "mutation($i: SellInvoiceInput!) { sellInvoice(input: $i) { id } }";
                // The same key twice, at once: one sale, the same answer.
                let (mut r1, mut r2) = (Rng(rng.next() | 1), Rng(rng.next() | 1));
                let (a, b) = tokio::join!(
                    s.gql(&mut r1, &token, SELL, sell.clone()),
                    s.gql(&mut r2, &token, SELL, sell.clone())
                );
                if let (Some(a), Some(b)) = (a, b) {
                    let (ia, ib) = (
                        &a["data"]["sellInvoice"]["id"],
                        &b["data"]["sellInvoice"]["id"],
                    );
                    if !ia.is_null() && !ib.is_null() && ia != ib {
                        s.wrong(format!("one key, two sales: {a} {b}")).await;
                    }
                }
            }
            5 => {
                let Some(inv) = pick(&mut rng, &invoices) else {
                    continue;
                };
                const SEND: &str = "mutation($i: SendToNoxFinansInput!) { sendToNoxFinans(input: $i) { results { accepted case { id } } } }";
                let v = json!({ "i": { "invoiceIds": [inv], "service": "INVOICE_SERVICE", "delivery": "EMAIL", "idempotencyKey": key } });
                let (mut r1, mut r2) = (Rng(rng.next() | 1), Rng(rng.next() | 1));
                let (a, b) = tokio::join!(
                    s.gql(&mut r1, &token, SEND, v.clone()),
                    s.gql(&mut r2, &token, SEND, v.clone())
                );
                if let (Some(a), Some(b)) = (a, b) {
                    let (ca, cb) = (
                        &a["data"]["sendToNoxFinans"]["results"][0]["case"]["id"],
                        &b["data"]["sendToNoxFinans"]["results"][0]["case"]["id"],
                    );
                    if !ca.is_null() && !cb.is_null() && ca != cb {
                        s.wrong(format!("one key, two cases: {a} {b}")).await;
                    }
                }
            }
            6 | 7 => {
                let Some(inv) = pick(&mut rng, &invoices) else {
                    continue;
                };
                let payer = ["CUSTOMER", "SKATTEVERKET", "NOX_FINANS", "NOX_FINANS"][rng.below(4)];
                const PAY: &str = "mutation($id: ID!, $p: PaymentPayer!, $k: String!, $d: Date!) { registerPayment(invoiceId: $id, amount: \"100\", paidOn: $d, payer: $p, idempotencyKey: $k) { balance } }";
                let v = json!({ "id": inv, "p": payer, "k": key, "d": s.app_today().to_string() });
                let (mut r1, mut r2) = (Rng(rng.next() | 1), Rng(rng.next() | 1));
                let (a, b) = tokio::join!(
                    s.gql(&mut r1, &token, PAY, v.clone()),
                    s.gql(&mut r2, &token, PAY, v.clone())
                );
                let _ = (a, b);
            }
            8 => {
                let Some(inv) = pick(&mut rng, &invoices) else {
                    continue;
                };
                let r = s
                    .gql(
                        &mut rng,
                        &token,
                        "query($id: ID!) { invoice(id: $id) { noxFinans { id } } }",
                        json!({ "id": inv }),
                    )
                    .await;
                let Some(case) = r
                    .as_ref()
                    .and_then(|r| r["data"]["invoice"]["noxFinans"]["id"].as_str())
                    .map(str::to_string)
                else {
                    continue;
                };
                let until = s.app_today() + chrono::Days::new(3);
                let m = match rng.below(3) {
                    0 => format!(
                        "mutation {{ pauseNoxFinansCase(caseId: \"{case}\", until: \"{until}\") {{ id }} }}"
                    ),
                    1 => format!("mutation {{ resumeNoxFinansCase(caseId: \"{case}\") {{ id }} }}"),
                    _ => format!("mutation {{ recallFromNoxFinans(caseId: \"{case}\") {{ id }} }}"),
                };
                s.gql(&mut rng, &token, &m, json!({})).await;
            }
            10 => {
                let Some(inv) = pick(&mut rng, &invoices) else {
                    continue;
                };
                if rng.below(3) == 0 {
                    deny(s, &mut rng, &token, &inv, &key).await;
                } else {
                    credit(s, &mut rng, &token, &inv, &key).await;
                }
            }
            11 => collect(s, &mut rng, &operator, &key).await,
            12 => {
                let Some(inv) = pick(&mut rng, &invoices) else {
                    continue;
                };
                edit_or_withdraw(s, &mut rng, &token, &customer, &inv).await;
            }
            _ => {
                if let Some(id) = s.one_of(&mut rng, &operator, "spotCheckQueue").await {
                    let outcome = if rng.below(5) == 0 {
                        "DISPUTED"
                    } else {
                        "CONFIRMED"
                    };
                    s.gql(&mut rng, &operator, "mutation($id: ID!, $o: SpotCheckOutcome!) { resolveSpotCheck(saleId: $id, outcome: $o) { status } }", json!({ "id": id, "o": outcome })).await;
                }
            }
        }
    }
}

/// Credits the invoice, one time in four in whole, otherwise 100.00 of it;
/// the same key twice at once makes one credit note, the same in both
/// answers.
async fn credit(s: &Shared, rng: &mut Rng, token: &str, invoice: &str, key: &str) {
    const CREDIT: &str = "mutation($id: ID!, $r: [InvoiceRowInput!], $k: String!) { creditInvoice(invoiceId: $id, rows: $r, idempotencyKey: $k) { creditNote { id } } }";
    let rows = if rng.below(4) == 0 {
        Value::Null
    } else {
        json!([{ "description": "Avdrag", "quantity": "1", "unitPrice": "80", "vatRate": "25" }])
    };
    let v = json!({ "id": invoice, "r": rows, "k": key });
    let (mut r1, mut r2) = (Rng(rng.next() | 1), Rng(rng.next() | 1));
    let (a, b) = tokio::join!(
        s.gql(&mut r1, token, CREDIT, v.clone()),
        s.gql(&mut r2, token, CREDIT, v.clone())
    );
    if let (Some(a), Some(b)) = (a, b) {
        let (na, nb) = (
            &a["data"]["creditInvoice"]["creditNote"]["id"],
            &b["data"]["creditInvoice"]["creditNote"]["id"],
        );
        if !na.is_null() && !nb.is_null() && na != nb {
            s.wrong(format!("one key, two credit notes: {a} {b}")).await;
        }
    }
}

/// The tax reduction of the drill's RUT invoices: half of 1 250.00.
const HOUSE_WORK_DEDUCTIBLE: &str = "625";

/// Records that Skatteverket denied 100.00 of the invoice's tax reduction
/// (refused on an invoice without one, or with less than that unpaid),
/// with the same key twice at once: the books check that the reduction
/// fell once for each denial recorded.
async fn deny(s: &Shared, rng: &mut Rng, token: &str, invoice: &str, key: &str) {
    const DENY: &str = "mutation($id: ID!, $k: String!) { recordTaxReductionDenial(invoiceId: $id, amount: \"100\", idempotencyKey: $k) { id } }";
    let v = json!({ "id": invoice, "k": key });
    let (mut r1, mut r2) = (Rng(rng.next() | 1), Rng(rng.next() | 1));
    let _ = tokio::join!(
        s.gql(&mut r1, token, DENY, v.clone()),
        s.gql(&mut r2, token, DENY, v.clone())
    );
}

/// Half the time edits the invoice to a new price (refused once it is sold,
/// handed over, paid more than the new total or credited), otherwise
/// withdraws its sale (refused once decided): each races the payments,
/// credits, decisions and jobs of the other clients and instances.
async fn edit_or_withdraw(s: &Shared, rng: &mut Rng, token: &str, customer: &str, invoice: &str) {
    let r = s
        .gql(
            rng,
            token,
            "query($id: ID!) { invoice(id: $id) { invoiceDate sale { id } } }",
            json!({ "id": invoice }),
        )
        .await;
    let Some(inv) = r.as_ref().map(|r| &r["data"]["invoice"]) else {
        return;
    };
    if rng.below(2) == 0 {
        let price = ["800", "1000", "1200"][rng.below(3)];
        let input = json!({ "customerId": customer, "invoiceDate": inv["invoiceDate"], "termsOfPayment": "10",
            "rows": [{ "description": "Arbete", "quantity": "1", "unitPrice": price, "vatRate": "25" }] });
        s.gql(
            rng,
            token,
            "mutation($id: ID!, $i: InvoiceInput!) { updateInvoice(id: $id, input: $i) { id } }",
            json!({ "id": invoice, "i": input }),
        )
        .await;
    } else if let Some(sale) = inv["sale"]["id"].as_str() {
        s.gql(
            rng,
            token,
            "mutation($id: ID!) { withdrawInvoiceSale(saleId: $id) { id } }",
            json!({ "id": sale }),
        )
        .await;
    }
}

/// The operator records 50.00 collected (or the rest, when less is left) on
/// one of the five oldest sales left to collect, the same key twice at once.
/// A RUT invoice's sale (625.00) ends on 25.00, which a collection of 50.00
/// would exceed: such sales would stand first in the list for good.
async fn collect(s: &Shared, rng: &mut Rng, operator: &str, key: &str) {
    let q = s
        .gql(
            rng,
            operator,
            "{ salesToCollect(first: 5) { nodes { id amount collected } } }",
            json!({}),
        )
        .await;
    let Some(nodes) = q
        .as_ref()
        .and_then(|q| q["data"]["salesToCollect"]["nodes"].as_array())
    else {
        return;
    };
    let Some(sale) = nodes.get(rng.below(nodes.len())) else {
        return;
    };
    let sek = |v: &Value| {
        v.as_str()
            .and_then(|a| a.parse::<rust_decimal::Decimal>().ok())
    };
    let (Some(amount), Some(collected)) = (sek(&sale["amount"]), sek(&sale["collected"])) else {
        return;
    };
    let part = (amount - collected).min(rust_decimal::Decimal::from(50));
    const COLLECT: &str = "mutation($id: ID!, $a: Decimal!, $k: String!, $d: Date!) { recordSaleCollection(saleId: $id, amount: $a, collectedOn: $d, idempotencyKey: $k) { collected } }";
    let v = json!({ "id": sale["id"], "a": part.to_string(), "k": format!("collect-{key}"), "d": s.app_today().to_string() });
    let (mut r1, mut r2) = (Rng(rng.next() | 1), Rng(rng.next() | 1));
    let _ = tokio::join!(
        s.gql(&mut r1, operator, COLLECT, v.clone()),
        s.gql(&mut r2, operator, COLLECT, v.clone())
    );
}

fn position_of(cursor: &str) -> Option<i64> {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("c:")?
        .parse()
        .ok()
}

/// A subscriber to one company's sale events that resumes with `after` after
/// every disconnect; records the event positions it received.
async fn subscriber(
    shared: Arc<Shared>,
    token: String,
    stop: Arc<AtomicUsize>,
    seen: Arc<Mutex<Vec<i64>>>,
) {
    let mut after: Option<String> = None;
    let mut turn = 0usize;
    while stop.load(Ordering::Relaxed) == 0 {
        turn += 1;
        let port = shared.ports[turn % shared.ports.len()];
        let Ok(mut req) = format!("ws://127.0.0.1:{port}/graphql").into_client_request() else {
            return;
        };
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", http_value("graphql-transport-ws"));
        let Ok((mut ws, _)) = tokio_tungstenite::connect_async(req).await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let init = json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } });
        let sub = json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription($after: String) { invoiceSaleEvents(after: $after) { cursor } }",
            "variables": { "after": after.clone().unwrap_or_else(|| { use base64::Engine; base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("c:0") }) } } });
        if ws.send(Message::text(init.to_string())).await.is_err()
            || ws.send(Message::text(sub.to_string())).await.is_err()
        {
            continue;
        }
        while stop.load(Ordering::Relaxed) == 0 {
            let next = tokio::time::timeout(Duration::from_millis(500), ws.next()).await;
            let msg = match next {
                Err(_) => continue,
                Ok(Some(Ok(m))) => m,
                Ok(_) => break,
            };
            let Ok(text) = msg.to_text() else { continue };
            let Ok(v) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            if v["type"] == "ping" {
                let _ = ws
                    .send(Message::text(json!({ "type": "pong" }).to_string()))
                    .await;
            }
            // The server ended the subscription (it could not read an event
            // for a while, or fell behind): resume from the last cursor.
            if v["type"] == "complete" || v["type"] == "error" {
                break;
            }
            if let Some(c) = v["payload"]["data"]["invoiceSaleEvents"]["cursor"].as_str() {
                if let Some(seq) = position_of(c) {
                    seen.lock().await.push(seq);
                }
                after = Some(c.to_string());
            }
        }
    }
}

fn http_value(s: &'static str) -> tokio_tungstenite::tungstenite::http::HeaderValue {
    tokio_tungstenite::tungstenite::http::HeaderValue::from_static(s)
}

struct Report {
    ops: u64,
    refused: u64,
    unavailable: u64,
    internal: u64,
    kills: usize,
    db_restarts: usize,
    sales: i64,
    cases: i64,
    payouts: i64,
    credit_notes: i64,
    denials: i64,
    collections: i64,
    events: usize,
    violations: Vec<String>,
    seconds: f64,
}

impl Report {
    fn line(&self) -> String {
        format!(
            "drill: {} requests ({} refused with a code, {} unavailable, {} internal), {} kills, {} database restarts, {} sales, {} Nox Finans cases, {} payouts, {} credit notes, {} tax reduction denials, {} collections, {} events followed, {} violations in {:.0} s",
            self.ops,
            self.refused,
            self.unavailable,
            self.internal,
            self.kills,
            self.db_restarts,
            self.sales,
            self.cases,
            self.payouts,
            self.credit_notes,
            self.denials,
            self.collections,
            self.events,
            self.violations.len(),
            self.seconds
        )
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base
        .rfind('/')
        .filter(|i| *i > "postgres://".len())
        .map_or(base, |i| &base[..i]);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

async fn scalar(db: &sqlx::PgPool, sql: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string()))
            .fetch_one(db)
            .await?,
    )
}

async fn run(args: Args) -> Result<Report> {
    use sqlx::Connection;
    let started = Instant::now();
    let admin = args
        .database_url
        .clone()
        .context("--database-url (or TEST_DATABASE_URL) is needed: the drill runs on PostgreSQL")?;
    let name = format!("drill_{}", uuid::Uuid::new_v4().simple());
    let mut c = sqlx::PgConnection::connect(&admin).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut c)
        .await?;
    let url = with_database(&admin, &name);
    let origin_ms = Utc::now().timestamp_millis();

    // Seed: companies with active agreements, their tokens, an operator.
    let clock = Arc::new(invoice_finance::clock::ScaledClock::anchored(
        origin(origin_ms),
        args.clock_speed,
    ));
    let state =
        invoice_finance::app::open_state(settings_for(&url, 0, args.clock_speed), clock).await?;
    let now = Utc::now();
    let mut tokens = Vec::new();
    for i in 0..COMPANIES {
        let org = ["559012-3450", "559234-5671", "556036-0793"][i % 3];
        let co = invoice_finance::store::companies::create(
            &state.db,
            &format!("Drill AB {i}"),
            org,
            now,
        )
        .await?;
        tokens.push(
            invoice_finance::store::tokens::create_simple(
                &state.db,
                Some(co.id),
                invoice_finance::store::Role::Company,
                "drill",
                now,
            )
            .await?,
        );
        let terms = invoice_finance::domain::sale::Agreement {
            active: true,
            fixed_fee_ore: Ore::new(1990),
            percentage_bp: 290,
            minimum_fee_ore: Ore::ZERO,
            customer_limit_ore: Ore::new(100_000_000),
            total_limit_ore: Ore::new(1_000_000_000),
        };
        // The drill sets up its companies as the financier would.
        #[allow(clippy::disallowed_methods)]
        let financier = invoice_finance::store::Operator::system();
        invoice_finance::services::sales::activate(&state, financier, co.id, terms).await?;
    }
    let operator = invoice_finance::store::tokens::create_simple(
        &state.db,
        None,
        invoice_finance::store::Role::Operator,
        "drill",
        now,
    )
    .await?;
    drop(state);

    let mut instances = Vec::new();
    for _ in 0..args.instances.max(1) {
        let port = free_port()?;
        instances.push(Instance {
            port,
            child: Some(start(&url, port, origin_ms, args.clock_speed)?),
        });
    }
    let shared = Arc::new(Shared {
        ports: instances.iter().map(|i| i.port).collect(),
        http: reqwest::Client::new(),
        counts: Counts::default(),
        wrong: Mutex::new(Vec::new()),
        origin_ms,
        speed: args.clock_speed,
    });
    let stop = Arc::new(AtomicUsize::new(0));
    let mut followed = Vec::new();
    for t in &tokens {
        let seen = Arc::new(Mutex::new(Vec::new()));
        followed.push(seen.clone());
        tokio::spawn(subscriber(shared.clone(), t.clone(), stop.clone(), seen));
    }
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let clients: Vec<_> = (0..args.clients)
        .map(|i| {
            tokio::spawn(client(
                shared.clone(),
                tokens[i % tokens.len()].clone(),
                operator.clone(),
                i as u64 + 1,
                until,
            ))
        })
        .collect();

    // The chaos: kills at spread-out, varied moments; one database restart.
    let mut rng = Rng(origin_ms as u64 | 1);
    let (mut kills, mut db_restarts) = (0, 0);
    let slot = Duration::from_secs(args.seconds) / u32::try_from(args.kills + 1).unwrap_or(1);
    let halfway = Instant::now() + Duration::from_secs(args.seconds / 2);
    for k in 0..args.kills {
        let jitter = slot.mul_f64((rng.below(60) as f64 + 20.0) / 100.0);
        let at = Instant::now() + jitter;
        if args.restart_postgres && db_restarts == 0 && at > halfway {
            restart_postgres()?;
            db_restarts += 1;
        }
        tokio::time::sleep_until(at.into()).await;
        let i = rng.below(instances.len());
        if let Some(mut child) = instances[i].child.take() {
            child.kill()?;
            let _ = child.wait();
        }
        kills += 1;
        tokio::time::sleep(Duration::from_millis(500 + 100 * (k as u64 % 5))).await;
        instances[i].child = Some(start(&url, instances[i].port, origin_ms, args.clock_speed)?);
        tokio::time::sleep_until((at + slot - jitter).into()).await;
    }
    if args.restart_postgres && db_restarts == 0 {
        restart_postgres()?;
        db_restarts += 1;
    }
    for c in clients {
        let _ = c.await;
    }

    // Drain: let the clock run until no job is due.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&url)
        .await?;
    let deadline = Instant::now() + Duration::from_secs(args.drain_seconds);
    let mut quiet = 0;
    while Instant::now() < deadline && quiet < 3 {
        let app_now =
            origin_ms + (Utc::now().timestamp_millis() - origin_ms) * i64::from(args.clock_speed);
        let due = scalar(&pool, &format!("SELECT COUNT(*) FROM job WHERE done = false AND dead = false AND run_at_ms <= {app_now}")).await?;
        quiet = if due == 0 { quiet + 1 } else { 0 };
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    // The subscribers must have caught up with every event committed so far
    // (later ones, from jobs still coming due on the fast clock, may or may
    // not have arrived, and are not judged).
    let last = scalar(&pool, "SELECT COALESCE(MAX(position), 0) FROM outbox_event").await?;
    let caught_up = Instant::now() + Duration::from_secs(20);
    while Instant::now() < caught_up {
        let mut all = true;
        for (i, seen) in followed.iter().enumerate() {
            let company = i64::try_from(i).unwrap_or(0) + 1;
            let want = scalar(&pool, &format!("SELECT COUNT(*) FROM outbox_event WHERE company_id = {company} AND topic = 'INVOICE_SALE' AND position <= {last}")).await?;
            let got = seen.lock().await.iter().filter(|s| **s <= last).count();
            all &= i64::try_from(got).unwrap_or(0) >= want;
        }
        if all {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    stop.store(1, Ordering::Relaxed);

    // The books.
    let mut violations: Vec<String> = shared.wrong.lock().await.clone();
    let mut check = |n: i64, what: &str| {
        if n != 0 {
            violations.push(format!("{n} {what}"));
        }
    };
    check(scalar(&pool, "SELECT COUNT(*) FROM (SELECT voucher_id FROM voucher_row GROUP BY voucher_id HAVING SUM(debit_ore) <> SUM(credit_ore)) v").await?, "vouchers that do not balance");
    check(scalar(&pool, "SELECT COUNT(*) FROM company c WHERE payments_balance_ore <> (SELECT COALESCE(SUM(amount_ore), 0) FROM statement_entry s WHERE s.company_id = c.id)").await?, "companies whose balance is not the sum of their statement");
    check(scalar(&pool, "SELECT COUNT(*) FROM (SELECT subject_id FROM outbox_event WHERE topic = 'INVOICE_SALE' AND kind IN ('APPROVED', 'DENIED', 'WITHDRAWN') GROUP BY subject_id HAVING COUNT(*) > 1) d").await?, "sales decided more than once");
    check(scalar(&pool, "SELECT COUNT(*) FROM (SELECT sale_id FROM statement_entry WHERE kind = 'PAYOUT' AND sale_id IS NOT NULL GROUP BY sale_id HAVING COUNT(*) > 1) p").await?, "sales paid out more than once");
    check(scalar(&pool, "SELECT COUNT(*) FROM (SELECT sale_id FROM statement_entry WHERE kind = 'INVOICE_SOLD' GROUP BY sale_id HAVING COUNT(*) > 1) p").await?, "sales booked more than once");
    check(scalar(&pool, "SELECT COUNT(*) FROM invoice i WHERE EXISTS (SELECT 1 FROM invoice_sale s WHERE s.invoice_id = i.id AND s.status NOT IN ('DENIED', 'WITHDRAWN')) AND EXISTS (SELECT 1 FROM nox_case k WHERE k.invoice_id = i.id AND k.status NOT IN ('REJECTED', 'RECALLED'))").await?, "invoices both sold and handed over");
    check(scalar(&pool, "SELECT COUNT(*) FROM company c WHERE \
        COALESCE((SELECT bought_sales || '/' || bought_ore || '/' || outstanding_ore FROM sale_tally t WHERE t.company_id = c.id), '0/0/0') <> \
        (SELECT COUNT(*) || '/' || COALESCE(SUM(amount_ore), 0) || '/' || COALESCE(SUM(amount_ore - collected_ore), 0) FROM invoice_sale s \
         WHERE s.company_id = c.id AND s.status IN ('APPROVED', 'PAID_OUT'))").await?, "companies whose sale tally is not the sum of their bought sales");
    check(
        scalar(
            &pool,
            "SELECT COUNT(*) FROM company c WHERE \
        COALESCE((SELECT deciding_ore FROM sale_tally t WHERE t.company_id = c.id), 0) <> \
        (SELECT COALESCE(SUM(amount_ore), 0) FROM invoice_sale s \
         WHERE s.company_id = c.id AND s.status IN ('PROCESSING', 'SPOT_CHECK'))",
        )
        .await?,
        "companies whose sale tally is not the sum of their sales being decided",
    );
    check(scalar(&pool, "SELECT COUNT(*) FROM customer u WHERE \
        COALESCE((SELECT outstanding_ore || '/' || deciding_ore FROM recipient_tally r \
         WHERE r.company_id = u.company_id AND r.customer_id = u.id), '0/0') <> \
        (SELECT COALESCE(SUM(CASE WHEN s.status IN ('APPROVED', 'PAID_OUT') THEN s.amount_ore - s.collected_ore ELSE 0 END), 0) \
         || '/' || COALESCE(SUM(CASE WHEN s.status IN ('PROCESSING', 'SPOT_CHECK') THEN s.amount_ore ELSE 0 END), 0) \
         FROM invoice_sale s WHERE s.company_id = u.company_id AND s.customer_id = u.id)").await?, "recipients whose tally is not the sum of their sales");
    check(scalar(&pool, "SELECT COUNT(*) FROM nox_case WHERE capital_collected_ore + fees_collected_ore + interest_collected_ore <> kept_ore + paid_out_ore + payout_pending_ore").await?, "cases whose collections are not paid out or kept");
    check(
        scalar(
            &pool,
            "SELECT COUNT(*) FROM invoice WHERE CASE WHEN credits_invoice_id IS NULL \
             THEN balance_ore < 0 OR balance_ore > total_ore - credited_ore \
             ELSE balance_ore <> 0 OR total_ore >= 0 OR credited_ore <> 0 END",
        )
        .await?,
        "invoices with an impossible balance",
    );
    check(
        scalar(
            &pool,
            "SELECT COUNT(*) FROM invoice i WHERE i.credited_ore <> \
        (SELECT COALESCE(-SUM(n.total_ore), 0) FROM invoice n WHERE n.credits_invoice_id = i.id) \
        OR i.credited_ore <> (SELECT COALESCE(SUM(p.amount_ore), 0) FROM payment p \
         WHERE p.invoice_id = i.id AND p.payer = 'CREDIT_NOTE')",
        )
        .await?,
        "invoices whose credits are not the sum of their credit notes",
    );
    check(
        scalar(
            &pool,
            "SELECT COUNT(*) FROM invoice n WHERE n.credits_invoice_id IS NOT NULL \
        AND (SELECT COUNT(*) FROM payment p WHERE p.credit_note_id = n.id) <> 1",
        )
        .await?,
        "credit notes not paid in exactly once",
    );
    check(
        scalar(
            &pool,
            "SELECT COUNT(*) FROM invoice i WHERE i.house_work_paid_ore <> \
        (SELECT COALESCE(SUM(p.amount_ore), 0) FROM payment p \
         WHERE p.invoice_id = i.id AND p.payer = 'SKATTEVERKET') \
        OR i.house_work_paid_ore > COALESCE(i.house_work_deductible_ore, 0)",
        )
        .await?,
        "invoices whose Skatteverket part is not the sum of its payments, or above the tax reduction",
    );
    // Only denials lower a RUT invoice's reduction here: an edit drops the
    // house work and a credit without rows may take it off, and neither
    // happens to an invoice that keeps its reduction and has no credit.
    check(
        scalar(
            &pool,
            &format!(
                "SELECT COUNT(*) FROM invoice i WHERE i.house_work_deductible_ore IS NOT NULL \
        AND i.credited_ore = 0 AND i.house_work_deductible_ore + \
        (SELECT COALESCE(SUM(p.amount_ore), 0) FROM payment p \
         WHERE p.invoice_id = i.id AND p.payer = 'REDUCTION_DENIED') <> {}",
                HOUSE_WORK_DEDUCTIBLE.parse::<i64>()? * 100
            ),
        )
        .await?,
        "invoices whose tax reduction did not fall once for each denial recorded",
    );
    check(scalar(&pool, "SELECT COUNT(*) FROM invoice_sale s WHERE s.collected_ore > s.amount_ore \
        OR s.collected_ore <> (SELECT COALESCE(SUM(c.amount_ore), 0) FROM sale_collection c WHERE c.sale_id = s.id)").await?, "sales whose collected sum is not the sum of their collections");
    let app_now =
        origin_ms + (Utc::now().timestamp_millis() - origin_ms) * i64::from(args.clock_speed);
    check(scalar(&pool, &format!("SELECT COUNT(*) FROM job WHERE done = false AND dead = false AND run_at_ms <= {app_now} - 60000 * {}", args.clock_speed.max(1))).await?, "jobs stuck");
    check(
        scalar(&pool, "SELECT COUNT(*) FROM job WHERE dead = true").await?,
        "dead jobs",
    );
    // Every subscriber saw its company's sale events once each, in order.
    let mut events = 0;
    for (i, seen) in followed.iter().enumerate() {
        let seen = seen.lock().await.clone();
        events += seen.len();
        let company = i64::try_from(i).unwrap_or(0) + 1;
        let expected: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT position FROM outbox_event WHERE company_id = {company} AND topic = 'INVOICE_SALE' AND position <= {last} ORDER BY position")))
            .fetch_all(&pool)
            .await?;
        let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
        for s in &seen {
            *counts.entry(*s).or_default() += 1;
        }
        let doubles = counts.values().filter(|n| **n > 1).count();
        let missed: Vec<i64> = expected
            .iter()
            .filter(|s| !counts.contains_key(s))
            .copied()
            .collect();
        let missing = missed.len();
        let ordered = seen.windows(2).all(|w| w[0] < w[1]);
        if doubles > 0 || missing > 0 || !ordered {
            // Where the missed ones lie: before the last event it saw (lost)
            // or after it (not caught up).
            let last_seen = seen.last().copied().unwrap_or(0);
            let first: Vec<i64> = missed.iter().take(5).copied().collect();
            violations.push(format!(
                "subscriber {i}: {missing} events missed (positions {first:?}, last seen {last_seen}, last written {last}), {doubles} repeated, in order: {ordered}"
            ));
        }
    }
    let sales = scalar(&pool, "SELECT COUNT(*) FROM invoice_sale").await?;
    let cases = scalar(&pool, "SELECT COUNT(*) FROM nox_case").await?;
    let payouts = scalar(
        &pool,
        "SELECT COUNT(*) FROM statement_entry WHERE kind = 'PAYOUT'",
    )
    .await?;
    let credit_notes = scalar(
        &pool,
        "SELECT COUNT(*) FROM invoice WHERE credits_invoice_id IS NOT NULL",
    )
    .await?;
    let denials = scalar(
        &pool,
        "SELECT COUNT(*) FROM payment WHERE payer = 'REDUCTION_DENIED'",
    )
    .await?;
    let collections = scalar(&pool, "SELECT COUNT(*) FROM sale_collection").await?;
    pool.close().await;
    for mut i in instances {
        if let Some(child) = i.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
    if !args.keep {
        let mut c = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .execute(&mut c)
        .await?;
    }
    let counts = &shared.counts;
    Ok(Report {
        ops: counts.ops.load(Ordering::Relaxed),
        refused: counts.refused.load(Ordering::Relaxed),
        unavailable: counts.unavailable.load(Ordering::Relaxed),
        internal: counts.internal.load(Ordering::Relaxed),
        kills,
        db_restarts,
        sales,
        cases,
        payouts,
        credit_notes,
        denials,
        collections,
        events,
        violations,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn restart_postgres() -> Result<()> {
    let version = std::fs::read_dir("/etc/postgresql")?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .next()
        .context("no PostgreSQL cluster in /etc/postgresql")?;
    let status = std::process::Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version, "main", "restart"])
        .status()?;
    if !status.success() {
        bail!("restarting PostgreSQL failed: {status}");
    }
    Ok(())
}
