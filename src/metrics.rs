//! What `/metrics` shows, in the Prometheus text format, kept with the
//! `prometheus` crate in a registry of each app's own (no process-wide
//! registry: two apps in one process, as in the tests, count apart).
//!
//! Request and SQL durations are histograms; WebSockets, subscriptions and
//! deliveries are gauges and counters updated as they happen; the job queue,
//! the oldest due job, the spot-check queue and the outbox lag are read from
//! the database when scraped.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntGauge, Opts, Registry,
    TextEncoder,
};

/// Distinct operation names kept as labels; later ones count as `other`, so
/// that clients cannot grow the series without bound.
const MAX_OPERATION_NAMES: usize = 200;

/// The app's metrics.
pub struct Metrics {
    registry: Registry,
    /// SQL statements executed.
    pub db_queries: IntCounter,
    sql_seconds: HistogramVec,
    /// GraphQL HTTP requests served.
    pub graphql_requests: IntCounter,
    request_seconds: HistogramVec,
    /// Open WebSocket connections.
    pub ws_connections: IntGauge,
    /// Running WebSocket subscriptions.
    pub ws_subscriptions: IntGauge,
    /// Subscription messages written to sockets.
    pub event_deliveries: IntCounter,
    event_lag: Histogram,
    delivery_lag: Histogram,
    /// Restarts of the worker and the hub after a panic.
    pub task_restarts: IntCounter,
    /// Worker passes that found no job due.
    pub worker_idle_passes: IntCounter,
    /// Invoice reads (a page, one invoice, a send-view page) narrower than
    /// whole records.
    pub brief_invoice_reads: IntCounter,
    job_queue: IntGauge,
    oldest_due_job: prometheus::Gauge,
    spot_check_queue: IntGauge,
    outbox_lag: IntGauge,
    event_listeners: IntGauge,
    /// Wall-clock milliseconds of the worker's last loop (0: not started).
    pub worker_beat_ms: AtomicI64,
    /// Wall-clock milliseconds of the event hub's last loop (0: not started).
    pub hub_beat_ms: AtomicI64,
    operations: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics(..)")
    }
}

/// Buckets from 1 ms to 10 s.
const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

