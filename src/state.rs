//! The state one app instance shares between requests. No process-wide statics:
//! two apps in one process (as in the tests) are fully independent.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::DatabaseConnection;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::events::EventHub;

/// Counters exposed at `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    /// SQL statements executed.
    pub db_queries: AtomicU64,
    /// GraphQL HTTP requests served.
    pub graphql_requests: AtomicU64,
    /// Open WebSocket connections.
    pub ws_connections: Gauge,
    /// Running WebSocket subscriptions.
    pub ws_subscriptions: Gauge,
    /// Wall-clock milliseconds of the worker's last loop (0: not started).
    pub worker_beat_ms: std::sync::atomic::AtomicI64,
    /// Wall-clock milliseconds of the event hub's last loop (0: not started).
    pub hub_beat_ms: std::sync::atomic::AtomicI64,
    /// Restarts of the worker and the hub after a panic.
    pub task_restarts: AtomicU64,
}

impl Metrics {
    /// Records that a background task is alive now.
    pub fn beat(cell: &std::sync::atomic::AtomicI64) {
        cell.store(
            chrono::Utc::now().timestamp_millis(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }
}

/// A value that goes up and down.
#[derive(Debug, Default)]
pub struct Gauge(AtomicU64);

impl Gauge {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Takes one away.
    pub fn dec(&self) {
        self.sub(1);
    }

    /// Takes `n` away (never below zero).
    pub fn sub(&self, n: u64) {
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(n))
            });
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Metrics {
    /// Prometheus text exposition of the counters.
    pub fn render(&self) -> String {
        format!(
            "# TYPE invoice_finance_db_queries_total counter\ninvoice_finance_db_queries_total {}\n\
             # TYPE invoice_finance_graphql_requests_total counter\ninvoice_finance_graphql_requests_total {}\n\
             # TYPE invoice_finance_ws_connections gauge\ninvoice_finance_ws_connections {}\n\
             # TYPE invoice_finance_ws_subscriptions gauge\ninvoice_finance_ws_subscriptions {}\n\
             # TYPE invoice_finance_task_restarts_total counter\ninvoice_finance_task_restarts_total {}\n",
            self.db_queries.load(Ordering::Relaxed),
            self.graphql_requests.load(Ordering::Relaxed),
            self.ws_connections.get(),
            self.ws_subscriptions.get(),
            self.task_restarts.load(Ordering::Relaxed),
        )
    }
}

/// Database, clock, settings and counters of one app instance.
#[derive(Clone)]
pub struct AppState {
    /// The connection pool.
    pub db: DatabaseConnection,
    /// The clock every use case reads.
    pub clock: SharedClock,
    /// Settings the app was started with.
    pub settings: Arc<Settings>,
    /// Counters.
    pub metrics: Arc<Metrics>,
    /// Event fan-out from the outbox.
    pub events: Arc<EventHub>,
    /// Subscriptions shared between identical subscribers.
    pub fanout: Arc<crate::fanout::Fanout>,
    /// Recently authenticated API tokens.
    pub tokens: Arc<crate::store::tokens::TokenCache>,
    /// The key of routine spot-check sampling.
    pub sampling_key: Arc<crate::domain::sale::SamplingKey>,
    /// Automatic persisted queries by hash.
    pub persisted: Arc<crate::persisted::PersistedQueries>,
    /// Request rate limits per token and per client address.
    pub limits: Arc<crate::ratelimit::RateLimits>,
}
