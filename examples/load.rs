//! Load tool for live subscriptions.
//!
//! Starts the server as a child process (this same binary with `--serve`) on a
//! fresh database, opens N concurrent `notifications` subscriptions over
//! graphql-transport-ws spread over C companies, drives M events through real
//! `sellInvoice` mutations at a steady rate, and reports per-event delivery
//! latency (p50, p99, max, from just before the mutation is sent to the
//! subscriber reading the event), events lost and duplicated, the server's RSS
//! per idle subscription, and its CPU use while events flow. The baseline in
//! the same run is the mutation's own HTTP round trip.
//!
//! ```text
//! cargo run --release --example load -- --subscribers 1000 --events 200 --companies 100
//! cargo run --release --example load -- --subscribers 10000 --events 200 --companies 1000
//! ```
//!
//! With `--database-url postgres://…/db` the tool creates (and drops) a fresh
//! database next to the one named; without it, a temporary SQLite file.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Mutex, Semaphore, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use common::{
    ChildArgs, Server, Target, gql, ms, on_fresh_database, percentile, prepare, serve,
    start_server, stop,
};

#[derive(Parser, Debug)]
#[command(about = "Subscription load test: N subscribers, M events through real mutations")]
struct Args {
    /// Concurrent subscriptions.
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Events (sold invoices) to drive.
    #[arg(long, default_value_t = 200)]
    events: usize,
    /// Companies the subscribers and events are spread over (round robin).
    #[arg(long, default_value_t = 100)]
    companies: usize,
    /// Subscriptions per WebSocket connection.
    #[arg(long, default_value_t = 1)]
    per_connection: usize,
    /// Events per second.
    #[arg(long, default_value_t = 20)]
    rate: u32,
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
    if args.companies == 0 || args.subscribers == 0 || args.per_connection == 0 {
        bail!("--companies, --subscribers and --per-connection must be at least 1");
    }
    run(args).await
}

/// A delivery: which subscriber saw which event, when.
struct Delivery {
    subscriber: usize,
    key: String,
    at: Instant,
}

const SUBSCRIPTION: &str =
    "subscription { notifications { cursor notification { kind message } } }";

/// What every subscriber task shares with the driver.
#[derive(Clone)]
struct Wiring {
    /// Subscriptions registered so far.
    ready: Arc<AtomicUsize>,
    /// Where deliveries go.
    tx: mpsc::UnboundedSender<Delivery>,
    /// Limits concurrent handshakes.
    connect: Arc<Semaphore>,
}

/// One WebSocket connection with `subs` subscriptions, numbered from `first`.
async fn subscriber(
    base: String,
    token: String,
    first: usize,
    subs: usize,
    company: usize,
    wiring: Wiring,
) -> Result<()> {
    let Wiring { ready, tx, connect } = wiring;
    let url = format!("{}/graphql", base.replace("http://", "ws://"));
    let mut req = url.into_client_request()?;
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse()?);
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let permit = connect.acquire().await?;
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(config), true).await?;
    ws.send(Message::Text(
        json!({"type": "connection_init", "payload": {"Authorization": format!("Bearer {token}")}})
            .to_string()
            .into(),
    ))
    .await?;
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) if t.contains("connection_ack") => break,
            Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_))) => continue,
            other => bail!("no ack: {other:?}"),
        }
    }
    for k in 0..subs {
        ws.send(Message::Text(
            json!({"type": "subscribe", "id": (first + k).to_string(), "payload": {"query": SUBSCRIPTION}})
                .to_string()
                .into(),
        ))
        .await?;
    }
    drop(permit);
    // The server registers a subscription when it reads the message; a ping
    // round trip proves it has read them all.
    ws.send(Message::Text(json!({"type": "ping"}).to_string().into()))
        .await?;
    let mut counted = false;
    while let Some(msg) = ws.next().await {
        let Ok(Message::Text(t)) = msg else { continue };
        let at = Instant::now();
        let v: Value = serde_json::from_str(&t)?;
        match v["type"].as_str() {
            Some("pong") if !counted => {
                counted = true;
                ready.fetch_add(subs, Ordering::Relaxed);
            }
            Some("next") => {
                let subscriber = v["id"]
                    .as_str()
                    .and_then(|i| i.parse().ok())
                    .unwrap_or(usize::MAX);
                let message = v["payload"]["data"]["notifications"]["notification"]["message"]
                    .as_str()
                    .unwrap_or("");
                // "Invoice {number} has been sent for sale"
                let number = message.split_whitespace().nth(1).unwrap_or("");
                let key = format!("{company}:{number}");
                let _ = tx.send(Delivery {
                    subscriber,
                    key,
                    at,
                });
            }
            Some("error") => bail!("subscription error: {v}"),
            _ => {}
        }
    }
    Ok(())
}

/// The server's metrics text.
async fn metrics(http: &reqwest::Client, server: &Server) -> Result<String> {
    Ok(http
        .get(format!("{}/metrics", server.base))
        .bearer_auth(&server.operator)
        .send()
        .await?
        .text()
        .await?)
}

