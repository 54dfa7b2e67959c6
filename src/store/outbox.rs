//! Writing events and notifications, inside the caller's transaction.

use crate::domain::event::{About, Happened, Topic};
use crate::domain::id::{CompanyId, InvoiceId};
use std::sync::PoisonError;

use chrono::{DateTime, Utc};
use entity::{notification, outbox_event};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbBackend, EntityTrait, Set, Statement};

pub use super::ordered::{Ordered, Wake, begin_ordered};
use super::{Scope, Tenant};
use crate::domain::notification::NotificationKind;
use crate::error::AppResult;

/// The PostgreSQL channel on which a sequencer pass that placed events wakes
/// every instance's event hub.
pub const NOTIFY_CHANNEL: &str = migration::OUTBOX_CHANNEL;

/// The PostgreSQL advisory lock key that lets one sequencer at a time give
/// events their positions.
pub const OUTBOX_LOCK: i64 = 0x0167_6f75_7462_6f78;

/// A committed event, as subscribers receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its place in the one order in which subscribers receive events.
    pub position: i64,
    /// The company it belongs to.
    pub company_id: CompanyId,
    /// The sale, notification or case it is about, which names its topic;
    /// `None` for a topic this version does not know (written by a newer
    /// one): no subscription follows it.
    pub about: Option<About>,
    /// What happened within the topic, e.g. `APPROVED`, as stored; read it
    /// with [`Event::happened`].
    pub kind: String,
    /// The invoice it is about, if any.
    pub invoice_id: Option<InvoiceId>,
    /// A sentence for people.
    pub message: String,
    /// When it happened, by the app clock.
    pub at: DateTime<Utc>,
}

impl Event {
    /// The company whose data the event's subject is: reading the subject
    /// as this tenant finds exactly the row the event was written for.
    pub fn owner(&self) -> Tenant {
        Tenant(self.company_id)
    }

    /// What happened, in its topic's vocabulary; `None` for a topic or a
    /// kind this version does not know (a newer one wrote it).
    pub fn happened(&self) -> Option<Happened> {
        Happened::read(self.about?, &self.kind)
    }

    /// The internal error of an event whose kind does not read as `what` in
    /// this version (a newer one wrote it), logged here.
    pub fn unknown_kind(&self, what: &str) -> crate::error::AppError {
        tracing::error!(kind = %self.kind, position = self.position, "unknown stored {what}");
        crate::error::AppError::Internal(format!("unknown {what} {}", self.kind))
    }

    /// The event of a row that has its position; `None` for one that waits
    /// for the sequencer.
    fn positioned(m: outbox_event::Model) -> Option<Self> {
        Some(Self {
            position: m.position?,
            company_id: CompanyId::new(m.company_id),
            about: Topic::parse(&m.topic).map(|t| About::of(t, m.subject_id)),
            kind: m.kind,
            invoice_id: m.invoice_id.map(InvoiceId::new),
            message: m.message,
            at: m.at,
        })
    }
}

/// The newest position given (0 before the first).
pub async fn head<C: ConnectionTrait>(db: &C) -> AppResult<i64> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    Ok(outbox_event::Entity::find()
        .filter(outbox_event::Column::Position.is_not_null())
        .order_by_desc(outbox_event::Column::Position)
        .one(db)
        .await?
        .and_then(|e| e.position)
        .unwrap_or(0))
}

/// Gives committed events their positions, in the order they became
/// visible, and returns how many it placed.
///
/// On PostgreSQL, `seq` is drawn when an event is inserted, and transactions
/// commit in any order: one could take `seq` 11, another 12 and commit first.
/// Positions are therefore given after commit, by one sequencer at a time
/// (an advisory lock held to the sequencer's own commit): each pass numbers
/// every committed event still without a position, after the highest one so
/// far. An event committed after a pass began is left for the next pass, so
/// a reader that has seen position n never finds a new event below it, and
/// writers commit side by side instead of one after another. On SQLite
/// writers are serialised, and [`Ordered::commit`] gives the position itself.
pub async fn sequence(db: &sea_orm::DatabaseConnection) -> AppResult<u64> {
    use sea_orm::TransactionTrait;
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(0);
    }
    let waiting = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT 1 AS w FROM outbox_event WHERE position IS NULL LIMIT 1",
        ))
        .await?;
    if waiting.is_none() {
        return Ok(0);
    }
    let txn = db.begin().await?;
    txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({OUTBOX_LOCK})"))
        .await?;
    // A statement after the lock, so its snapshot sees the previous pass.
    let placed = txn
        .query_one_raw(Statement::from_string(DbBackend::Postgres, SEQUENCE_PASS))
        .await?
        .map(|r| r.try_get::<i64>("", "placed"))
        .transpose()?
        .unwrap_or(0);
    if placed > 0 {
        // Wakes every instance's reader when this pass commits.
        txn.execute_unprepared(&format!("SELECT pg_notify('{NOTIFY_CHANNEL}', '')"))
            .await?;
    }
    txn.commit().await?;
    Ok(u64::try_from(placed).unwrap_or(0))
}

