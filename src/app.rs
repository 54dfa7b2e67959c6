//! An app instance: database, schema and a bound listener. Binding happens in
//! [`Application::build`], so tests can ask for port 0 and read the real port.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

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
    let mut db = crate::db::connect(&settings.database_url).await?;
    let counter = metrics.clone();
    db.set_metric_callback(move |_| {
        counter.db_queries.fetch_add(1, Ordering::Relaxed);
    });
    crate::db::migrate(&db).await?;
    let events = EventHub::new(db.clone(), Duration::from_millis(settings.event_poll_ms))
        .await
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    Ok(AppState {
        db,
        clock,
        settings: Arc::new(settings),
        metrics,
        events,
    })
}

impl Application {
    /// Opens the database, migrates it and binds the listener.
    pub async fn build(settings: Settings, clock: SharedClock) -> Result<Self, StartError> {
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
        let schema = build_schema(state.clone());
        Ok(Self {
            listener,
            addr,
            state,
            schema,
        })
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
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
        let hub = tokio::spawn(self.state.events.clone().run(stop_rx.clone()));
        let url = &self.state.settings.database_url;
        let listener = url.starts_with("postgres").then(|| {
            tokio::spawn(
                self.state
                    .events
                    .clone()
                    .listen(url.clone(), stop_rx.clone()),
            )
        });
        let worker = tokio::spawn(crate::worker::run(self.state.clone(), stop_rx.clone()));
        let sockets = tokio_util::task::TaskTracker::new();
        let app = router(HttpState {
            app: self.state,
            schema: self.schema,
            shutdown: stop_rx,
            sockets: sockets.clone(),
        });
        // On the signal: stop accepting, tell WebSockets to close (with 1001) and
        // the worker to release what it claimed; axum then drains in-flight requests.
        let signal = async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        };
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(signal)
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
        served
    }
}
