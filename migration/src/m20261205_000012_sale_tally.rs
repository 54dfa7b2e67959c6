//! A company's bought sales as running totals, so a quote and a decision no
//! longer read every sale the company ever made.
//!
//! `sale_tally` holds, per company, how many sales the financier bought
//! (approved, and perhaps paid out), their amount, and what of it is still
//! outstanding (bought, less what the financier has collected). The store
//! keeps it in the transaction that approves a sale or records a
//! collection; bought is a final state (approved, then paid out), so those
//! are the only changes. The exposure a quote checks is then this row plus
//! the recipient's outstanding sales (`ix_sale_outstanding`) and the other
//! recipients' sales still being decided (`ix_sale_in_progress`), and the history
//! spot-check selection reads is this row plus whether the recipient has a
//! bought sale (`ix_sale_recipient`).
//!
//! `up` fills the tally from the sales already recorded.
//!
//! The status lists are the ones `SaleStatus::is_bought` (the fill) and
//! `SaleStatus::awaits_decision` (the index of sales in progress) give
//! today; a status added to either needs a new migration, as the index of
//! migration 10 does.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "CREATE TABLE sale_tally (\
     company_id BIGINT NOT NULL PRIMARY KEY REFERENCES company (id) ON DELETE RESTRICT, \
     bought_sales BIGINT NOT NULL DEFAULT 0, \
     bought_ore BIGINT NOT NULL DEFAULT 0, \
     outstanding_ore BIGINT NOT NULL DEFAULT 0)";

const FILL: &str = "INSERT INTO sale_tally (company_id, bought_sales, bought_ore, outstanding_ore) \
     SELECT company_id, COUNT(*), SUM(amount_ore), SUM(amount_ore - collected_ore) \
     FROM invoice_sale WHERE status IN ('APPROVED', 'PAID_OUT') GROUP BY company_id";

pub(crate) const IN_PROGRESS: &str = "CREATE INDEX ix_sale_in_progress ON invoice_sale \
     (company_id, customer_id, invoice_id, amount_ore, collected_ore) \
     WHERE status IN ('PROCESSING', 'SPOT_CHECK')";

const RECIPIENT: &str = "CREATE INDEX ix_sale_recipient ON invoice_sale \
     (company_id, customer_id, status)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(m, &[TABLE, FILL, IN_PROGRESS, RECIPIENT]).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            m,
            &[
                "DROP INDEX ix_sale_recipient",
                "DROP INDEX ix_sale_in_progress",
                "DROP TABLE sale_tally",
            ],
        )
        .await
    }
}
