//! The write transaction that records events: its changes, its events and
//! the sales' running totals are written together or not at all.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::Utc;
use entity::outbox_event;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, ExecResult, QueryResult,
    Set, Statement,
};

/// A write transaction that records events, from [`begin_ordered`].
///
/// [`super::outbox::record`] queues an event here and [`Ordered::commit`] inserts the queue
/// in one statement just before it commits, so a transaction's events are
/// written with its changes or not at all. Writers do not wait for each
/// other: the order subscribers receive events in is given after commit
/// ([`super::outbox::sequence`]).
pub struct Ordered {
    txn: DatabaseTransaction,
    pub(super) events: Mutex<Vec<outbox_event::ActiveModel>>,
    tallies: Mutex<super::sales::tally::Pending>,
    waker: Option<Arc<dyn Wake>>,
}

/// Told after a commit that wrote events: the instance's event hub, which
/// then reads them (and, on PostgreSQL, its sequencer pass wakes the other
/// instances' hubs with one `NOTIFY`).
///
/// The wake-up is sent after the commit, not from inside it: a transaction
/// that calls `NOTIFY` holds a lock on the whole database from its commit
/// until its commit record is flushed, so writers that notified committed
/// one after another. Events committed by a process that stops before it
/// wakes anyone are read at the next poll (`EVENT_POLL_MS`) of any instance.
pub trait Wake: Send + Sync {
    /// Events were committed.
    fn wake(&self);
}

/// Begins a write transaction that will record events: its events are
/// written in order when it commits. It wakes nobody; the app's use cases
/// begin through `AppState::begin_ordered`, which wakes the instance's hub.
pub async fn begin_ordered(db: &sea_orm::DatabaseConnection) -> Result<Ordered, DbErr> {
    Ok(Ordered::new(crate::db::begin_write(db).await?))
}

impl Ordered {
    /// Wraps a write transaction.
    pub fn new(txn: DatabaseTransaction) -> Self {
        Self {
            txn,
            events: Mutex::new(Vec::new()),
            tallies: Mutex::default(),
            waker: None,
        }
    }

    /// Has `waker` told when this transaction commits events.
    #[must_use]
    pub fn waking(mut self, waker: Arc<dyn Wake>) -> Self {
        self.waker = Some(waker);
        self
    }

    /// Changes the sales' running totals this transaction writes last.
    pub(super) fn tally(&self, change: impl FnOnce(&mut super::sales::tally::Pending)) {
        change(&mut self.tallies.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Writes the queued events in order, then the running totals, and
    /// commits. Nothing is written when the transaction is dropped instead
    /// (a rollback).
    pub async fn commit(self) -> Result<(), DbErr> {
        let events =
            std::mem::take(&mut *self.events.lock().unwrap_or_else(PoisonError::into_inner));
        let wrote = !events.is_empty();
        if wrote {
            let recorded_ms = Utc::now().timestamp_millis();
            let rows = events.into_iter().map(|mut e| {
                e.recorded_ms = Set(recorded_ms);
                e
            });
            // On SQLite, one writer at a time, the table's trigger gives each
            // event its `seq` as its position (migration 9); on PostgreSQL
            // the sequencer gives positions after commit.
            outbox_event::Entity::insert_many(rows)
                .exec(&self.txn)
                .await?;
        }
        let tallies =
            std::mem::take(&mut *self.tallies.lock().unwrap_or_else(PoisonError::into_inner));
        tallies.write(&self.txn).await?;
        self.txn.commit().await?;
        if wrote && let Some(w) = &self.waker {
            w.wake();
        }
        Ok(())
    }

    /// Rolls back: the queued events are never written.
    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Ordered {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}
