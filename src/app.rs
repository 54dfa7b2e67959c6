//! An app instance: database, schema and a bound listener. Binding happens in
//! [`Application::build`], so tests can ask for port 0 and read the real port.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use tokio::net::TcpListener;

use crate::events::EventHub;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::graphql::{AppSchema, build_schema};
use crate::http::{HttpState, router};
use crate::state::{AppState, Metrics};

/// Why an app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting has a value that cannot be served.
    #[error(transparent)]
    Settings(#[from] crate::config::SettingsError),
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// A started, not yet serving, app.
pub struct Application {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    addr: SocketAddr,
    state: AppState,
    schema: AppSchema,
}

/// Opens the database of `settings`, applies migrations and returns the state.
pub async fn open_state(
    settings: Settings,
    clock: SharedClock,
) -> Result<AppState, sea_orm::DbErr> {
    let metrics = Arc::new(Metrics::default());
    let mut db =
        crate::db::connect_sized(&settings.database_url, settings.database_pool_size).await?;
    let counter = metrics.clone();
    db.set_metric_callback(move |info| {
        counter.sql(&info.statement.sql, info.elapsed, info.failed);
    });
    crate::db::migrate(&db).await?;
    let events = EventHub::new(db.clone(), Duration::from_millis(settings.event_poll_ms))
        .await
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    let limits = Arc::new(crate::ratelimit::RateLimits::new(&settings));
    let sampling_key = sampling_key(&db, &settings, clock.now()).await?;
    let reference_rates = settings
        .reference_rates()
        .map_err(|e| sea_orm::DbErr::Custom(format!("REFERENCE_RATES: {e}")))?;
    if let Some(from) = reference_rates.unset_half_year(clock.today()) {
        tracing::warn!(
            half_year = %from,
            "no reference rate is given for the half-year from {from}: late-payment interest goes on at the last one known; set Riksbanken's rate with REFERENCE_RATES={from}=<percent>"
        );
    }
    Ok(AppState {
        db,
        clock,
        settings: Arc::new(settings),
        metrics,
        events,
        fanout: Arc::default(),
        tokens: Arc::default(),
        limits,
        persisted: Arc::default(),
        documents: Arc::default(),
        sampling_key: Arc::new(sampling_key),
        reference_rates: Arc::new(reference_rates),
    })
}

/// The spot-check sampling key: `SPOT_CHECK_SECRET`, or one generated on the
/// first start and kept in the database for every instance.
async fn sampling_key(
    db: &sea_orm::DatabaseConnection,
    settings: &Settings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<crate::domain::sale::SamplingKey, sea_orm::DbErr> {
    let bytes = match &settings.spot_check_secret {
        Some(secret) => secret.trim().as_bytes().to_vec(),
        None => crate::store::secrets::get_or_create(db, "spot_check_sampling", 32, now)
            .await
            .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?,
    };
    crate::domain::sale::SamplingKey::new(bytes)
        .ok_or_else(|| sea_orm::DbErr::Custom("SPOT_CHECK_SECRET is too short".into()))
}

impl Application {
    /// Opens the database, migrates it and binds the listener.
    pub async fn build(settings: Settings, clock: SharedClock) -> Result<Self, StartError> {
        settings.validate()?;
        let addr = settings.bind_addr;
        let state = open_state(settings, clock).await?;
        Self::with_state(state, addr).await
    }

    /// Binds the listener for an already opened state.
    pub async fn with_state(state: AppState, addr: SocketAddr) -> Result<Self, StartError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let metrics_listener = match state.settings.metrics_addr {
            Some(m) => Some(
                TcpListener::bind(m)
                    .await
                    .map_err(|source| StartError::Bind { addr: m, source })?,
            ),
            None => None,
        };
        let schema = build_schema(state.clone());
        Ok(Self {
            listener,
            metrics_listener,
            addr,
            state,
            schema,
        })
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address `/metrics` is served on when `METRICS_ADDR` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// The app state.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves, with the event hub and the background worker, until `shutdown`
    /// completes; then finishes in-flight requests and stops the background tasks.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let restarts = self.state.metrics.clone();
        let hub = {
            let (events, stop, metrics) = (
                self.state.events.clone(),
                stop_rx.clone(),
                self.state.metrics.clone(),
            );
            tokio::spawn(supervise(
                "event hub",
                stop_rx.clone(),
                restarts.clone(),
                move || events.clone().run(stop.clone(), metrics.clone()),
            ))
        };
        let url = &self.state.settings.database_url;
        let listener = url.starts_with("postgres").then(|| {
            tokio::spawn(
                self.state
                    .events
                    .clone()
                    .listen(url.clone(), stop_rx.clone()),
            )
        });
        let worker = {
            let (state, stop) = (self.state.clone(), stop_rx.clone());
            tokio::spawn(supervise("worker", stop_rx.clone(), restarts, move || {
                crate::worker::run(state.clone(), stop.clone())
            }))
        };
        let revocations = tokio::spawn(crate::store::tokens::watch_revocations(
            self.state.db.clone(),
            self.state.tokens.clone(),
            stop_rx.clone(),
        ));
        let sweeper = tokio::spawn(crate::ratelimit::sweep(
            self.state.limits.clone(),
            stop_rx.clone(),
        ));
        let metrics_server = self.metrics_listener.map(|l| {
            let limits = crate::serve::Limits {
                header_read_timeout: Duration::from_secs(
                    self.state.settings.header_read_timeout_secs,
                ),
                max_connections: 64,
            };
            tokio::spawn(crate::serve::serve(
                l,
                crate::http::metrics_router(self.state.clone()),
                limits,
                stop_rx.clone(),
                Duration::from_secs(1),
            ))
        });
        let sockets = tokio_util::task::TaskTracker::new();
        let settings = self.state.settings.clone();
        let stop_serving = stop_rx.clone();
        let app = router(HttpState {
            app: self.state,
            schema: self.schema,
            shutdown: stop_rx,
            sockets: sockets.clone(),
        });
        // On the signal: stop accepting, tell WebSockets to close (with 1001) and
        // the worker to release what it claimed; axum then drains in-flight requests.
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        let limits = crate::serve::Limits {
            header_read_timeout: Duration::from_secs(settings.header_read_timeout_secs),
            max_connections: settings.max_connections,
        };
        let served = crate::serve::serve(
            self.listener,
            app,
            limits,
            stop_serving,
            settings.request_timeout() + Duration::from_secs(1),
        )
        .await;
        sockets.close();
        if tokio::time::timeout(Duration::from_secs(5), sockets.wait())
            .await
            .is_err()
        {
            tracing::warn!("some WebSockets did not close in time");
        }
        let _ = hub.await;
        if let Some(l) = listener {
            let _ = l.await;
        }
        let _ = worker.await;
        let _ = revocations.await;
        let _ = sweeper.await;
        if let Some(m) = metrics_server {
            let _ = m.await;
        }
        served
    }
}

/// Runs a background task and, when it panics, starts it again after a
/// back-off (0.1 s, doubling to 10 s) until `stop` fires. A task that returns
/// normally (on shutdown) is not restarted.
pub async fn supervise<F, Fut>(
    name: &'static str,
    mut stop: tokio::sync::watch::Receiver<bool>,
    metrics: std::sync::Arc<crate::state::Metrics>,
    make: F,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut backoff = Duration::from_millis(100);
    loop {
        match tokio::spawn(make()).await {
            Err(e) if e.is_panic() => {
                metrics.task_restarts.inc();
                tracing::error!(
                    task = name,
                    ?backoff,
                    "background task panicked; restarting"
                );
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => return,
                }
                if *stop.borrow() {
                    return;
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_panicking_task_is_restarted_until_it_runs_and_stops_with_the_shutdown() {
        let metrics = Arc::new(crate::state::Metrics::default());
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        let task_stop = stop_rx.clone();
        let supervisor = tokio::spawn(supervise("test", stop_rx, metrics.clone(), move || {
            let (runs, mut stop) = (counted.clone(), task_stop.clone());
            async move {
                // The first two runs panic; the third runs until the shutdown.
                if runs.fetch_add(1, Ordering::SeqCst) < 2 {
                    panic!("boom");
                }
                let _ = stop.changed().await;
            }
        }));
        for _ in 0..100 {
            if runs.load(Ordering::SeqCst) >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        assert_eq!(metrics.task_restarts.get(), 2);
        let _ = stop_tx.send(true);
        tokio::time::timeout(Duration::from_secs(2), supervisor)
            .await
            .expect("the supervisor stops with the shutdown")
            .expect("no panic escapes the supervisor");
        assert_eq!(
            runs.load(Ordering::SeqCst),
            3,
            "not restarted after a clean stop"
        );
    }
}
