//! Sales throughput: invoices quoted, sold and decided end to end.
//!
//! Starts the server as a child process (this same binary with `--serve`) on a
//! fresh database, activates invoice sale for C companies, creates N invoices
//! for them, and then, with K concurrent clients, asks for each invoice's
//! quote and sells it (`invoiceSaleQuote`, then `sellInvoice`). The server's
//! own job loop processes each sale at once: the rule engine either decides
//! it or selects a spot check, which operator clients (eight at a time)
//! resolve as confirmed (`spotCheckQueue`, `resolveSpotCheck`) as soon as it
//! appears. The run ends
//! when every sale is decided (approved, denied or paid out) and reports:
//! sales per second quoted and sold, sales per second decided end to end, the
//! round trips, and the CPU a sale takes in the server and (on this machine)
//! in PostgreSQL. `RUST_LOG=warn` shows the server's log.
//!
//! ```text
//! cargo run --release --example sales -- --database-url postgres://postgres@127.0.0.1:5432/postgres
//! cargo run --release --example sales -- --sales 2000 --companies 10 --concurrency 32
//! ```
//!
//! With `--database-url postgres://…/db` the tool creates (and drops) a fresh
//! database next to the one named; without it, a temporary SQLite file.

mod common;

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use serde_json::json;
use tokio::sync::Mutex;

use common::{
    ChildArgs, Server, Target, gql, ms, on_fresh_database, percentile, prepare, serve,
    start_server, stop,
};

#[derive(Parser, Debug)]
#[command(about = "Sales throughput: quoted, sold and decided end to end")]
struct Args {
    /// Sales to make.
    #[arg(long, default_value_t = 5000)]
    sales: usize,
    /// Companies the sales are spread over.
    #[arg(long, default_value_t = 20)]
    companies: usize,
    /// Concurrent selling clients.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// PostgreSQL server to use (a fresh database is created on it); default:
    /// a temporary SQLite file.
    #[arg(long)]
    database_url: Option<String>,
    #[command(flatten)]
    child: ChildArgs,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(url) = &args.child.serve {
        let c = &args.child;
        return serve(url, c.seed_companies, c.sale_delay_secs).await;
    }
    if args.companies == 0 || args.sales == 0 || args.concurrency == 0 {
        bail!("--companies, --sales and --concurrency must be at least 1");
    }
    let admin = args.database_url.clone();
    on_fresh_database(admin.as_deref(), "ifin-sales", |url| async move {
        let server = start_server(&url, args.companies, 0)?;
        let outcome = measure(&args, &server, &url).await;
        stop(server);
        outcome
    })
    .await
}

const QUOTE: &str = "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { quoteId } }";
const SELL: &str = "mutation($i: SellInvoiceInput!) { sellInvoice(input: $i) { id } }";
const QUEUE: &str = "{ spotCheckQueue(first: 100) { nodes { id } } }";
const RESOLVE: &str =
    "mutation($s: ID!) { resolveSpotCheck(saleId: $s, outcome: CONFIRMED) { status } }";
const COUNT: &str =
    "query($s: InvoiceSaleStatus) { invoiceSales(status: $s, first: 0) { totalCount } }";

/// Sales of every company in `status`.
async fn count(http: &reqwest::Client, server: &Server, status: &str) -> Result<u64> {
    let mut n = 0;
    for token in &server.companies {
        let d = gql(http, &server.base, token, COUNT, json!({ "s": status })).await?;
        n += d["invoiceSales"]["totalCount"]
            .as_u64()
            .context("totalCount")?;
    }
    Ok(n)
}

