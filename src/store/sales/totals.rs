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
    /// The company's bought (approved or paid-out) sales so far.
    pub approved: u32,
    /// Whether the recipient has a bought sale of the company already.
    pub recipient_known: bool,
    /// Average bought amount.
    pub average_approved_ore: Ore,
}

fn as_count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The tenant's bought sales so far, and whether recipient `customer_id` is
/// among their recipients: one statement that reads the company's
/// `sale_tally` row and at most one index entry of the recipient's sales, so
/// its cost does not grow with the company's history.
pub async fn history<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    customer_id: CustomerId,
) -> AppResult<History> {
    let bought = sql_list(SaleStatus::is_bought);
    let company = tenant.company_id();
    let row = raw::one(
        db,
        &format!(
            "SELECT \
             CAST(COALESCE((SELECT bought_sales FROM sale_tally WHERE company_id = ?), 0) AS BIGINT) AS approved, \
             CAST(COALESCE((SELECT bought_ore FROM sale_tally WHERE company_id = ?), 0) AS BIGINT) AS approved_sum, \
             CAST((SELECT COUNT(*) FROM (SELECT 1 FROM invoice_sale WHERE company_id = ? \
                  AND customer_id = ? AND status IN ({bought}) LIMIT 1) AS known) AS BIGINT) AS known"
        ),
        [company.into(), company.into(), company.into(), customer_id.into()],
    )
    .await?
    .ok_or_else(|| AppError::Internal("aggregate returned no row".into()))?;
    let approved = raw::int(&row, "approved")?;
    Ok(History {
        approved: as_count(approved),
        recipient_known: raw::int(&row, "known")? > 0,
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
/// `except`, and whether `except` is sold or handed over already: one
/// statement of index lookups, whose cost grows neither with the company's
/// sales nor with the recipient's, bought or in progress.
///
/// - The recipient's share is its `recipient_tally` row (bought sales less
///   what is collected, and sales being decided), less the sale of `except`
///   if it is the recipient's. Whether the recipient has an overdue bought
///   sale is one entry of `ix_sale_overdue`, by the due date each sale keeps
///   of its invoice.
/// - The company's total is its `sale_tally` row, less the sale of `except`.
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
    // The sale holding `except`: at most one (`ux_sale_open_invoice`).
    let held = format!(
        "FROM invoice_sale x WHERE x.company_id = ? AND x.invoice_id = ? \
         AND x.status IN ({holding})"
    );
    let sql = format!(
        "SELECT \
         COALESCE((SELECT r.outstanding_ore + r.deciding_ore FROM recipient_tally r \
              WHERE r.company_id = ? AND r.customer_id = ?), 0) AS recipient, \
         COALESCE((SELECT t.outstanding_ore + t.deciding_ore FROM sale_tally t \
              WHERE t.company_id = ?), 0) AS company, \
         (SELECT CAST(COALESCE(SUM(CASE WHEN x.customer_id = ? \
              THEN x.amount_ore - x.collected_ore ELSE 0 END), 0) AS BIGINT) {held}) \
              AS held_recipient, \
         (SELECT CAST(COALESCE(SUM(x.amount_ore - x.collected_ore), 0) AS BIGINT) {held}) \
              AS held, \
         (SELECT COUNT(*) {held}) AS sold, \
         (SELECT COUNT(*) FROM (SELECT 1 FROM invoice_sale o \
              WHERE o.company_id = ? AND o.customer_id = ? AND o.status IN ({bought}) \
              AND o.collected_ore < o.amount_ore AND o.due_date < ? \
              AND o.invoice_id <> ? LIMIT 1) AS late) AS overdue, \
         (SELECT COUNT(*) FROM nox_case k WHERE k.company_id = ? AND k.invoice_id = ? \
              AND k.status IN ({open})) AS handed_over"
    );
    let company = tenant.company_id();
    let row = raw::one(
        db,
        &sql,
        [
            company.into(),
            customer_id.into(),
            company.into(),
            customer_id.into(),
            company.into(),
            except.into(),
            company.into(),
            except.into(),
            company.into(),
            except.into(),
            company.into(),
            customer_id.into(),
            today.into(),
            except.into(),
            company.into(),
            except.into(),
        ],
    )
    .await?
    .ok_or_else(|| AppError::Internal("aggregate returned no row".into()))?;
    Ok(Exposure {
        to_customer_ore: raw::ore(&row, "recipient")? - raw::ore(&row, "held_recipient")?,
        total_ore: raw::ore(&row, "company")? - raw::ore(&row, "held")?,
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
    super::tally::adjust(db, sale, super::tally::Deltas::collected(amount_ore)).await?;
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
