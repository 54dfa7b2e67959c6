//! The state one app instance shares between requests. No process-wide statics:
//! two apps in one process (as in the tests) are fully independent.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::clock::SharedClock;
use crate::config::Settings;
use crate::events::EventHub;

pub use crate::metrics::Metrics;

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
    /// Parsed documents by their text.
    pub documents: Arc<crate::documents::Documents>,
    /// Request rate limits per token and per client address.
    pub limits: Arc<crate::ratelimit::RateLimits>,
    /// The reference rates late-payment interest is counted at: the built-in
    /// ones with `REFERENCE_RATES`.
    pub reference_rates: Arc<crate::domain::nox::ReferenceRates>,
}

impl AppState {
    /// Begins a write transaction that records events and, once it commits
    /// them, wakes this instance's event hub to deliver them.
    pub async fn begin_ordered(&self) -> Result<crate::store::Ordered, sea_orm::DbErr> {
        Ok(crate::store::begin_ordered(&self.db)
            .await?
            .waking(self.events.clone()))
    }
}