/// Operators at work: every spot check in the queue confirmed, eight at a
/// time, until stopped; counts what they confirmed.
async fn confirm_spot_checks(
    http: reqwest::Client,
    base: String,
    operator: String,
    confirmed: Arc<AtomicUsize>,
) -> Result<()> {
    use futures_util::StreamExt;
    loop {
        let d = gql(&http, &base, &operator, QUEUE, json!({})).await?;
        let ids: Vec<String> = d["spotCheckQueue"]["nodes"]
            .as_array()
            .context("nodes")?
            .iter()
            .filter_map(|n| n["id"].as_str().map(str::to_string))
            .collect();
        if ids.is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let done: Vec<Result<()>> = futures_util::stream::iter(ids)
            .map(|s| {
                let (http, base, operator) = (&http, &base, &operator);
                async move {
                    gql(http, base, operator, RESOLVE, json!({ "s": s })).await?;
                    Ok(())
                }
            })
            .buffer_unordered(8)
            .collect()
            .await;
        for r in done {
            r?;
            confirmed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn measure(args: &Args, server: &Server, url: &str) -> Result<()> {
    let http = reqwest::Client::new();
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let per_company = args.sales.div_ceil(args.companies);
    eprintln!(
        "server pid {} on {} ({backend}); {} invoices for {} companies",
        server.child.id(),
        server.base,
        per_company * args.companies,
        args.companies
    );
    let mut made = Vec::new();
    for c in 0..args.companies {
        made.push(prepare(server, &http, c, per_company));
    }
    let mut queue: VecDeque<Target> = VecDeque::new();
    let mut lists = Vec::new();
    for m in made {
        lists.push(m.await?);
    }
    // Round robin over companies, as many clients of many companies would.
    for i in 0..per_company {
        for l in &lists {
            if let Some(t) = l.get(i) {
                queue.push_back(t.clone());
            }
        }
    }
    queue.truncate(args.sales);
    let total = queue.len();
    let queue = Arc::new(Mutex::new(queue));
    let round_trips = Arc::new(Mutex::new(Vec::with_capacity(total)));

    let cpu_before = server.cpu_ticks();
    let pg_before = common::postgres_cpu_ticks();
    let start = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..args.concurrency {
        let (http, base, queue, round_trips) = (
            http.clone(),
            server.base.clone(),
            queue.clone(),
            round_trips.clone(),
        );
        clients.push(tokio::spawn(async move {
            loop {
                let Some(t) = queue.lock().await.pop_front() else {
                    return anyhow::Ok(());
                };
                let t0 = Instant::now();
                let q = gql(&http, &base, &t.token, QUOTE, json!({ "id": t.id })).await?;
                let input = json!({ "i": { "invoiceId": t.id, "quoteId": q["invoiceSaleQuote"]["quoteId"], "idempotencyKey": format!("sales-{}", t.id) } });
                gql(&http, &base, &t.token, SELL, input).await?;
                round_trips.lock().await.push(t0.elapsed());
            }
        }));
    }
    // The operator: confirms spot checks while the clients sell.
    let confirmed = Arc::new(AtomicUsize::new(0));
    let decider = tokio::spawn(confirm_spot_checks(
        http.clone(),
        server.base.clone(),
        server.operator.clone(),
        confirmed.clone(),
    ));
    for c in clients {
        c.await??;
    }
    let sold_secs = start.elapsed().as_secs_f64();
    eprintln!("{total} sold in {sold_secs:.1} s; waiting for the decisions");
    let deadline = Instant::now() + Duration::from_secs(600);
    let decided = loop {
        if decider.is_finished() {
            decider.await??;
            bail!("the operator client stopped");
        }
        let mut open = 0;
        for status in ["PROCESSING", "SPOT_CHECK"] {
            open += count(&http, server, status).await?;
        }
        if open == 0 {
            break start.elapsed().as_secs_f64();
        }
        if Instant::now() > deadline {
            bail!("{open} sales still undecided after 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    decider.abort();
    let server_ticks = server.cpu_ticks() - cpu_before;
    let cpu = server_ticks as f64 / 100.0 / decided * 100.0;
    // CPU milliseconds a sale (clock ticks are 10 ms).
    let per_sale = |ticks: u64| ticks as f64 * 10.0 / total as f64;
    let pg_ticks = match (pg_before, common::postgres_cpu_ticks()) {
        (Some(a), Some(b)) if backend == "PostgreSQL" => Some(b.saturating_sub(a)),
        _ => None,
    };
    let mut outcome = Vec::new();
    for status in ["APPROVED", "PAID_OUT", "DENIED"] {
        outcome.push((status, count(&http, server, status).await?));
    }
    let finished: u64 = outcome.iter().map(|(_, n)| n).sum();
    if finished != total as u64 {
        bail!("{finished} of {total} sales decided");
    }
    let mut rt = round_trips.lock().await.clone();
    rt.sort();
    println!(
        "## {total} sales, {} companies, {} clients, {backend}",
        args.companies, args.concurrency
    );
    println!();
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| quoted and sold | {:.0} sales/s ({total} in {sold_secs:.1} s) |",
        total as f64 / sold_secs
    );
    println!(
        "| decided end to end | {:.0} sales/s ({total} in {decided:.1} s) |",
        total as f64 / decided
    );
    println!(
        "| quote + sell round trip p50 / p99 | {} / {} ms |",
        ms(percentile(&rt, 50.0)),
        ms(percentile(&rt, 99.0))
    );
    println!(
        "| outcome | {} |",
        outcome
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "| spot checks confirmed by the operators | {} |",
        confirmed.load(Ordering::Relaxed)
    );
    println!(
        "| server CPU | {cpu:.0} % of one core, {:.2} ms a sale |",
        per_sale(server_ticks)
    );
    if let Some(t) = pg_ticks {
        println!(
            "| PostgreSQL CPU (this machine's `postgres` processes) | {:.2} ms a sale |",
            per_sale(t)
        );
    }
    Ok(())
}
