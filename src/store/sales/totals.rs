//! What a quote, a sale and a decision weigh an invoice by (the company's
//! agreement, its sale history and exposure from running totals), and what
//! the financier collected.

use super::*;
use crate::domain::id::{InvoiceId, SaleId};
use crate::domain::money::Ore;
use crate::domain::nox_case::NoxStatus;
use crate::store::invoices::Invoice;
use crate::store::record::sql_list;
use entity::invoice;
use sea_orm::{FromQueryResult, IdenStatic, Iterable};

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

/// What a quote, a sale and a decision read about one invoice.
#[derive(Debug)]
pub struct Basis {
    /// The invoice.
    pub invoice: Invoice,
    /// The company's agreement, if any.
    pub agreement: Option<Agreement>,
    /// The exposure to the invoice's customer and in total, leaving the
    /// invoice out.
    pub exposure: Exposure,
    /// The company's bought sales and the recipient's place among them.
    pub history: History,
}

/// The tenant's invoice `id` with everything a quote, a sale or a decision
/// weighs it by, in one statement of index lookups whose cost grows neither
/// with the company's sales nor with the recipient's; absent when the
/// invoice is missing or another company's.
///
/// - The agreement is the company's `invoice_sale_agreement` row.
/// - The exposure to the recipient is its `recipient_tally` row (bought
///   sales less what is collected, and sales being decided), less the sale
///   holding the invoice if there is one (at most one,
///   `ux_sale_open_invoice`); the company's total is its `sale_tally` row,
///   less the same sale. Whether the recipient has an overdue bought sale is
///   one entry of `ix_sale_overdue`, by the due date each sale keeps of its
///   invoice.
/// - The history is the `sale_tally` row's bought sales and their amount,
///   and one index entry of the recipient's bought sales.
pub async fn basis<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: InvoiceId,
    today: NaiveDate,
) -> AppResult<Option<Basis>> {
    let open = sql_list(NoxStatus::is_open);
    let bought = sql_list(SaleStatus::is_bought);
    let holding = sql_list(SaleStatus::holds_invoice);
    let agreement: String = invoice_sale_agreement::Column::iter()
        .map(|c| format!(r#", a."{0}" AS "a_{0}""#, c.as_str()))
        .collect();
    // The invoice's columns keep their names; the rest are prefixed, so
    // none can meet one of them: `a_` the agreement, `x_` the exposure, `h_`
    // the history.
    let sql = format!(
        "SELECT i.*{agreement}, \
         CAST(COALESCE(r.outstanding_ore + r.deciding_ore, 0) AS BIGINT) AS x_recipient, \
         CAST(COALESCE(t.outstanding_ore + t.deciding_ore, 0) AS BIGINT) AS x_company, \
         CAST(COALESCE(x.amount_ore - x.collected_ore, 0) AS BIGINT) AS x_held, \
         CAST(CASE WHEN x.id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS x_sold, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM invoice_sale o \
              WHERE o.company_id = i.company_id AND o.customer_id = i.customer_id \
              AND o.status IN ({bought}) AND o.collected_ore < o.amount_ore \
              AND o.due_date < ? AND o.invoice_id <> i.id) THEN 1 ELSE 0 END AS BIGINT) AS x_overdue, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM nox_case k \
              WHERE k.company_id = i.company_id AND k.invoice_id = i.id \
              AND k.status IN ({open})) THEN 1 ELSE 0 END AS BIGINT) AS x_handed_over, \
         CAST(COALESCE(t.bought_sales, 0) AS BIGINT) AS h_bought_sales, \
         CAST(COALESCE(t.bought_ore, 0) AS BIGINT) AS h_bought_ore, \
         CAST(CASE WHEN EXISTS (SELECT 1 FROM invoice_sale b \
              WHERE b.company_id = i.company_id AND b.customer_id = i.customer_id \
              AND b.status IN ({bought})) THEN 1 ELSE 0 END AS BIGINT) AS h_known \
         FROM invoice i \
         LEFT JOIN invoice_sale_agreement a ON a.company_id = i.company_id \
         LEFT JOIN sale_tally t ON t.company_id = i.company_id \
         LEFT JOIN recipient_tally r \
              ON r.company_id = i.company_id AND r.customer_id = i.customer_id \
         LEFT JOIN invoice_sale x ON x.company_id = i.company_id AND x.invoice_id = i.id \
              AND x.status IN ({holding}) \
         WHERE i.company_id = ? AND i.id = ?"
    );
    let row = raw::one(
        db,
        &sql,
        [today.into(), tenant.company_id().into(), id.into()],
    )
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let invoice = Invoice::try_from(invoice::Model::from_query_result(&row, "")?)?;
    let agreement = match row.try_get::<Option<i64>>("", "a_id")? {
        Some(_) => Some(agreement_terms(
            &invoice_sale_agreement::Model::from_query_result(&row, "a_")?,
        )),
        None => None,
    };
    // The holding sale is of the invoice's customer: it copied the customer
    // when made, and an invoice on sale cannot change.
    let held = raw::ore(&row, "x_held")?;
    let approved = raw::int(&row, "h_bought_sales")?;
    Ok(Some(Basis {
        invoice,
        agreement,
        exposure: Exposure {
            to_customer_ore: raw::ore(&row, "x_recipient")? - held,
            total_ore: raw::ore(&row, "x_company")? - held,
            recipient_overdue: raw::int(&row, "x_overdue")? > 0,
            invoice_sold: raw::int(&row, "x_sold")? > 0,
            invoice_handed_over: raw::int(&row, "x_handed_over")? > 0,
        },
        history: History {
            approved: as_count(approved),
            recipient_known: raw::int(&row, "h_known")? > 0,
            average_approved_ore: if approved > 0 {
                Ore::new(raw::int(&row, "h_bought_ore")? / approved)
            } else {
                Ore::ZERO
            },
        },
    }))
}

/// Records the financier's collection on a bought sale, by increment, while
/// it does not exceed what is left; `false` when it would.
pub async fn add_collection(
    db: &Ordered,
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
    super::tally::adjust(db, sale, super::tally::Deltas::collected(amount_ore));
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
        /// The day the customer paid the financier.
        collected_on: NaiveDate,
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