fn name(n: &str) -> String {
    format!("invoice_finance_{n}")
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric in it.
    #[allow(clippy::expect_used)] // fixed names and labels: registration cannot fail
    pub fn new() -> Self {
        let registry = Registry::new();
        macro_rules! reg {
            ($m:expr) => {{
                let m = $m.expect("a valid metric");
                registry
                    .register(Box::new(m.clone()))
                    .expect("a metric registered once");
                m
            }};
        }
        let hist =
            |n: &str, help: &str| HistogramOpts::new(name(n), help).buckets(SECONDS.to_vec());
        Self {
            db_queries: reg!(IntCounter::new(
                name("db_queries_total"),
                "SQL statements executed"
            )),
            sql_seconds: reg!(HistogramVec::new(
                hist("sql_duration_seconds", "SQL statement duration"),
                &["statement", "outcome"]
            )),
            graphql_requests: reg!(IntCounter::new(
                name("graphql_requests_total"),
                "GraphQL HTTP requests"
            )),
            request_seconds: reg!(HistogramVec::new(
                hist(
                    "graphql_request_duration_seconds",
                    "GraphQL operation duration by transport, operation name and outcome"
                ),
                &["transport", "operation", "outcome"]
            )),
            ws_connections: reg!(IntGauge::new(name("ws_connections"), "Open WebSockets")),
            ws_subscriptions: reg!(IntGauge::new(
                name("ws_subscriptions"),
                "Running subscriptions"
            )),
            event_deliveries: reg!(IntCounter::new(
                name("event_deliveries_total"),
                "Subscription messages written to sockets"
            )),
            event_lag: reg!(Histogram::with_opts(hist(
                "event_lag_seconds",
                "From an event's commit to its dispatch by this instance's event hub"
            ))),
            delivery_lag: reg!(Histogram::with_opts(hist(
                "delivery_lag_seconds",
                "From an event's commit to its message written to a subscriber's socket"
            ))),
            task_restarts: reg!(IntCounter::new(
                name("task_restarts_total"),
                "Restarts of background tasks after a panic"
            )),
            worker_idle_passes: reg!(IntCounter::new(
                name("worker_idle_passes_total"),
                "Worker passes that found no job due"
            )),
            brief_invoice_reads: reg!(IntCounter::new(
                name("brief_invoice_reads_total"),
                "Invoice pages and lookups read with brief records (only the columns their selection shows) and send-view pages read with the columns their rules read"
            )),
            job_queue: reg!(IntGauge::new(
                name("job_queue_depth"),
                "Background jobs not done (dead ones excluded)"
            )),
            oldest_due_job: reg!(prometheus::Gauge::with_opts(Opts::new(
                name("oldest_due_job_seconds"),
                "How long the oldest due job has waited (0: none due)"
            ))),
            spot_check_queue: reg!(IntGauge::new(
                name("spot_check_queue_length"),
                "Sales waiting for an operator's spot check"
            )),
            outbox_lag: reg!(IntGauge::new(
                name("outbox_lag_events"),
                "Committed events this instance's hub has not read yet"
            )),
            event_listeners: reg!(IntGauge::new(
                name("event_listeners"),
                "Subscriptions listening to this instance's event hub (a shared execution counts once)"
            )),
            worker_beat_ms: AtomicI64::new(0),
            hub_beat_ms: AtomicI64::new(0),
            operations: Mutex::new(HashSet::new()),
            registry,
        }
    }

    /// Records that a background task is alive now.
    pub fn beat(cell: &AtomicI64) {
        cell.store(
            chrono::Utc::now().timestamp_millis(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// One SQL statement: its kind (first keyword) and whether it failed.
    pub fn sql(&self, sql: &str, elapsed: Duration, failed: bool) {
        self.db_queries.inc();
        let head = sql.split_whitespace().next().unwrap_or("");
        let kind = ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"]
            .into_iter()
            .find(|k| head.eq_ignore_ascii_case(k))
            .unwrap_or("OTHER");
        let outcome = if failed { "error" } else { "ok" };
        self.sql_seconds
            .with_label_values(&[kind, outcome])
            .observe(elapsed.as_secs_f64());
    }

    /// One GraphQL operation over `transport` (`http` or `ws`).
    pub fn request(
        &self,
        transport: &str,
        operation: Option<&str>,
        outcome: &str,
        elapsed: Duration,
    ) {
        let operation = self.operation_label(operation);
        self.request_seconds
            .with_label_values(&[transport, &operation, outcome])
            .observe(elapsed.as_secs_f64());
    }

    fn operation_label(&self, operation: Option<&str>) -> String {
        let Some(op) = operation.filter(|o| {
            !o.is_empty()
                && o.len() <= 64
                && o.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }) else {
            return "anonymous".into();
        };
        let mut seen = self
            .operations
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.contains(op) {
            return op.to_string();
        }
        if seen.len() < MAX_OPERATION_NAMES {
            seen.insert(op.to_string());
            return op.to_string();
        }
        "other".into()
    }

    /// An event dispatched by the hub `lag` after its commit.
    pub fn event_dispatched(&self, lag: Duration) {
        self.event_lag.observe(lag.as_secs_f64());
    }

    /// A subscription message written to a socket; `at_ms` is the commit
    /// time of the event it answers (0: not an event, no lag recorded).
    pub fn delivered(&self, at_ms: i64) {
        self.event_deliveries.inc();
        if at_ms > 0 {
            let lag_ms = (chrono::Utc::now().timestamp_millis() - at_ms).max(0);
            self.delivery_lag.observe(lag_ms as f64 / 1000.0);
        }
    }

    /// The text exposition, with the gauges read at scrape time.
    pub fn render(&self, now: Readings) -> String {
        if let Some(q) = now.queue {
            self.job_queue.set(q.jobs);
            self.oldest_due_job.set(q.oldest_due_seconds);
            self.spot_check_queue.set(q.spot_checks);
            self.outbox_lag.set((q.outbox_head - now.hub_head).max(0));
        }
        self.event_listeners
            .set(i64::try_from(now.listeners).unwrap_or(i64::MAX));
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(error = %e, "encoding metrics failed");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}

/// What the database and the event hub say when `/metrics` is scraped.
#[derive(Debug, Clone)]
pub struct Readings {
    /// The queues, or `None` when the database could not be read.
    pub queue: Option<crate::store::raw::QueueStats>,
    /// The last event position this instance's hub has dispatched.
    pub hub_head: i64,
    /// Subscriptions listening to the hub.
    pub listeners: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_are_bounded_and_sanitised() {
        let m = Metrics::new();
        assert_eq!(m.operation_label(Some("Viewer")), "Viewer");
        assert_eq!(m.operation_label(None), "anonymous");
        assert_eq!(m.operation_label(Some("a b")), "anonymous");
        for i in 0..MAX_OPERATION_NAMES {
            m.operation_label(Some(&format!("Op{i}")));
        }
        assert_eq!(m.operation_label(Some("OneTooMany")), "other");
        assert_eq!(m.operation_label(Some("Viewer")), "Viewer");
    }

    #[test]
    fn sql_statements_are_counted_by_kind() {
        let m = Metrics::new();
        m.sql("  select 1", Duration::from_millis(2), false);
        m.sql("UPDATE x SET y = 1", Duration::from_millis(1), true);
        assert_eq!(m.db_queries.get(), 2);
        let text = {
            let mut out = Vec::new();
            TextEncoder::new()
                .encode(&m.registry.gather(), &mut out)
                .unwrap_or_default();
            String::from_utf8(out).unwrap_or_default()
        };
        assert!(
            text.contains(
                r#"invoice_finance_sql_duration_seconds_count{outcome="ok",statement="SELECT"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"invoice_finance_sql_duration_seconds_count{outcome="error",statement="UPDATE"} 1"#), "{text}");
    }
}
