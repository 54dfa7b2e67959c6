//! What the load tools share: the server as a child process on a fresh
//! database, seeded companies and tokens, GraphQL over HTTP, and invoices
//! made ready for sale.
#![allow(dead_code)] // each tool uses its own part

use std::io::{BufRead, Write};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

// The tools start the server as a child process of their own binary, so it
// gets the allocator the server's binary has (`src/main.rs`): what is
// measured is what runs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A valid Swedish organisation number (Luhn check digit) from a counter.
pub fn organisation_number(i: usize) -> String {
    let body = format!("55{:07}", 1_000_000 + i);
    let sum: u32 = body
        .chars()
        .enumerate()
        .map(|(k, c)| {
            let d = c.to_digit(10).unwrap_or(0) * if k % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    format!("{}-{}{check}", &body[..6], &body[6..])
}

/// The child's side of [`start_server`]: the arguments it is started with.
#[derive(clap::Args, Debug)]
pub struct ChildArgs {
    /// Internal: run the server on this database URL and print its tokens.
    #[arg(long, hide = true)]
    pub serve: Option<String>,
    /// Internal: how many companies the server seeds.
    #[arg(long, hide = true, default_value_t = 1)]
    pub seed_companies: usize,
    /// Internal: seconds before the server processes a sale.
    #[arg(long, hide = true, default_value_t = 0)]
    pub sale_delay_secs: i64,
}

/// Resolves when the parent closes this process's stdin (or exits).
pub async fn stdin_closed() {
    let _ = tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        while std::io::stdin().lock().read_line(&mut sink).unwrap_or(0) > 0 {
            sink.clear();
        }
    })
    .await;
}

/// Child mode: the server, with companies and tokens seeded; prints one JSON
/// line, serves until stdin closes.
pub async fn serve(url: &str, companies: usize, sale_delay_secs: i64) -> Result<()> {
    use invoice_finance::store::{Role, companies as co, tokens};
    // RUST_LOG=warn shows the server's log; without it the server runs with
    // no subscriber, as the figures in BENCHMARKS.md were taken.
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
    let mut settings = invoice_finance::config::Settings::for_database(url);
    settings.sale_processing_delay_secs = sale_delay_secs;
    settings.worker_poll_ms = 50;
    settings.event_poll_ms = 500;
    // The one setting a run may vary from the environment.
    if let Ok(v) = std::env::var("DATABASE_POOL_SIZE") {
        settings.database_pool_size = v.parse().context("DATABASE_POOL_SIZE")?;
    }
    let state = invoice_finance::app::open_state(
        settings.clone(),
        Arc::new(invoice_finance::clock::SystemClock),
    )
    .await?;
    let now = chrono::Utc::now();
    let mut list = Vec::new();
    for i in 0..companies {
        let c = co::create(
            &state.db,
            &format!("Load AB {i}"),
            &organisation_number(i),
            now,
        )
        .await?;
        list.push(tokens::create_simple(&state.db, Some(c.id), Role::Company, "load", now).await?);
    }
    let operator = tokens::create_simple(&state.db, None, Role::Operator, "load", now).await?;
    let app = invoice_finance::app::Application::with_state(state, settings.bind_addr).await?;
    let line = json!({ "addr": app.addr().to_string(), "companies": list, "operator": operator });
    println!("{line}");
    std::io::stdout().flush()?;
    app.run_until(stdin_closed()).await?;
    Ok(())
}

pub struct Server {
    pub child: std::process::Child,
    pub base: String,
    pub companies: Vec<String>,
    pub operator: String,
}

impl Server {
    pub fn rss_kb(&self) -> u64 {
        proc_field(self.child.id(), "status", "VmRSS:")
    }

    /// User + system CPU time of the server so far, in clock ticks.
    pub fn cpu_ticks(&self) -> u64 {
        let (user, system) = self.cpu_split();
        user + system
    }

    /// The server's CPU time so far in user space and in the kernel, in
    /// clock ticks.
    pub fn cpu_split(&self) -> (u64, u64) {
        proc_cpu_split(&format!("/proc/{}/stat", self.child.id()))
            .map_or((0, 0), |(_, u, s)| (u, s))
    }
}

/// User + system CPU time so far, in clock ticks, of every process on this
/// machine named `postgres` (the server's backends and its own processes),
/// or `None` when there is none to see (a database elsewhere). A backend that
/// exits between two readings takes its time with it, so read around a span
/// in which the pool keeps its connections.
pub fn postgres_cpu_ticks() -> Option<u64> {
    let mut seen = false;
    let mut ticks = 0;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        if let Some((comm, t)) = proc_cpu_ticks(&entry.path().join("stat").to_string_lossy())
            && comm == "postgres"
        {
            seen = true;
            ticks += t;
        }
    }
    seen.then_some(ticks)
}

/// A process's command name and its user + system CPU time in clock ticks,
/// from its `/proc/PID/stat`.
fn proc_cpu_ticks(path: &str) -> Option<(String, u64)> {
    proc_cpu_split(path).map(|(comm, user, system)| (comm, user + system))
}

/// A process's command name and its user and system CPU time, in clock ticks.
fn proc_cpu_split(path: &str) -> Option<(String, u64, u64)> {
    let stat = std::fs::read_to_string(path).ok()?;
    let (head, rest) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_string();
    // Fields after the parenthesised command: utime is the 12th, stime the 13th.
    let f: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Some((comm, get(11), get(12)))
}

