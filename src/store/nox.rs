//! Nox Finans settings, hidden send-view rows and cases of the tenant.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::{nox_case, nox_hidden, nox_settings};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select, Set,
};

use super::Tenant;
use super::companies;
use crate::error::AppResult;

/// A company's Nox Finans settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoxSettings {
    /// Active terms-of-payment codes.
    pub active_terms: Vec<String>,
    /// `LETTER` or `EMAIL`.
    pub default_delivery: String,
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
        },
        None => NoxSettings {
            active_terms: companies::terms(db, tenant)
                .await?
                .into_iter()
                .filter(|t| t.days > 0)
                .map(|t| t.code)
                .collect(),
            default_delivery: "LETTER".into(),
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
            am.updated_at = Set(now);
            am.update(db).await?;
        }
        None => {
            nox_settings::ActiveModel {
                company_id: Set(tenant.company_id()),
                active_terms: Set(terms),
                default_delivery: Set(s.default_delivery.clone()),
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

/// The tenant's cases of invoices `ids`.
pub async fn cases_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<i64>,
) -> AppResult<Vec<nox_case::Model>> {
    Ok(cases(tenant)
        .filter(nox_case::Column::InvoiceId.is_in(ids))
        .all(db)
        .await?)
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
    from: &[&str],
    changes: nox_case::ActiveModel,
) -> AppResult<Option<nox_case::Model>> {
    let res = nox_case::Entity::update_many()
        .set(changes)
        .filter(nox_case::Column::Id.eq(id))
        .filter(nox_case::Column::CompanyId.eq(tenant.company_id()))
        .filter(nox_case::Column::Status.is_in(from.iter().copied()))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    case(db, tenant, id).await
}
