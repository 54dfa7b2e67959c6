//! Invoice sales, agreements and contact requests.

use chrono::{DateTime, NaiveDate, Utc};
use entity::{contact_request, invoice_sale, invoice_sale_agreement, sale_collection};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Select, Set,
};

use super::page::{self, Keyed, Page, PageRequest};
use super::{Operator, Tenant, raw};
use crate::domain::sale::{Agreement, SaleStatus};
use crate::error::{AppError, AppResult};

impl Keyed for invoice_sale::Model {
    fn key(&self) -> i64 {
        self.id
    }
}

impl Keyed for contact_request::Model {
    fn key(&self) -> i64 {
        self.id
    }
}

/// Statuses of a sale that holds its invoice (not denied, not withdrawn).
pub const LIVE: &[&str] = &["PROCESSING", "SPOT_CHECK", "APPROVED", "PAID_OUT"];

/// The domain view of a stored agreement.
pub fn agreement_terms(m: &invoice_sale_agreement::Model) -> Agreement {
    Agreement {
        active: m.active,
        fixed_fee_ore: m.fixed_fee_ore,
        percentage_bp: m.percentage_bp,
        minimum_fee_ore: m.minimum_fee_ore,
        customer_limit_ore: m.customer_limit_ore,
        total_limit_ore: m.total_limit_ore,
    }
}

/// The tenant's agreement, if any.
pub async fn agreement<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
) -> AppResult<Option<invoice_sale_agreement::Model>> {
    Ok(invoice_sale_agreement::Entity::find()
        .filter(invoice_sale_agreement::Column::CompanyId.eq(tenant.company_id()))
        .one(db)
        .await?)
}

/// Sets a company's agreement (operator).
pub async fn set_agreement<C: ConnectionTrait>(
    db: &C,
    _op: Operator,
    company_id: i64,
    terms: Agreement,
    now: DateTime<Utc>,
) -> AppResult<invoice_sale_agreement::Model> {
    let existing = invoice_sale_agreement::Entity::find()
        .filter(invoice_sale_agreement::Column::CompanyId.eq(company_id))
        .one(db)
        .await?;
    let exists = existing.is_some();
    let mut am: invoice_sale_agreement::ActiveModel = match existing {
        Some(m) => m.into(),
        None => invoice_sale_agreement::ActiveModel {
            company_id: Set(company_id),
            ..Default::default()
        },
    };
    am.active = Set(terms.active);
    am.fixed_fee_ore = Set(terms.fixed_fee_ore);
    am.percentage_bp = Set(terms.percentage_bp);
    am.minimum_fee_ore = Set(terms.minimum_fee_ore);
    am.customer_limit_ore = Set(terms.customer_limit_ore);
    am.total_limit_ore = Set(terms.total_limit_ore);
    am.updated_at = Set(now);
    Ok(if exists {
        am.update(db).await?
    } else {
        am.insert(db).await?
    })
}

