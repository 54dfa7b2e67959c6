//! The running totals quotes and decisions read instead of a company's or a
//! recipient's sales: `sale_tally` per company (bought sales, their amount,
//! what of it is outstanding, and what is being decided) and
//! `recipient_tally` per company and customer (outstanding and being
//! decided). The store changes them in the transaction of each change they
//! count (last, just before it commits: [`Pending`]), so they always equal
//! the sums over the sales:
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
use sea_orm::DbErr;

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
    fn plus(self, o: Self) -> Self {
        Self {
            bought_sales: self.bought_sales + o.bought_sales,
            bought: self.bought + o.bought,
            outstanding: self.outstanding + o.outstanding,
            deciding: self.deciding + o.deciding,
        }
    }

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

/// Adds `d` to the totals of `sale`'s company and recipient, when the
/// transaction commits ([`Pending`]).
pub(super) fn adjust(db: &Ordered, sale: &Sale, d: Deltas) {
    db.tally(|p| p.add(sale, d));
}

/// The tally changes of one transaction, written together just before it
/// commits. Every sale of a company changes its company's `sale_tally` row,
/// so the transaction that writes it holds that row's lock until it commits;
/// written last, the lock is held for the commit alone, not for the rest of
/// the change, and the company's other sales wait less.
#[derive(Debug, Default)]
pub struct Pending {
    companies: Vec<(CompanyId, Deltas)>,
    recipients: Vec<((CompanyId, CustomerId), Deltas)>,
}

impl Pending {
    fn add(&mut self, sale: &Sale, d: Deltas) {
        merge(&mut self.companies, sale.company_id, d);
        merge(&mut self.recipients, (sale.company_id, sale.customer_id), d);
    }

    /// Writes the changes: one statement per company and per recipient.
    pub async fn write<C: ConnectionTrait>(self, db: &C) -> Result<(), DbErr> {
        for (company, d) in self.companies {
            let sql = "INSERT INTO sale_tally (company_id, bought_sales, bought_ore, outstanding_ore, deciding_ore) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (company_id) DO UPDATE SET \
                 bought_sales = sale_tally.bought_sales + excluded.bought_sales, \
                 bought_ore = sale_tally.bought_ore + excluded.bought_ore, \
                 outstanding_ore = sale_tally.outstanding_ore + excluded.outstanding_ore, \
                 deciding_ore = sale_tally.deciding_ore + excluded.deciding_ore";
            let values = [
                company.into(),
                d.bought_sales.into(),
                d.bought.into(),
                d.outstanding.into(),
                d.deciding.into(),
            ];
            db.execute_raw(raw::stmt(db, sql, values)).await?;
        }
        for ((company, customer), d) in self.recipients {
            let sql = "INSERT INTO recipient_tally (company_id, customer_id, outstanding_ore, deciding_ore) \
                 VALUES (?, ?, ?, ?) ON CONFLICT (company_id, customer_id) DO UPDATE SET \
                 outstanding_ore = recipient_tally.outstanding_ore + excluded.outstanding_ore, \
                 deciding_ore = recipient_tally.deciding_ore + excluded.deciding_ore";
            let values = [
                company.into(),
                customer.into(),
                d.outstanding.into(),
                d.deciding.into(),
            ];
            db.execute_raw(raw::stmt(db, sql, values)).await?;
        }
        Ok(())
    }
}

/// Adds `d` to `key`'s sum in `sums`, or files it as the first.
fn merge<K: PartialEq>(sums: &mut Vec<(K, Deltas)>, key: K, d: Deltas) {
    match sums.iter_mut().find(|(k, _)| *k == key) {
        Some((_, sum)) => *sum = sum.plus(d),
        None => sums.push((key, d)),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn deciding(ore: i64) -> Deltas {
        Deltas {
            deciding: Ore::new(ore),
            ..Deltas::default()
        }
    }

    #[test]
    fn changes_to_one_row_in_a_transaction_add_up() {
        let (a, b) = (CompanyId::new(1), CompanyId::new(2));
        let mut sums = Vec::new();
        merge(&mut sums, a, deciding(100));
        merge(&mut sums, b, deciding(7));
        merge(&mut sums, a, deciding(-30));
        let by_company: Vec<(CompanyId, i64)> =
            sums.iter().map(|(k, d)| (*k, d.deciding.get())).collect();
        assert_eq!(by_company, vec![(a, 70), (b, 7)]);
    }
}
