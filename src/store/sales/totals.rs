//! A company's sale history and exposure as SQL aggregates, and what the
//! financier collected.

use super::*;
use crate::domain::id::{CustomerId, InvoiceId, SaleId};
use crate::domain::money::Ore;
use crate::domain::nox_case::NoxStatus;
use crate::store::record::sql_list;

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
    pub average_approved_ore: Ore,
}

fn as_count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The tenant's sale history before sale `before_id`, for recipient
/// `customer_id`: one aggregate query.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    before_id: SaleId,
    customer_id: CustomerId,
) -> AppResult<History> {
    let bought = sql_list(SaleStatus::is_bought);
    let row = raw::one(
        db,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) AS previous, \
             CAST(COALESCE(SUM(CASE WHEN status IN ({bought}) THEN 1 ELSE 0 END), 0) AS BIGINT) AS approved, \
             CAST(COALESCE(SUM(CASE WHEN status IN ({bought}) AND customer_id = ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS to_recipient, \
             CAST(COALESCE(SUM(CASE WHEN status IN ({bought}) THEN amount_ore ELSE 0 END), 0) AS BIGINT) AS approved_sum \
             FROM invoice_sale WHERE company_id = ? AND id < ?"
        ),
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
            Ore::new(raw::int(&row, "approved_sum")? / approved)
        } else {
            Ore::ZERO
        },
    })
}

/// The financier's exposure to a company's customers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exposure {
    /// Open sold amount to the recipient: sales in progress plus bought
    /// invoices less what the financier has collected.
    pub to_customer_ore: Ore,
    /// The same over all the company's recipients.
    pub total_ore: Ore,
    /// The recipient has a bought invoice past its due date that the financier
    /// has not collected in full.
    pub recipient_overdue: bool,
    /// The invoice left out has a sale in progress or made.
    pub invoice_sold: bool,
    /// The invoice left out is with Nox Finans in an open case.
    pub invoice_handed_over: bool,
}

/// The exposure to recipient `customer_id` and in total, leaving out invoice
/// `except`, and whether `except` is sold or handed over already: one query.
///
/// Only outstanding sales count (a fully collected one adds nothing), so
/// the statement reads the partial index of outstanding sales
/// (`ix_sale_outstanding`) once: the company's total, the recipient's share
/// and whether the recipient has an overdue bought sale come from the same
/// pass, and only the recipient's bought sales look up their invoice's due
/// date. The cost follows what is outstanding, not how many sales the
/// company ever made.
pub async fn exposure<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    customer_id: CustomerId,
    except: InvoiceId,
    today: NaiveDate,
) -> AppResult<Exposure> {
    let open = sql_list(NoxStatus::is_open);
    let bought = sql_list(SaleStatus::is_bought);
    let holding = sql_list(SaleStatus::holds_invoice);
    let sql = format!(
        "SELECT \
         CAST(COALESCE(SUM(CASE WHEN s.customer_id = ? \
              THEN s.amount_ore - s.collected_ore ELSE 0 END), 0) AS BIGINT) AS to_customer, \
         CAST(COALESCE(SUM(s.amount_ore - s.collected_ore), 0) AS BIGINT) AS total, \
         CAST(COALESCE(SUM(CASE WHEN s.customer_id = ? AND s.status IN ({bought}) \
              THEN CASE WHEN EXISTS (SELECT 1 FROM invoice i \
                   WHERE i.id = s.invoice_id AND i.due_date < ?) THEN 1 ELSE 0 END \
              ELSE 0 END), 0) AS BIGINT) AS overdue, \
         (SELECT COUNT(*) FROM invoice_sale x WHERE x.company_id = ? AND x.invoice_id = ? \
              AND x.status IN ({holding})) AS sold, \
         (SELECT COUNT(*) FROM nox_case k WHERE k.company_id = ? AND k.invoice_id = ? \
              AND k.status IN ({open})) AS handed_over \
         FROM invoice_sale s WHERE s.company_id = ? AND s.status IN ({holding}) \
              AND s.collected_ore < s.amount_ore AND s.invoice_id <> ?"
    );
    let company = tenant.company_id();
    let row = raw::one(
        db,
        &sql,
        [
            customer_id.into(),
            customer_id.into(),
            today.into(),
            company.into(),
            except.into(),
            company.into(),
            except.into(),
            company.into(),
            except.into(),
        ],
    )
    .await?
    .ok_or_else(|| AppError::Internal("aggregate returned no row".into()))?;
    Ok(Exposure {
        to_customer_ore: raw::ore(&row, "to_customer")?,
        total_ore: raw::ore(&row, "total")?,
        recipient_overdue: raw::int(&row, "overdue")? > 0,
        invoice_sold: raw::int(&row, "sold")? > 0,
        invoice_handed_over: raw::int(&row, "handed_over")? > 0,
    })
}

/// Records the financier's collection on a bought sale, by increment, while
/// it does not exceed what is left; `false` when it would.
pub async fn add_collection<C: ConnectionTrait>(
    db: &C,
    sale: &super::Sale,
    amount_ore: Ore,
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
        company_id: Set(sale.company_id.get()),
        sale_id: Set(sale.id.get()),
        amount_ore: Set(amount_ore.get()),
        collected_on: Set(collected_on),
        idempotency_key: Set(key.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(true)
}

record!(
    /// Money the customer of a sold invoice paid the financier, as recorded.
    Collection from sale_collection::Model {
        /// The sale it was collected for.
        sale_id: SaleId,
        /// How much.
        amount_ore: Ore,
        /// The client's key: the same key records once.
        idempotency_key: String,
    }
);

/// A collection recorded under `key` (operator).
pub async fn collection_by_key<C: ConnectionTrait>(
    db: &C,
    _op: Operator,
    key: &str,
) -> AppResult<Option<Collection>> {
    Ok(sale_collection::Entity::find()
        .filter(sale_collection::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
        .map(Collection::from))
}