/// One pass of the sequencer: numbers the committed events still without a
/// position, in `seq` order, after the highest position so far.
///
/// Both sides of the update read the events through the index of those
/// waiting (`ix_outbox_event_unpositioned`). The connection keeps the plan it
/// made the first time, when the outbox may have been nearly empty; a plan
/// that joined the waiting events with the whole table then scanned every
/// event ever written on every pass, as the outbox grew.
pub const SEQUENCE_PASS: &str = "WITH waiting AS (\
       SELECT seq, row_number() OVER (ORDER BY seq) AS n \
       FROM outbox_event WHERE position IS NULL), \
     base AS (SELECT COALESCE(MAX(position), 0) AS p FROM outbox_event), \
     placed AS (\
       UPDATE outbox_event o SET position = base.p + waiting.n \
       FROM waiting, base WHERE o.seq = waiting.seq AND o.position IS NULL RETURNING 1) \
     SELECT COUNT(*) AS placed FROM placed";

/// Which committed events a reader wants, after `after` and up to `upto`.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    /// Exclusive start.
    pub after: i64,
    /// Inclusive end (`None`: no end).
    pub upto: Option<i64>,
    /// Only this topic.
    pub topic: Option<Topic>,
    /// Only this company's.
    pub company_id: Option<CompanyId>,
    /// Only about this invoice.
    pub invoice_id: Option<InvoiceId>,
    /// At most this many.
    pub limit: u64,
}

/// Events with a position in `range`, in position order.
pub async fn read<C: ConnectionTrait>(db: &C, range: Range) -> AppResult<Vec<Event>> {
    use outbox_event::Column as C;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut q = outbox_event::Entity::find().filter(C::Position.gt(range.after));
    if let Some(upto) = range.upto {
        q = q.filter(C::Position.lte(upto));
    }
    if let Some(t) = range.topic {
        q = q.filter(C::Topic.eq(t.as_str()));
    }
    if let Some(c) = range.company_id {
        q = q.filter(C::CompanyId.eq(c));
    }
    if let Some(i) = range.invoice_id {
        q = q.filter(C::InvoiceId.eq(i));
    }
    let rows = q
        .order_by_asc(C::Position)
        .limit(range.limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(Event::positioned).collect())
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// The sale, notification or case and what happened to it, which name
    /// the topic and the kind.
    pub happened: Happened,
    /// The invoice concerned.
    pub invoice_id: Option<InvoiceId>,
    /// Text.
    pub message: &'a str,
}

/// Queues an event for the outbox, written when the transaction of the
/// change commits ([`Ordered::commit`]).
pub fn record(db: &Ordered, tenant: Tenant, e: NewEvent<'_>, at: DateTime<Utc>) {
    let event = outbox_event::ActiveModel {
        company_id: Set(tenant.company_id().get()),
        topic: Set(e.happened.about().topic().as_str().to_string()),
        kind: Set(e.happened.kind().to_string()),
        invoice_id: Set(e.invoice_id.map(InvoiceId::get)),
        subject_id: Set(e.happened.about().key()),
        message: Set(e.message.to_string()),
        at: Set(at),
        ..Default::default()
    };
    db.events
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(event);
}

/// Creates a notification and its event. Call inside the transaction of the change.
pub async fn notify(
    db: &Ordered,
    tenant: Tenant,
    kind: NotificationKind,
    message: &str,
    invoice_id: Option<InvoiceId>,
    at: DateTime<Utc>,
) -> AppResult<super::notifications::Notification> {
    let n = notification::ActiveModel {
        company_id: Set(tenant.company_id().get()),
        kind: Set(kind.as_str().to_string()),
        message: Set(message.to_string()),
        invoice_id: Set(invoice_id.map(InvoiceId::get)),
        read: Set(false),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    record(
        db,
        tenant,
        NewEvent {
            happened: Happened::Notification(crate::domain::id::NotificationId::new(n.id), kind),
            invoice_id,
            message,
        },
        at,
    );
    n.try_into()
}

/// The events of each of `subjects` (sales, or cases) that `reader` may see,
/// oldest first, in one statement a topic (`ix_outbox_subject`): a company's
/// own, or any company's for an operator. Each carries its position, so its
/// cursor resumes a subscription right after it: events just committed are
/// given theirs first.
pub async fn histories(
    db: &sea_orm::DatabaseConnection,
    reader: Scope,
    subjects: &[About],
) -> AppResult<std::collections::HashMap<About, Vec<Event>>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mut by_subject = std::collections::HashMap::<About, Vec<Event>>::new();
    for topic in Topic::ALL {
        let keys: Vec<i64> = subjects
            .iter()
            .filter(|s| s.topic() == topic)
            .map(|s| s.key())
            .collect();
        if keys.is_empty() {
            continue;
        }
        let mut q = outbox_event::Entity::find();
        if let Scope::Company(tenant) = reader {
            q = q.filter(outbox_event::Column::CompanyId.eq(tenant.company_id()));
        }
        let q = q
            .filter(outbox_event::Column::Topic.eq(topic.as_str()))
            .filter(outbox_event::Column::SubjectId.is_in(keys))
            .order_by_asc(outbox_event::Column::Seq);
        let mut rows = q.clone().all(db).await?;
        if rows.iter().any(|r| r.position.is_none()) {
            sequence(db).await?;
            rows = q.all(db).await?;
        }
        for e in rows.into_iter().filter_map(Event::positioned) {
            if let Some(about) = e.about {
                by_subject.entry(about).or_default().push(e);
            }
        }
    }
    Ok(by_subject)
}
