//! Event fan-out from the transactional outbox.
//!
//! The outbox table is the truth. One poller per app instance reads new rows in
//! position order and broadcasts them on a bounded channel; it is woken at once by
//! in-process commits ([`EventHub::wake`]) and otherwise polls, which also picks up
//! rows other instances committed. Each company with subscribers has its own
//! channel (operators, who see every company, share one), so an event wakes only
//! the subscribers it may concern. Subscribers never own a queue: a subscriber
//! that falls behind the bounded channel (`Lagged`) re-reads what it missed from
//! the table, so memory stays bounded and nothing is lost.
//!
//! **Out-of-order commits.** On PostgreSQL a transaction could take `seq` 11,
//! another take 12 and commit first; a reader that saw 12 and moved its cursor
//! past 11 would lose 11. Readers therefore follow `position`, not `seq`: the
//! poller first runs the sequencer (`store::outbox::sequence`), which gives
//! every committed event still without a position the next positions, one
//! pass at a time, so a later commit can only take a higher position and
//! readers move past nothing. Writers commit side by side; on SQLite they are
//! serialised anyway, and an event's `seq` is its position.

use crate::domain::event::{About, Topic};
use crate::domain::id::{CompanyId, InvoiceId};
use crate::store::by_id;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use futures_util::Stream;
use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, broadcast};

use crate::error::{AppError, AppResult};
use crate::store::outbox::{self, Event, Range};

/// Capacity of the channel for subscribers of every company (operators).
pub const CHANNEL_CAPACITY: usize = 1024;
/// Capacity of one company's channel. Small, since there is one per company
/// with subscribers; a subscriber that falls further behind re-reads the table.
pub const COMPANY_CHANNEL_CAPACITY: usize = 64;
const BATCH: u64 = 500;

/// What an event is about, loaded once per event however many subscribers
/// receive it.
#[derive(Debug, Clone)]
pub enum Subject {
    /// A notification.
    Notification(crate::store::notifications::Notification),
    /// An invoice sale.
    Sale(crate::store::sales::Sale),
    /// A Nox Finans case.
    Case(crate::store::nox::Case),
}

/// One event as subscribers receive it. A live event is shared by every
/// subscriber of the instance, so the first one that resolves its subject loads
/// it and the others reuse it: a thousand subscribers of one company cost one
/// query per event, not a thousand.
#[derive(Debug)]
pub struct HubEvent {
    /// The outbox row.
    pub row: Event,
    subject: tokio::sync::OnceCell<Subject>,
}

impl HubEvent {
    fn new(row: Event) -> Self {
        Self {
            row,
            subject: tokio::sync::OnceCell::new(),
        }
    }

    /// The event's subject, loaded on first use and then shared by every
    /// subscriber that receives this event. Subscribers only receive events
    /// their filter allows, and a subject belongs to its event's company.
    pub async fn subject(&self, db: &DatabaseConnection) -> AppResult<Subject> {
        self.subject
            .get_or_try_init(|| async {
                let owner = self.row.owner();
                let found = match self.row.about {
                    Some(About::Sale(id)) => by_id::get(db, owner, id).await?.map(Subject::Sale),
                    Some(About::Notification(id)) => {
                        by_id::get(db, owner, id).await?.map(Subject::Notification)
                    }
                    Some(About::Case(id)) => by_id::get(db, owner, id).await?.map(Subject::Case),
                    None => None,
                };
                found.ok_or_else(|| {
                    AppError::Internal(format!(
                        "event {} ({:?}) without its subject",
                        self.row.position, self.row.about
                    ))
                })
            })
            .await
            .cloned()
    }
}

impl std::ops::Deref for HubEvent {
    type Target = Event;

    fn deref(&self) -> &Event {
        &self.row
    }
}