/// The cumulative buckets of the server's delivery lag histogram, as (upper
/// bound in seconds, deliveries at most that late), the last one `+Inf`.
fn delivery_lag(metrics: &str) -> Vec<(f64, u64)> {
    metrics
        .lines()
        .filter_map(|l| l.strip_prefix("invoice_finance_delivery_lag_seconds_bucket{le=\""))
        .filter_map(|rest| {
            let (le, count) = rest.split_once("\"} ")?;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().ok()?
            };
            Some((le, count.trim().parse().ok()?))
        })
        .collect()
}

async fn run(args: Args) -> Result<()> {
    let admin = args.database_url.clone();
    on_fresh_database(admin.as_deref(), "ifin-load", |database_url| async move {
        // Only the events the tool drives: no sale is processed during the run.
        let server = start_server(&database_url, args.companies, 86_400)?;
        let outcome = measure(&args, &server, &database_url).await;
        stop(server);
        outcome
    })
    .await
}

async fn measure(args: &Args, server: &Server, database_url: &str) -> Result<()> {
    let http = reqwest::Client::new();
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    eprintln!(
        "server pid {} on {} ({backend}); preparing {} companies",
        server.child.id(),
        server.base,
        args.companies
    );
    // Invoices: event i belongs to company i % C.
    let per_company = args.events.div_ceil(args.companies);
    let mut targets: Vec<Vec<Target>> = Vec::new();
    for c in 0..args.companies {
        let n = (0..args.events)
            .filter(|i| i % args.companies == c)
            .count()
            .min(per_company);
        targets.push(prepare(server, &http, c, n).await?);
    }
    let rss_before = server.rss_kb();

    // Subscribers: subscriber j belongs to company (j / per_connection) % C.
    eprintln!("opening {} subscriptions", args.subscribers);
    let ready = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let connect = Arc::new(Semaphore::new(64));
    let mut expected_per_company = vec![0usize; args.companies];
    let mut company_of_sub = Vec::with_capacity(args.subscribers);
    let mut first = 0;
    let mut conn = 0;
    let mut handles = Vec::new();
    while first < args.subscribers {
        let subs = args.per_connection.min(args.subscribers - first);
        let company = conn % args.companies;
        expected_per_company[company] += subs;
        company_of_sub.extend(std::iter::repeat_n(company, subs));
        handles.push(tokio::spawn(subscriber(
            server.base.clone(),
            server.companies[company].clone(),
            first,
            subs,
            company,
            Wiring {
                ready: ready.clone(),
                tx: tx.clone(),
                connect: connect.clone(),
            },
        )));
        first += subs;
        conn += 1;
    }
    drop(tx);
    let opened = Instant::now();
    while ready.load(Ordering::Relaxed) < args.subscribers {
        if handles.iter().any(|h| h.is_finished()) {
            for h in handles.iter_mut().filter(|h| h.is_finished()) {
                h.await??;
            }
        }
        if opened.elapsed() > Duration::from_secs(300) {
            bail!(
                "only {} of {} subscriptions opened",
                ready.load(Ordering::Relaxed),
                args.subscribers
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let open_secs = opened.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = server.rss_kb();
    let held = {
        let m = metrics(&http, server).await?;
        m.lines()
            .find_map(|l| l.strip_prefix("invoice_finance_ws_subscriptions "))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    eprintln!(
        "{held} subscriptions held after {open_secs:.1} s; driving {} events at {}/s",
        args.events, args.rate
    );

    // Drive the events.
    let sent: Arc<Mutex<HashMap<String, (Instant, usize)>>> = Arc::new(Mutex::new(HashMap::new()));
    let round_trips: Arc<Mutex<Vec<Duration>>> = Arc::new(Mutex::new(Vec::new()));
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate.max(1)));
    let cpu_before = server.cpu_split();
    let lag_before = delivery_lag(&metrics(&http, server).await?);
    let drive_start = Instant::now();
    let mut next = vec![0usize; args.companies];
    let mut mutations = Vec::new();
    for i in 0..args.events {
        let c = i % args.companies;
        let Some(t) = targets[c].get(next[c]).cloned() else {
            continue;
        };
        next[c] += 1;
        tokio::time::sleep_until((drive_start + interval * i as u32).into()).await;
        let (http, base, sent, round_trips) = (
            http.clone(),
            server.base.clone(),
            sent.clone(),
            round_trips.clone(),
        );
        mutations.push(tokio::spawn(async move {
            let q = gql(&http, &base, &t.token, "query($id: ID!) { invoiceSaleQuote(invoiceId: $id) { quoteId } }", json!({ "id": t.id })).await?;
            let t0 = Instant::now();
            sent.lock().await.insert(format!("{c}:{}", t.number), (t0, c));
            gql(
                &http,
                &base,
                &t.token,
                "mutation($i: SellInvoiceInput!) { sellInvoice(input: $i) { id } }",
                json!({ "i": { "invoiceId": t.id, "quoteId": q["invoiceSaleQuote"]["quoteId"], "idempotencyKey": format!("load-{c}-{}", t.number) } }),
            )
            .await?;
            round_trips.lock().await.push(t0.elapsed());
            anyhow::Ok(())
        }));
    }
    for m in mutations {
        m.await??;
    }
    let drive_secs = drive_start.elapsed().as_secs_f64();
    let sent = sent.lock().await.clone();
    let expected: usize = sent.values().map(|(_, c)| expected_per_company[*c]).sum();

    // Collect deliveries until all expected arrived or 10 s of quiet.
    let mut deliveries = Vec::new();
    while deliveries.len() < expected {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(d)) => deliveries.push(d),
            _ => break,
        }
    }
    let cpu_after = server.cpu_split();
    let (user_ticks, system_ticks) = (
        cpu_after.0.saturating_sub(cpu_before.0),
        cpu_after.1.saturating_sub(cpu_before.1),
    );
    let cpu_ticks = user_ticks + system_ticks;
    let lag: Vec<(f64, u64)> = delivery_lag(&metrics(&http, server).await?)
        .into_iter()
        .zip(&lag_before)
        .map(|((le, n), (_, before))| (le, n.saturating_sub(*before)))
        .collect();
    let busy_secs = drive_start.elapsed().as_secs_f64();
    let ticks_per_sec = 100.0; // USER_HZ on Linux
    let cpu_pct = cpu_ticks as f64 / ticks_per_sec / busy_secs * 100.0;

    let mut seen = std::collections::HashSet::new();
    let mut latencies = Vec::new();
    let mut duplicates = 0usize;
    let mut stray = 0usize;
    for d in &deliveries {
        let Some((t0, c)) = sent.get(&d.key) else {
            stray += 1;
            continue;
        };
        if company_of_sub.get(d.subscriber) != Some(c) {
            stray += 1;
            continue;
        }
        if !seen.insert((d.subscriber, d.key.clone())) {
            duplicates += 1;
            continue;
        }
        latencies.push(d.at.saturating_duration_since(*t0));
    }
    latencies.sort();
    let lost = expected.saturating_sub(seen.len());
    let mut rt = round_trips.lock().await.clone();
    rt.sort();
    let per_sub = (rss_idle.saturating_sub(rss_before)) as f64 * 1024.0 / args.subscribers as f64;
    let p50 = percentile(&latencies, 50.0);
    let rt50 = percentile(&rt, 50.0);

    println!(
        "## {} subscribers, {} companies, {} events at {}/s, {backend}",
        args.subscribers,
        args.companies,
        sent.len(),
        args.rate
    );
    println!();
    println!("| measure | value |");
    println!("|---|---|");
    println!(
        "| subscriptions held | {held} of {} (opened in {open_secs:.1} s) |",
        args.subscribers
    );
    println!(
        "| deliveries expected / received | {expected} / {} |",
        seen.len()
    );
    println!("| lost / duplicated / foreign | {lost} / {duplicates} / {stray} |");
    println!(
        "| delivery latency p50 / p99 / max | {} / {} ms / {} ms |",
        ms(p50),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    // The server's own share: from the event's commit to the frame written
    // into the subscriber's socket (its `delivery_lag_seconds` histogram),
    // without the load tool's reading.
    let written = lag.last().map_or(0, |(_, n)| *n);
    let within = |limit: f64| {
        lag.iter()
            .find(|(le, _)| (*le - limit).abs() < 1e-9)
            .map_or(0, |(_, n)| *n)
    };
    let bound = |q: f64| {
        lag.iter()
            .find(|(_, n)| *n as f64 >= q * written as f64)
            .map_or(f64::INFINITY, |(le, _)| *le)
    };
    println!(
        "| server side, commit to socket write: p50 / p99 at most | {} / {} ms ({:.1} % within 100 ms, of {written}) |",
        bound(0.5) * 1000.0,
        bound(0.99) * 1000.0,
        within(0.1) as f64 * 100.0 / written.max(1) as f64
    );
    println!(
        "| baseline: sellInvoice round trip p50 / p99 | {} / {} ms |",
        ms(rt50),
        ms(percentile(&rt, 99.0))
    );
    println!(
        "| delivery p50 / mutation round trip p50 | {:.2} |",
        p50.as_secs_f64() / rt50.as_secs_f64().max(1e-9)
    );
    println!(
        "| server RSS before / with idle subscriptions | {} / {} MiB |",
        rss_before / 1024,
        rss_idle / 1024
    );
    println!(
        "| server RSS per idle subscription | {:.1} KB |",
        per_sub / 1000.0
    );
    println!(
        "| server CPU while events flowed | {cpu_pct:.0} % of one core over {busy_secs:.1} s (driving took {drive_secs:.1} s) |"
    );
    // Everything the server did meanwhile (the mutations too) over the
    // deliveries: with many subscribers, nearly all of it is delivering.
    println!(
        "| server CPU a delivery | {:.1} µs, {:.0} % of it in the kernel |",
        cpu_ticks as f64 / ticks_per_sec * 1e6 / seen.len().max(1) as f64,
        system_ticks as f64 * 100.0 / cpu_ticks.max(1) as f64
    );
    Ok(())
}
