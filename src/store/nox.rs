//! Nox Finans settings, hidden send-view rows and cases of the tenant.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::{nox_case, nox_hidden, nox_settings};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Select,
    Set,
};

use super::{Tenant, companies, raw};
use crate::domain::nox_case::NoxStatus;
use crate::error::{AppError, AppResult};

/// A company's Nox Finans settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoxSettings {
    /// Active terms-of-payment codes.
    pub active_terms: Vec<String>,
    /// `LETTER` or `EMAIL`.
    pub default_delivery: String,
    /// Recall instead of long-term monitoring at the end of the reminder steps.
    pub recall_instead_of_monitoring: bool,
}

/// The tenant's settings; without a saved row, every term except cash (`0`) is
/// active and delivery is by letter.
pub async fn settings<C: ConnectionTrait>(db: &C, tenant: Tenant) -> AppResult<NoxSettings> {
    let row = nox_settings::Entity::find()
        .filter(nox_settings::Column::CompanyId.eq(tenant.company_id()))
        .one(db)
        .await?;
    Ok(match row {
        Some(r) => NoxSettings {
            active_terms: r
                .active_terms
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            default_delivery: r.default_delivery,
            recall_instead_of_monitoring: r.recall_instead_of_monitoring,
        },
        None => NoxSettings {
            active_terms: companies::terms(db, tenant)
                .await?
                .into_iter()
                .filter(|t| t.days > 0)
                .map(|t| t.code)
                .collect(),
            default_delivery: "LETTER".into(),
            recall_instead_of_monitoring: false,
        },
    })
}

