//! The running totals quotes and decisions read instead of a company's or a
//! recipient's sales: `sale_tally` per company (bought sales, their amount,
//! what of it is outstanding, and what is being decided) and
//! `recipient_tally` per company and customer (outstanding and being
//! decided). The store changes them in the transaction of each change they
//! count, so they always equal the sums over the sales:
//!
//! | change | being decided | bought, outstanding |
//! |---|---|---|
//! | a sale sent ([`super::insert`]) | + amount | |
//! | approved | − amount | + 1, + amount, + amount left |
//! | denied, withdrawn | − amount | |
//! | a collection recorded | | − what was collected |
//!
//! Sales in progress have nothing collected, so "being decided" is their
//! amount.

use super::*;
use crate::domain::sale::SaleStatus;

/// What one change adds to its sale's company's and recipient's totals.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Deltas {
    /// Sales bought.
    pub bought_sales: i64,
    /// Their amounts.
    pub bought: Ore,
    /// Bought and not yet collected.
    pub outstanding: Ore,
    /// In progress: processing or in a spot check.
    pub deciding: Ore,
}

impl Deltas {
    /// A sale sent: it is being decided.
    pub fn sent(sale: &Sale) -> Self {
        Self {
            deciding: sale.amount_ore,
            ..Self::default()
        }
    }

    /// A sale the financier bought: no longer being decided, outstanding.
    pub fn bought(sale: &Sale) -> Self {
        Self {
            bought_sales: 1,
            bought: sale.amount_ore,
            outstanding: sale.amount_ore - sale.collected_ore,
            deciding: -sale.amount_ore,
        }
    }

    /// A sale denied or withdrawn: no longer being decided.
    pub fn left(sale: &Sale) -> Self {
        Self {
            deciding: -sale.amount_ore,
            ..Self::default()
        }
    }

    /// A collection of `amount` on a bought sale.
    pub fn collected(amount: Ore) -> Self {
        Self {
            outstanding: -amount,
            ..Self::default()
        }
    }
}

/// Adds `d` to the totals of `sale`'s company and recipient.
pub(super) async fn adjust<C: ConnectionTrait>(db: &C, sale: &Sale, d: Deltas) -> AppResult<()> {
    raw::exec(
        db,
        "INSERT INTO sale_tally (company_id, bought_sales, bought_ore, outstanding_ore, deciding_ore) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (company_id) DO UPDATE SET \
         bought_sales = sale_tally.bought_sales + excluded.bought_sales, \
         bought_ore = sale_tally.bought_ore + excluded.bought_ore, \
         outstanding_ore = sale_tally.outstanding_ore + excluded.outstanding_ore, \
         deciding_ore = sale_tally.deciding_ore + excluded.deciding_ore",
        [
            sale.company_id.into(),
            d.bought_sales.into(),
            d.bought.into(),
            d.outstanding.into(),
            d.deciding.into(),
        ],
    )
    .await?;
    raw::exec(
        db,
        "INSERT INTO recipient_tally (company_id, customer_id, outstanding_ore, deciding_ore) \
         VALUES (?, ?, ?, ?) ON CONFLICT (company_id, customer_id) DO UPDATE SET \
         outstanding_ore = recipient_tally.outstanding_ore + excluded.outstanding_ore, \
         deciding_ore = recipient_tally.deciding_ore + excluded.deciding_ore",
        [
            sale.company_id.into(),
            sale.customer_id.into(),
            d.outstanding.into(),
            d.deciding.into(),
        ],
    )
    .await?;
    Ok(())
}

/// Rebuilds a company's `sale_tally` and its recipients' `recipient_tally`
/// from its sales: for data written past the store, as `seed-bulk` does.
pub async fn retally<C: ConnectionTrait>(db: &C, company: CompanyId) -> AppResult<()> {
    for table in ["sale_tally", "recipient_tally"] {
        raw::exec(
            db,
            &format!("DELETE FROM {table} WHERE company_id = ?"),
            [company.into()],
        )
        .await?;
    }
    for sql in [REBUILD_COMPANY, REBUILD_RECIPIENTS] {
        let sql = sql
            .replace(
                "{bought}",
                &crate::store::record::sql_list(SaleStatus::is_bought),
            )
            .replace(
                "{deciding}",
                &crate::store::record::sql_list(SaleStatus::awaits_decision),
            );
        raw::exec(db, &sql, [company.into()]).await?;
    }
    Ok(())
}

const REBUILD_COMPANY: &str = "INSERT INTO sale_tally \
     (company_id, bought_sales, bought_ore, outstanding_ore, deciding_ore) \
     SELECT company_id, \
     SUM(CASE WHEN status IN ({bought}) THEN 1 ELSE 0 END), \
     SUM(CASE WHEN status IN ({bought}) THEN amount_ore ELSE 0 END), \
     SUM(CASE WHEN status IN ({bought}) THEN amount_ore - collected_ore ELSE 0 END), \
     SUM(CASE WHEN status IN ({deciding}) THEN amount_ore ELSE 0 END) \
     FROM invoice_sale WHERE company_id = ? AND status IN ({bought}, {deciding}) \
     GROUP BY company_id";

const REBUILD_RECIPIENTS: &str = "INSERT INTO recipient_tally \
     (company_id, customer_id, outstanding_ore, deciding_ore) \
     SELECT company_id, customer_id, \
     SUM(CASE WHEN status IN ({bought}) THEN amount_ore - collected_ore ELSE 0 END), \
     SUM(CASE WHEN status IN ({deciding}) THEN amount_ore ELSE 0 END) \
     FROM invoice_sale WHERE company_id = ? AND status IN ({bought}, {deciding}) \
     GROUP BY company_id, customer_id";