/// The per-instance event hub.
pub struct EventHub {
    db: DatabaseConnection,
    tx: broadcast::Sender<Arc<HubEvent>>,
    /// One channel per company that has subscribers, so an event wakes only
    /// the subscribers of its own company (and the operators').
    companies:
        std::sync::Mutex<std::collections::HashMap<CompanyId, broadcast::Sender<Arc<HubEvent>>>>,
    head: AtomicI64,
    wake: Notify,
    poll: Duration,
}

/// Which events a subscriber wants.
#[derive(Debug, Clone)]
pub struct EventFilter {
    /// Only this company's (`None`: every company, for operators).
    pub company_id: Option<CompanyId>,
    /// Only this topic.
    pub topic: Topic,
    /// Only events about this invoice.
    pub invoice_id: Option<InvoiceId>,
}

impl EventFilter {
    fn matches(&self, e: &Event) -> bool {
        e.about.is_some_and(|a| a.topic() == self.topic)
            && self.company_id.is_none_or(|c| c == e.company_id)
            && self.invoice_id.is_none_or(|i| Some(i) == e.invoice_id)
    }
}

impl EventHub {
    /// A hub whose "now" is the newest event in the table.
    pub async fn new(db: DatabaseConnection, poll: Duration) -> AppResult<Arc<Self>> {
        let head = outbox::head(&db).await?;
        let (tx, _) = broadcast::channel(CHANNEL_CAPACITY);
        Ok(Arc::new(Self {
            db,
            tx,
            companies: std::sync::Mutex::new(std::collections::HashMap::new()),
            head: AtomicI64::new(head),
            wake: Notify::new(),
            poll,
        }))
    }

    /// Tells the poller that events were committed.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The last position broadcast.
    pub fn head(&self) -> i64 {
        self.head.load(Ordering::Acquire)
    }

    /// Reads and broadcasts new events until none are left; returns how many.
    pub async fn pump(&self, metrics: Option<&crate::metrics::Metrics>) -> AppResult<usize> {
        tracing::trace!("pumping the outbox");
        let mut delivered = 0;
        loop {
            outbox::sequence(&self.db).await?;
            let head = self.head();
            let range = Range {
                after: head,
                upto: None,
                topic: None,
                company_id: None,
                invoice_id: None,
                limit: BATCH,
            };
            let rows = outbox::read(&self.db, range).await?;
            if rows.is_empty() {
                return Ok(delivered);
            }
            let now = chrono::Utc::now();
            for row in rows {
                self.head.store(row.position, Ordering::Release);
                if let Some(m) = metrics {
                    m.event_dispatched((now - row.at).to_std().unwrap_or_default());
                }
                // No receivers is fine: nobody is listening right now.
                let company = row.company_id;
                let event = Arc::new(HubEvent::new(row));
                {
                    // Nothing panics while the lock is held; a poisoned lock
                    // still holds a usable map.
                    let mut companies = self.companies.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(ch) = companies.get(&company)
                        && ch.send(event.clone()).is_err()
                    {
                        // Its last subscriber has gone.
                        companies.remove(&company);
                    }
                }
                let _ = self.tx.send(event);
                delivered += 1;
            }
        }
    }