/// Saves the tenant's settings.
pub async fn save_settings<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    s: &NoxSettings,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let existing = nox_settings::Entity::find()
        .filter(nox_settings::Column::CompanyId.eq(tenant.company_id()))
        .one(db)
        .await?;
    let terms = s.active_terms.join(",");
    match existing {
        Some(row) => {
            let mut am: nox_settings::ActiveModel = row.into();
            am.active_terms = Set(terms);
            am.default_delivery = Set(s.default_delivery.clone());
            am.recall_instead_of_monitoring = Set(s.recall_instead_of_monitoring);
            am.updated_at = Set(now);
            am.update(db).await?;
        }
        None => {
            nox_settings::ActiveModel {
                company_id: Set(tenant.company_id()),
                active_terms: Set(terms),
                default_delivery: Set(s.default_delivery.clone()),
                recall_instead_of_monitoring: Set(s.recall_instead_of_monitoring),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// The tenant's invoices hidden from the send view.
pub async fn hidden<C: ConnectionTrait>(db: &C, tenant: Tenant) -> AppResult<HashSet<i64>> {
    Ok(nox_hidden::Entity::find()
        .filter(nox_hidden::Column::CompanyId.eq(tenant.company_id()))
        .all(db)
        .await?
        .into_iter()
        .map(|h| h.invoice_id)
        .collect())
}

/// Hides or unhides one of the tenant's invoices (the caller has checked it is
/// the tenant's).
pub async fn set_hidden<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: i64,
    hide: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    nox_hidden::Entity::delete_many()
        .filter(nox_hidden::Column::CompanyId.eq(tenant.company_id()))
        .filter(nox_hidden::Column::InvoiceId.eq(invoice_id))
        .exec(db)
        .await?;
    if hide {
        nox_hidden::ActiveModel {
            company_id: Set(tenant.company_id()),
            invoice_id: Set(invoice_id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

fn cases(tenant: Tenant) -> Select<nox_case::Entity> {
    nox_case::Entity::find().filter(nox_case::Column::CompanyId.eq(tenant.company_id()))
}

/// The current case of each of the tenant's invoices `ids`: the open one, or
/// else the latest (a rejected or recalled invoice may be sent again, so an
/// invoice can have several cases, at most one of them open).
pub async fn cases_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<i64>,
) -> AppResult<Vec<nox_case::Model>> {
    let all = cases(tenant)
        .filter(nox_case::Column::InvoiceId.is_in(ids))
        .order_by_asc(nox_case::Column::Id)
        .all(db)
        .await?;
    let mut latest: std::collections::HashMap<i64, nox_case::Model> =
        std::collections::HashMap::new();
    for c in all {
        latest.insert(c.invoice_id, c);
    }
    Ok(latest.into_values().collect())
}

/// The open case of the tenant's invoice, if Nox Finans holds it.
pub async fn open_case_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: i64,
) -> AppResult<Option<nox_case::Model>> {
    Ok(cases(tenant)
        .filter(nox_case::Column::InvoiceId.eq(invoice_id))
        .filter(nox_case::Column::Status.is_in(open_statuses()))
        .one(db)
        .await?)
}

fn open_statuses() -> Vec<&'static str> {
    NoxStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(NoxStatus::as_str)
        .collect()
}

/// The stored status of a case; an unknown value is an internal error.
pub fn status_of(c: &nox_case::Model) -> AppResult<NoxStatus> {
    NoxStatus::parse(&c.status).ok_or_else(|| {
        tracing::error!(case = c.id, status = %c.status, "unknown stored Nox Finans case status");
        AppError::Internal(format!("case {} has an unknown status", c.id))
    })
}

/// One case of the tenant.
pub async fn case<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
) -> AppResult<Option<nox_case::Model>> {
    Ok(cases(tenant)
        .filter(nox_case::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// A case of any company (the worker).
pub async fn case_any<C: ConnectionTrait>(
    db: &C,
    _op: super::Operator,
    id: i64,
) -> AppResult<Option<nox_case::Model>> {
    Ok(nox_case::Entity::find_by_id(id).one(db).await?)
}

/// Inserts a case for the tenant.
pub async fn insert_case<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    mut am: nox_case::ActiveModel,
) -> AppResult<nox_case::Model> {
    am.company_id = Set(tenant.company_id());
    Ok(am.insert(db).await?)
}

/// Applies `changes` to the tenant's case while its status is one of `from`.
pub async fn transition<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
    from: &[NoxStatus],
    changes: nox_case::ActiveModel,
) -> AppResult<Option<nox_case::Model>> {
    let res = nox_case::Entity::update_many()
        .set(changes)
        .filter(nox_case::Column::Id.eq(id))
        .filter(nox_case::Column::CompanyId.eq(tenant.company_id()))
        .filter(nox_case::Column::Status.is_in(from.iter().map(|s| s.as_str())))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    case(db, tenant, id).await
}

/// Takes the case's row lock for the rest of the transaction (PostgreSQL; on
/// SQLite the write transaction already holds the database), so payments,
/// steps and payouts of one case run one after another.
pub async fn lock<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        raw::one(
            db,
            "SELECT id FROM nox_case WHERE id = ? FOR UPDATE",
            [id.into()],
        )
        .await?;
    }
    Ok(())
}

/// What a payment changes on a case, applied as increments.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseMoney {
    /// Off the customer's capital (any payer but Skatteverket, or a credit).
    pub capital_reduced_ore: i64,
    /// Collected through Nox Finans towards the capital.
    pub capital_collected_ore: i64,
    /// Collected: fees.
    pub fees_collected_ore: i64,
    /// Collected: interest.
    pub interest_collected_ore: i64,
    /// Kept by Nox Finans.
    pub kept_ore: i64,
    /// Waiting to be paid out.
    pub pending_ore: i64,
}

/// Moves a case's amounts by increments, while its capital still covers the
/// reduction; `false` when it no longer does (a concurrent change).
pub async fn add_money<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
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

/// Pays out exactly `pending_ore` of a case: compare-and-set on the pending
/// amount, so the same money never leaves twice. `false` when the pending
/// amount is no longer exactly that.
pub async fn take_payout<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
    pending_ore: i64,
    set_off_ore: i64,
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
