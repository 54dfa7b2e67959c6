//! Nox Finans use cases: the send view, settings, hiding rows and sending a
//! batch. What happens to a case afterwards is in `nox_case`.

mod send;
mod send_view;
mod settings;

pub use crate::store::nox::CandidateFilter;
pub use send::{SendResult, send};
pub use send_view::{CandidateRow, assess_with, candidate_count, candidate_row, candidates};
pub use settings::{set_hidden, update_settings};

use chrono::{Duration, NaiveDate};
use sea_orm::ConnectionTrait;

use crate::db::begin_write;
use crate::domain::event::Happened;
use crate::domain::notification::NotificationKind;
use crate::domain::nox::{self, Assessment, Candidate, Delivery, Service};
use crate::domain::nox_case::NoxStatus;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::invoices;
use crate::store::invoices::Invoice;
use crate::store::jobs::{self, Task};
use crate::store::nox::Case;
use crate::store::nox::{self as store, NoxSettings};
use crate::store::outbox::Ordered;
use crate::store::outbox::{self, NewEvent};
use crate::store::{Tenant, sales};

/// Records a step of a case and tells the company of it in a notification with
/// the same message.
pub(crate) async fn announce(
    txn: &Ordered,
    tenant: Tenant,
    case: &Case,
    status: NoxStatus,
    notification: NotificationKind,
    message: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    outbox::notify(
        txn,
        tenant,
        notification,
        message,
        Some(case.invoice_id),
        at,
    )
    .await?;
    record(txn, tenant, case, status, message, at).await
}

/// Records a step of a case with its message.
pub(crate) async fn record(
    txn: &Ordered,
    tenant: Tenant,
    case: &Case,
    status: NoxStatus,
    message: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    outbox::record(
        txn,
        tenant,
        NewEvent {
            happened: Happened::Case(case.id, status),
            invoice_id: Some(case.invoice_id),
            message,
        },
        at,
    );
    Ok(())
}
