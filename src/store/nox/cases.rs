//! Cases of the tenant: reading them, opening one, its status changes and
//! the money it holds.

use crate::domain::id::{CaseId, CustomerId, InvoiceId};
use chrono::{DateTime, NaiveDate, Utc};
use entity::nox_case;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
    Set,
};

use super::super::{Tenant, raw, record};
use super::Case;
use crate::domain::money::Ore;
use crate::domain::nox::{Delivery, Service};
use crate::domain::nox_case::NoxStatus;
use crate::error::AppResult;

fn cases(tenant: Tenant) -> Select<nox_case::Entity> {
    nox_case::Entity::find().filter(nox_case::Column::CompanyId.eq(tenant.company_id()))
}

/// The current case of each of the tenant's invoices `ids`: the open one, or
/// else the latest (a rejected or recalled invoice may be sent again, so an
/// invoice can have several cases, at most one of them open).
pub async fn cases_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<InvoiceId>,
) -> AppResult<Vec<Case>> {
    let query = cases(tenant)
        .filter(nox_case::Column::InvoiceId.is_in(ids))
        .order_by_asc(nox_case::Column::Id);
    crate::store::record::latest_of_each(db, query, |c| c.invoice_id).await
}

/// The open case of the tenant's invoice, if Nox Finans holds it.
pub async fn open_case_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: InvoiceId,
) -> AppResult<Option<Case>> {
    crate::store::record::one(
        db,
        cases(tenant)
            .filter(nox_case::Column::InvoiceId.eq(invoice_id))
            .filter(nox_case::Column::Status.is_in(record::names(NoxStatus::is_open))),
    )
    .await
}

crate::store::by_id::key!(CaseId => Case, table nox_case, company CompanyId = company_id);

/// A case as a company hands its invoice to Nox Finans.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// Its customer.
    pub customer_id: CustomerId,
    /// The service asked for.
    pub service: Service,
    /// How the invoice is delivered.
    pub delivery: Delivery,
    /// The client's key: the same key hands over once.
    pub idempotency_key: String,
    /// When.
    pub submitted_at: DateTime<Utc>,
    /// What happens next, and when.
    pub next_event: (String, NaiveDate),
    /// The capital claimed (the customer's part of the invoice).
    pub claim_ore: Ore,
    /// Recall the invoice instead of long-term monitoring.
    pub recall_instead_of_monitoring: bool,
}

/// Inserts a SUBMITTED case with no fees yet.
pub async fn insert_case<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    new: NewCase,
) -> AppResult<Case> {
    let (next_event, next_event_date) = new.next_event;
    let am = nox_case::ActiveModel {
        company_id: Set(tenant.company_id().get()),
        invoice_id: Set(new.invoice_id.get()),
        customer_id: Set(new.customer_id.get()),
        service: Set(new.service.as_str().into()),
        delivery: Set(new.delivery.as_str().into()),
        status: Set(NoxStatus::Submitted.as_str().into()),
        idempotency_key: Set(new.idempotency_key),
        submitted_at: Set(new.submitted_at),
        next_event: Set(Some(next_event)),
        next_event_date: Set(Some(next_event_date)),
        capital_ore: Set(new.claim_ore.get()),
        claim_ore: Set(new.claim_ore.get()),
        fees_ore: Set(0),
        recall_instead_of_monitoring: Set(new.recall_instead_of_monitoring),
        ..Default::default()
    };
    am.insert(db).await?.try_into()
}

/// A change of a case's status, fees, timeline or pause. A field left
/// `None` is not written; `Some(None)` clears a column.
#[derive(Debug, Clone, Default)]
pub struct CaseChange {
    /// The new status.
    pub status: Option<NoxStatus>,
    /// The customer's fees charged so far.
    pub fees_ore: Option<Ore>,
    /// What happens next and when (`Some(None)`: nothing more).
    pub next_event: Option<Option<(String, NaiveDate)>>,
    /// Only the next event's date (a pause moves it).
    pub next_event_date: Option<Option<NaiveDate>>,
    /// Paused until this day.
    pub paused_until: Option<Option<NaiveDate>>,
    /// Pause days used in all.
    pub pause_days_used: Option<i32>,
    /// Why Nox Finans rejected the case.
    pub rejection_reason: Option<String>,
    /// When the case closed.
    pub closed_at: Option<Option<DateTime<Utc>>>,
}

impl CaseChange {
    /// Closes the case as `to` at `now`: no next event, no pause.
    pub fn close(to: NoxStatus, now: DateTime<Utc>) -> Self {
        Self {
            status: Some(to),
            next_event: Some(None),
            paused_until: Some(None),
            closed_at: Some(Some(now)),
            ..Self::default()
        }
    }

    fn columns(self) -> nox_case::ActiveModel {
        fn put<T: Into<sea_orm::Value>>(v: Option<T>) -> sea_orm::ActiveValue<T> {
            v.map_or(sea_orm::ActiveValue::NotSet, Set)
        }
        let (next_event, next_date) = match self.next_event {
            Some(Some((label, day))) => (Some(Some(label)), Some(Some(day))),
            Some(None) => (Some(None), Some(None)),
            None => (None, self.next_event_date),
        };
        nox_case::ActiveModel {
            status: put(self.status.map(|s| s.as_str().to_string())),
            fees_ore: put(self.fees_ore.map(Ore::get)),
            next_event: put(next_event),
            next_event_date: put(next_date),
            paused_until: put(self.paused_until),
            pause_days_used: put(self.pause_days_used),
            rejection_reason: put(self.rejection_reason.map(Some)),
            closed_at: put(self.closed_at),
            ..Default::default()
        }
    }
}