    /// Wakes the poller whenever any instance commits events, by PostgreSQL
    /// `LISTEN`. Notifications are lost while the connection is down, so after
    /// every (re)connect the poller is woken to re-read the table.
    pub async fn listen(
        self: Arc<Self>,
        url: String,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut backoff = Duration::from_millis(100);
        loop {
            let connected = async {
                let mut l = sqlx::postgres::PgListener::connect(&url).await?;
                l.listen(crate::store::outbox::NOTIFY_CHANNEL).await?;
                Ok::<_, sqlx::Error>(l)
            };
            match connected.await {
                Ok(mut l) => {
                    backoff = Duration::from_millis(100);
                    self.wake();
                    loop {
                        tokio::select! {
                            // `try_recv`, not `recv`: `recv` reconnects silently and
                            // so hides the notifications lost meanwhile.
                            n = l.try_recv() => match n {
                                Ok(Some(n)) => {
                                    tracing::debug!(channel = n.channel(), "outbox notification");
                                    self.wake();
                                }
                                Ok(None) => {
                                    tracing::warn!("outbox listener lost its connection; reconnecting");
                                    break;
                                }
                                Err(e) => {
                                    tracing::warn!(error = %e, "outbox listener lost its connection; reconnecting");
                                    break;
                                }
                            },
                            _ = shutdown.changed() => return,
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "outbox listener cannot connect; retrying"),
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                _ = shutdown.changed() => return,
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }

    /// Runs the poller until `shutdown` fires.
    pub async fn run(
        self: Arc<Self>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
        metrics: Arc<crate::metrics::Metrics>,
    ) {
        loop {
            crate::metrics::Metrics::beat(&metrics.hub_beat_ms);
            if let Err(e) = self.pump(Some(&metrics)).await {
                tracing::warn!(error = %e, "reading the outbox failed; retrying");
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.poll) => {}
                _ = shutdown.changed() => return,
            }
        }
    }

    /// A receiver for the events of `company` (every company: `None`).
    /// How many subscriptions listen to the hub now: a subscription is
    /// counted from the moment every later event reaches it (a shared
    /// execution counts once).
    pub fn listeners(&self) -> usize {
        let companies = self.companies.lock().unwrap_or_else(|e| e.into_inner());
        self.tx.receiver_count()
            + companies
                .values()
                .map(broadcast::Sender::receiver_count)
                .sum::<usize>()
    }

    fn subscribe(&self, company: Option<CompanyId>) -> broadcast::Receiver<Arc<HubEvent>> {
        match company {
            Some(c) => self
                .companies
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(c)
                .or_insert_with(|| broadcast::channel(COMPANY_CHANNEL_CAPACITY).0)
                .subscribe(),
            None => self.tx.subscribe(),
        }
    }

    async fn replay(&self, f: &EventFilter, after: i64, upto: i64) -> AppResult<Vec<Event>> {
        let range = Range {
            after,
            upto: Some(upto),
            topic: Some(f.topic),
            company_id: f.company_id,
            invoice_id: f.invoice_id,
            limit: BATCH,
        };
        outbox::read(&self.db, range).await
    }

    /// The events matching `filter` after `after` (or from now), first replayed
    /// from the table, then live, with no gap or duplicate at the seam.
    pub fn stream(
        self: Arc<Self>,
        filter: EventFilter,
        after: Option<i64>,
    ) -> impl Stream<Item = Result<Arc<HubEvent>, AppError>> + Send + 'static {
        async_stream::try_stream! {
            // Subscribe before reading the head: everything after it arrives here.
            let mut rx = self.subscribe(filter.company_id);
            let mut cursor = after.unwrap_or_else(|| self.head());
            // Replay from the table only at the start and after falling behind
            // the channel; otherwise events come from the channel alone (a
            // check of the head on every event would send every subscriber to
            // the table whenever the poller is one event ahead).
            let mut resync = true;
            loop {
                if resync {
                    resync = false;
                    let mut head = self.head();
                    while cursor < head {
                        // Boxed: the query future is large and would otherwise sit inline
                        // in every idle subscriber's state.
                        let rows = Box::pin(self.replay(&filter, cursor, head)).await?;
                        let full = rows.len() as u64 == BATCH;
                        for row in rows {
                            cursor = row.position;
                            yield Arc::new(HubEvent::new(row));
                        }
                        if !full {
                            cursor = head;
                        }
                        head = self.head();
                    }
                }
                // Live.
                match rx.recv().await {
                    Ok(ev) => {
                        if ev.position > cursor {
                            cursor = ev.position;
                            if filter.matches(&ev) {
                                yield ev;
                            }
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::debug!(skipped, "subscriber lagged; resyncing from the outbox");
                        resync = true;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        }
    }
}

/// A commit that wrote events wakes its instance's hub (`AppState::begin_ordered`).
impl outbox::Wake for EventHub {
    fn wake(&self) {
        EventHub::wake(self);
    }
}
