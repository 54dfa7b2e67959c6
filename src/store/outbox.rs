//! Writing events and notifications, inside the caller's transaction.

use chrono::{DateTime, Utc};
use entity::{notification, outbox_event};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use super::Tenant;
use crate::error::AppResult;

/// The PostgreSQL channel on which commits that wrote events wake every instance.
pub const NOTIFY_CHANNEL: &str = "invoice_finance_outbox";

/// The PostgreSQL advisory lock key that orders outbox writers.
pub const OUTBOX_LOCK: i64 = 0x0167_6f75_7462_6f78;

/// Event topics.
pub mod topic {
    /// Invoice-sale status changes.
    pub const INVOICE_SALE: &str = "INVOICE_SALE";
    /// Notifications.
    pub const NOTIFICATION: &str = "NOTIFICATION";
    /// Nox Finans case status changes.
    pub const NOX_FINANS: &str = "NOX_FINANS";
}

/// An event to record.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// Topic.
    pub topic: &'static str,
    /// Kind within the topic.
    pub kind: &'a str,
    /// The invoice concerned.
    pub invoice_id: Option<i64>,
    /// The sale / notification / case.
    pub subject_id: i64,
    /// Text.
    pub message: &'a str,
}

/// Appends an event to the outbox. Call inside the transaction of the change.
pub async fn record<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    e: NewEvent<'_>,
    at: DateTime<Utc>,
) -> AppResult<outbox_event::Model> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Sequence order = commit order: the lock is held from before `seq` is
        // drawn until this transaction ends, so no later `seq` can commit before
        // this one. A reader that sees `seq` n therefore sees every committed
        // row below n, and a hole can only be a rolled-back row (see `events`).
        db.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({OUTBOX_LOCK})"))
            .await?;
        // Delivered at commit (never for a rolled-back transaction) to every
        // instance's listener: a wake-up only; the outbox stays the truth.
        db.execute_unprepared(&format!("NOTIFY {NOTIFY_CHANNEL}"))
            .await?;
    }
    Ok(outbox_event::ActiveModel {
        company_id: Set(tenant.company_id()),
        topic: Set(e.topic.to_string()),
        kind: Set(e.kind.to_string()),
        invoice_id: Set(e.invoice_id),
        subject_id: Set(e.subject_id),
        message: Set(e.message.to_string()),
        at: Set(at),
        recorded_ms: Set(Utc::now().timestamp_millis()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Creates a notification and its event. Call inside the transaction of the change.
pub async fn notify<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    kind: &str,
    message: &str,
    invoice_id: Option<i64>,
    at: DateTime<Utc>,
) -> AppResult<notification::Model> {
    let n = notification::ActiveModel {
        company_id: Set(tenant.company_id()),
        kind: Set(kind.to_string()),
        message: Set(message.to_string()),
        invoice_id: Set(invoice_id),
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
            topic: topic::NOTIFICATION,
            kind,
            invoice_id,
            subject_id: n.id,
            message,
        },
        at,
    )
    .await?;
    Ok(n)
}

/// The events of one subject (a sale, a case) of the tenant, oldest first.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    topic: &str,
    subject_id: i64,
) -> AppResult<Vec<outbox_event::Model>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    Ok(outbox_event::Entity::find()
        .filter(outbox_event::Column::CompanyId.eq(tenant.company_id()))
        .filter(outbox_event::Column::Topic.eq(topic))
        .filter(outbox_event::Column::SubjectId.eq(subject_id))
        .order_by_asc(outbox_event::Column::Seq)
        .all(db)
        .await?)
}