/// Applies `change` to the tenant's case while its status is one of `from`.
pub async fn transition<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: CaseId,
    from: &[NoxStatus],
    change: CaseChange,
) -> AppResult<Option<Case>> {
    // One statement: the row as updated comes back with the update.
    let moved = nox_case::Entity::update_many()
        .set(change.columns())
        .filter(nox_case::Column::Id.eq(id))
        .filter(nox_case::Column::CompanyId.eq(tenant.company_id()))
        .filter(nox_case::Column::Status.is_in(from.iter().map(|s| s.as_str())))
        .exec_with_returning(db)
        .await?;
    moved.into_iter().next().map(Case::try_from).transpose()
}

/// The tenant's case `id`, read after taking its row lock for the rest of
/// the transaction (PostgreSQL; on SQLite the write transaction already holds
/// the database), so payments, steps and payouts of one case run one after
/// another and each sees what the one before wrote. Its invoice's lock comes
/// first (see `store::invoices::lock`), so a case use case and an invoice use
/// case take their locks in one order.
pub async fn locked<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: CaseId,
) -> AppResult<Option<Case>> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        raw::one(
            db,
            "SELECT id FROM invoice WHERE company_id = ? AND id = \
             (SELECT invoice_id FROM nox_case WHERE id = ? AND company_id = ?) FOR UPDATE",
            [
                tenant.company_id().into(),
                id.into(),
                tenant.company_id().into(),
            ],
        )
        .await?;
        raw::one(
            db,
            "SELECT id FROM nox_case WHERE id = ? AND company_id = ? FOR UPDATE",
            [id.into(), tenant.company_id().into()],
        )
        .await?;
    }
    crate::store::by_id::get(db, tenant, id).await
}

/// The open case of the tenant's invoice, locked and read after the lock
/// (see [`locked`]); `None` when there is none, or it closed meanwhile.
pub async fn open_case_locked<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: InvoiceId,
) -> AppResult<Option<Case>> {
    let Some(open) = open_case_of(db, tenant, invoice_id).await? else {
        return Ok(None);
    };
    Ok(locked(db, tenant, open.id)
        .await?
        .filter(|c| c.status.is_open()))
}

/// What a payment changes on a case, applied as increments.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseMoney {
    /// Off the customer's capital (any payer but Skatteverket, or a credit).
    pub capital_reduced_ore: Ore,
    /// Collected through Nox Finans towards the capital.
    pub capital_collected_ore: Ore,
    /// Collected: fees.
    pub fees_collected_ore: Ore,
    /// Collected: interest.
    pub interest_collected_ore: Ore,
    /// Kept by Nox Finans.
    pub kept_ore: Ore,
    /// Waiting to be paid out.
    pub pending_ore: Ore,
}

/// Moves a case's amounts by increments, while its capital still covers the
/// reduction; `false` when it no longer does (a concurrent change).
pub async fn add_money<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: CaseId,
    m: CaseMoney,
) -> AppResult<bool> {
    let n = raw::exec(
        db,
        "UPDATE nox_case SET capital_ore = capital_ore - ?, \
         capital_collected_ore = capital_collected_ore + ?, \
         fees_collected_ore = fees_collected_ore + ?, \
         interest_collected_ore = interest_collected_ore + ?, \
         kept_ore = kept_ore + ?, payout_pending_ore = payout_pending_ore + ? \
         WHERE id = ? AND company_id = ? AND capital_ore >= ?",
        [
            m.capital_reduced_ore.into(),
            m.capital_collected_ore.into(),
            m.fees_collected_ore.into(),
            m.interest_collected_ore.into(),
            m.kept_ore.into(),
            m.pending_ore.into(),
            id.into(),
            tenant.company_id().into(),
            m.capital_reduced_ore.into(),
        ],
    )
    .await?;
    Ok(n == 1)
}

/// Raises what an open case claims, its claim and its capital, by `ore`
/// (Skatteverket denied that much of the tax reduction, so the customer owes
/// it). `false` when the case is no longer open (a concurrent change).
pub async fn raise_claim<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: CaseId,
    status: NoxStatus,
    ore: Ore,
) -> AppResult<bool> {
    let n = raw::exec(
        db,
        "UPDATE nox_case SET capital_ore = capital_ore + ?, claim_ore = claim_ore + ? \
         WHERE id = ? AND company_id = ? AND status = ?",
        [
            ore.into(),
            ore.into(),
            id.into(),
            tenant.company_id().into(),
            status.as_str().into(),
        ],
    )
    .await?;
    Ok(n == 1)
}

/// Pays out exactly `pending_ore` of a case: compare-and-set on the pending
/// amount, so the same money never leaves twice. `false` when the pending
/// amount is no longer exactly that.
pub async fn take_payout<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: CaseId,
    pending_ore: Ore,
    set_off_ore: Ore,
) -> AppResult<bool> {
    let n = raw::exec(
        db,
        "UPDATE nox_case SET payout_pending_ore = payout_pending_ore - ?, \
         paid_out_ore = paid_out_ore + ?, kept_ore = kept_ore + ? \
         WHERE id = ? AND company_id = ? AND payout_pending_ore = ?",
        [
            pending_ore.into(),
            (pending_ore - set_off_ore).into(),
            set_off_ore.into(),
            id.into(),
            tenant.company_id().into(),
            pending_ore.into(),
        ],
    )
    .await?;
    Ok(n == 1)
}