/// Records a request to be contacted.
pub async fn request_contact<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    phone: String,
    message: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<contact_request::Model> {
    Ok(contact_request::ActiveModel {
        company_id: Set(tenant.company_id()),
        phone: Set(phone),
        message: Set(message),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Contact requests of every company, newest first (operator).
pub async fn contact_requests<C: ConnectionTrait>(
    db: &C,
    _op: Operator,
    req: PageRequest,
) -> AppResult<Page<contact_request::Model>> {
    Ok(page::fetch(
        db,
        contact_request::Entity::find(),
        contact_request::Column::Id,
        req,
        true,
    )
    .await?)
}

/// How many contact requests there are (operator).
pub async fn contact_request_count<C: ConnectionTrait>(db: &C, _op: Operator) -> AppResult<u64> {
    Ok(contact_request::Entity::find().count(db).await?)
}

fn scoped(tenant: Tenant) -> Select<invoice_sale::Entity> {
    invoice_sale::Entity::find().filter(invoice_sale::Column::CompanyId.eq(tenant.company_id()))
}

/// One sale of the tenant.
pub async fn get<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
) -> AppResult<Option<invoice_sale::Model>> {
    Ok(scoped(tenant)
        .filter(invoice_sale::Column::Id.eq(id))
        .one(db)
        .await?)
}

/// A sale of any company (operator, worker).
pub async fn get_any<C: ConnectionTrait>(
    db: &C,
    _op: Operator,
    id: i64,
) -> AppResult<Option<invoice_sale::Model>> {
    Ok(invoice_sale::Entity::find_by_id(id).one(db).await?)
}

/// Any company's sale with the tenant it belongs to, for an operator or a
/// job acting on it: the tenant comes from the sale's own row.
pub async fn get_owned<C: ConnectionTrait>(
    db: &C,
    op: Operator,
    id: i64,
) -> AppResult<Option<(Tenant, invoice_sale::Model)>> {
    Ok(get_any(db, op, id)
        .await?
        .map(|s| (Tenant(s.company_id), s)))
}

/// The tenant's sale made under an idempotency key.
pub async fn by_key<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    key: &str,
) -> AppResult<Option<invoice_sale::Model>> {
    Ok(scoped(tenant)
        .filter(invoice_sale::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// The latest sale of each of the tenant's invoices `ids`.
pub async fn latest_by_invoice<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<i64>,
) -> AppResult<Vec<invoice_sale::Model>> {
    let all = scoped(tenant)
        .filter(invoice_sale::Column::InvoiceId.is_in(ids))
        .order_by_asc(invoice_sale::Column::Id)
        .all(db)
        .await?;
    let mut latest: std::collections::HashMap<i64, invoice_sale::Model> =
        std::collections::HashMap::new();
    for s in all {
        latest.insert(s.invoice_id, s);
    }
    Ok(latest.into_values().collect())
}

/// Whether the tenant's invoice has a sale that is not denied.
pub async fn has_live_sale<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: i64,
) -> AppResult<bool> {
    Ok(scoped(tenant)
        .filter(invoice_sale::Column::InvoiceId.eq(invoice_id))
        .filter(invoice_sale::Column::Status.is_in(LIVE.iter().copied()))
        .one(db)
        .await?
        .is_some())
}

fn status_filter(
    q: Select<invoice_sale::Entity>,
    status: Option<SaleStatus>,
) -> Select<invoice_sale::Entity> {
    match status {
        Some(s) => q.filter(invoice_sale::Column::Status.eq(s.as_str())),
        None => q,
    }
}

/// A page of the tenant's sales, newest first.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    status: Option<SaleStatus>,
    req: PageRequest,
) -> AppResult<Page<invoice_sale::Model>> {
    Ok(page::fetch(
        db,
        status_filter(scoped(tenant), status),
        invoice_sale::Column::Id,
        req,
        true,
    )
    .await?)
}

/// How many of the tenant's sales match.
pub async fn count<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    status: Option<SaleStatus>,
) -> AppResult<u64> {
    Ok(status_filter(scoped(tenant), status).count(db).await?)
}

/// Sales awaiting a spot check, of every company, oldest first (operator).
pub async fn spot_check_queue<C: ConnectionTrait>(
    db: &C,
    _op: Operator,
    req: PageRequest,
) -> AppResult<Page<invoice_sale::Model>> {
    let q = invoice_sale::Entity::find()
        .filter(invoice_sale::Column::Status.eq(SaleStatus::SpotCheck.as_str()));
    Ok(page::fetch(db, q, invoice_sale::Column::Id, req, false).await?)
}

/// How many sales await a spot check (operator).
pub async fn spot_check_queue_count<C: ConnectionTrait>(db: &C, _op: Operator) -> AppResult<u64> {
    Ok(invoice_sale::Entity::find()
        .filter(invoice_sale::Column::Status.eq(SaleStatus::SpotCheck.as_str()))
        .count(db)
        .await?)
}

/// Inserts a new sale in PROCESSING.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    mut am: invoice_sale::ActiveModel,
) -> AppResult<invoice_sale::Model> {
    am.company_id = Set(tenant.company_id());
    am.status = Set(SaleStatus::Processing.as_str().to_string());
    Ok(am.insert(db).await?)
}

/// Applies `changes` to the tenant's sale only while its status is one of
/// `from`; returns the updated sale, or `None` when the sale had moved on (so a
/// transition happens exactly once even if two workers race for it).
pub async fn transition<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: i64,
    from: &[SaleStatus],
    changes: invoice_sale::ActiveModel,
) -> AppResult<Option<invoice_sale::Model>> {
    let res = invoice_sale::Entity::update_many()
        .set(changes)
        .filter(invoice_sale::Column::Id.eq(id))
        .filter(invoice_sale::Column::CompanyId.eq(tenant.company_id()))
        .filter(invoice_sale::Column::Status.is_in(from.iter().map(|s| s.as_str())))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    get(db, tenant, id).await
}

/// The history spot-check selection looks at.
#[derive(Debug, Clone, Copy, Default)]
pub struct History {
    /// Sales before `before_id`.
    pub previous: u32,
    /// Approved or paid-out sales before it.
    pub approved: u32,
    /// Approved sales to the recipient before it.
    pub approved_to_recipient: u32,
    /// Average approved amount.
    pub average_approved_ore: i64,
}