fn proc_field(pid: u32, file: &str, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub fn start_server(database_url: &str, companies: usize, sale_delay_secs: i64) -> Result<Server> {
    let exe = std::env::current_exe()?;
    let mut child = std::process::Command::new(exe)
        .args([
            "--serve",
            database_url,
            "--seed-companies",
            &companies.to_string(),
            "--sale-delay-secs",
            &sale_delay_secs.to_string(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("starting the server")?;
    let stdout = child.stdout.take().context("server stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let v: Value = serde_json::from_str(&line).context("the server's first line")?;
    let list = v["companies"]
        .as_array()
        .context("companies")?
        .iter()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    Ok(Server {
        child,
        base: format!("http://{}", v["addr"].as_str().context("addr")?),
        companies: list,
        operator: v["operator"].as_str().context("operator")?.to_string(),
    })
}

pub async fn gql(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    query: &str,
    vars: Value,
) -> Result<Value> {
    let resp: Value = http
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": vars }))
        .send()
        .await?
        .json()
        .await?;
    if resp.get("errors").is_some() {
        bail!("GraphQL error: {resp}");
    }
    Ok(resp["data"].clone())
}

/// One invoice to sell: its company token, id and number.
#[derive(Clone)]
pub struct Target {
    pub token: String,
    pub id: String,
    pub number: String,
}

/// Per company: activate invoice sale, create a customer and `n` invoices.
pub async fn prepare(
    server: &Server,
    http: &reqwest::Client,
    company: usize,
    n: usize,
) -> Result<Vec<Target>> {
    let token = &server.companies[company];
    let base = &server.base;
    let viewer = gql(http, base, token, "{ viewer { id } }", json!({})).await?;
    gql(
        http,
        base,
        &server.operator,
        "mutation($c: ID!, $a: AgreementInput!) { activateInvoiceSale(companyId: $c, agreement: $a) { active } }",
        json!({ "c": viewer["viewer"]["id"], "a": { "fixedFee": "19.90", "percentageFee": "2.9", "minimumFee": "0", "customerCreditLimit": "10000000", "totalCreditLimit": "100000000" } }),
    )
    .await?;
    let customer = gql(
        http,
        base,
        token,
        "mutation($i: CustomerInput!) { createCustomer(input: $i) { id } }",
        json!({ "i": { "name": "Byggvaruhuset AB", "organisationNumber": "559345-6782", "email": "faktura@bygg.example", "phone": "090-123456", "address": { "street": "Storgatan 1", "postalCode": "903 26", "city": "Umeå" } } }),
    )
    .await?["createCustomer"]["id"]
        .clone();
    let today = chrono::Utc::now().date_naive().to_string();
    let mut out = Vec::new();
    for _ in 0..n {
        let inv = gql(
            http,
            base,
            token,
            "mutation($i: InvoiceInput!) { createInvoice(input: $i) { id invoiceNumber } }",
            json!({ "i": { "customerId": customer, "invoiceDate": today, "termsOfPayment": "30", "rows": [{ "description": "Work", "quantity": "1", "unitPrice": "800", "vatRate": "25" }] } }),
        )
        .await?;
        out.push(Target {
            token: token.clone(),
            id: inv["createInvoice"]["id"]
                .as_str()
                .context("id")?
                .to_string(),
            number: inv["createInvoice"]["invoiceNumber"]
                .as_str()
                .context("number")?
                .to_string(),
        });
    }
    Ok(out)
}

/// Runs `f` on a fresh database: on the PostgreSQL server of `admin` (a
/// database created and dropped), on `admin` itself when it is another URL,
/// or on a temporary SQLite file.
pub async fn on_fresh_database<F, Fut>(admin: Option<&str>, prefix: &str, f: F) -> Result<()>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    use sqlx::Connection;
    let tmp = std::env::temp_dir().join(format!("{prefix}-{}.sqlite", std::process::id()));
    let (database_url, drop_pg) = match admin {
        Some(admin) if admin.starts_with("postgres") => {
            let name = format!("{prefix}_{}", std::process::id()).replace('-', "_");
            let mut c = sqlx::PgConnection::connect(admin).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .execute(&mut c)
                .await?;
            // The admin URL's parameters (`?options=...`) go along.
            let (path, query) = admin.split_once('?').map_or((admin, ""), |(p, q)| (p, q));
            let base = path.rsplit_once('/').map_or(path, |(b, _)| b);
            let query = if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            };
            (
                format!("{base}/{name}{query}"),
                Some((admin.to_string(), name)),
            )
        }
        Some(other) => (other.to_string(), None),
        None => (format!("sqlite://{}?mode=rwc", tmp.display()), None),
    };
    let outcome = f(database_url).await;
    if let Some((admin, name)) = drop_pg {
        let mut c = sqlx::PgConnection::connect(&admin).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .execute(&mut c)
        .await?;
    }
    let _ = std::fs::remove_file(&tmp);
    outcome
}

/// Stops a server started by [`start_server`]: closing its stdin ends it.
pub fn stop(mut server: Server) {
    drop(server.child.stdin.take());
    let _ = server.child.wait();
}

/// The value at percentile `p` of sorted samples.
pub fn percentile(sorted: &[std::time::Duration], p: f64) -> std::time::Duration {
    if sorted.is_empty() {
        return std::time::Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Milliseconds with one decimal.
pub fn ms(d: std::time::Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}