fn as_count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The tenant's sale history before sale `before_id`, for recipient
/// `customer_id`: one aggregate query.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    before_id: i64,
    customer_id: i64,
) -> AppResult<History> {
    let row = raw::one(
        db,
        "SELECT CAST(COUNT(*) AS BIGINT) AS previous, \
         CAST(COALESCE(SUM(CASE WHEN status IN ('APPROVED', 'PAID_OUT') THEN 1 ELSE 0 END), 0) AS BIGINT) AS approved, \
         CAST(COALESCE(SUM(CASE WHEN status IN ('APPROVED', 'PAID_OUT') AND customer_id = ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS to_recipient, \
         CAST(COALESCE(SUM(CASE WHEN status IN ('APPROVED', 'PAID_OUT') THEN amount_ore ELSE 0 END), 0) AS BIGINT) AS approved_sum \
         FROM invoice_sale WHERE company_id = ? AND id < ?",
        [customer_id.into(), tenant.company_id().into(), before_id.into()],
    )
    .await?
    .ok_or_else(|| AppError::Internal("aggregate returned no row".into()))?;
    let approved = raw::int(&row, "approved")?;
    Ok(History {
        previous: as_count(raw::int(&row, "previous")?),
        approved: as_count(approved),
        approved_to_recipient: as_count(raw::int(&row, "to_recipient")?),
        average_approved_ore: if approved > 0 {
            raw::int(&row, "approved_sum")? / approved
        } else {
            0
        },
    })
}

/// The financier's exposure to a company's customers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exposure {
    /// Open sold amount to the recipient: sales in progress plus bought
    /// invoices less what the financier has collected.
    pub to_customer_ore: i64,
    /// The same over all the company's recipients.
    pub total_ore: i64,
    /// The recipient has a bought invoice past its due date that the financier
    /// has not collected in full.
    pub recipient_overdue: bool,
}

/// The exposure to recipient `customer_id` and in total, leaving out invoice
/// `except`: one aggregate query.
pub async fn exposure<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    customer_id: i64,
    except: i64,
    today: NaiveDate,
) -> AppResult<Exposure> {
    let row = raw::one(
        db,
        "SELECT CAST(COALESCE(SUM(CASE WHEN s.customer_id = ? THEN s.amount_ore - s.collected_ore ELSE 0 END), 0) AS BIGINT) AS to_customer, \
         CAST(COALESCE(SUM(s.amount_ore - s.collected_ore), 0) AS BIGINT) AS total, \
         CAST(COALESCE(MAX(CASE WHEN s.customer_id = ? AND s.status IN ('APPROVED', 'PAID_OUT') \
              AND i.due_date < ? AND s.collected_ore < s.amount_ore THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue \
         FROM invoice_sale s JOIN invoice i ON i.id = s.invoice_id \
         WHERE s.company_id = ? AND s.status IN ('PROCESSING', 'SPOT_CHECK', 'APPROVED', 'PAID_OUT') \
         AND s.invoice_id <> ?",
        [
            customer_id.into(),
            customer_id.into(),
            today.into(),
            tenant.company_id().into(),
            except.into(),
        ],
    )
    .await?
    .ok_or_else(|| AppError::Internal("aggregate returned no row".into()))?;
    Ok(Exposure {
        to_customer_ore: raw::int(&row, "to_customer")?,
        total_ore: raw::int(&row, "total")?,
        recipient_overdue: raw::int(&row, "overdue")? > 0,
    })
}

/// Records the financier's collection on a bought sale, by increment, while
/// it does not exceed what is left; `false` when it would.
pub async fn add_collection<C: ConnectionTrait>(
    db: &C,
    sale: &invoice_sale::Model,
    amount_ore: i64,
    collected_on: NaiveDate,
    key: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let n = raw::exec(
        db,
        "UPDATE invoice_sale SET collected_ore = collected_ore + ? \
         WHERE id = ? AND status IN ('APPROVED', 'PAID_OUT') AND collected_ore + ? <= amount_ore",
        [amount_ore.into(), sale.id.into(), amount_ore.into()],
    )
    .await?;
    if n == 0 {
        return Ok(false);
    }
    sale_collection::ActiveModel {
        company_id: Set(sale.company_id),
        sale_id: Set(sale.id),
        amount_ore: Set(amount_ore),
        collected_on: Set(collected_on),
        idempotency_key: Set(key.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// A collection recorded under `key` (operator).
pub async fn collection_by_key<C: ConnectionTrait>(
    db: &C,
    _op: Operator,
    key: &str,
) -> AppResult<Option<sale_collection::Model>> {
    Ok(sale_collection::Entity::find()
        .filter(sale_collection::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}
