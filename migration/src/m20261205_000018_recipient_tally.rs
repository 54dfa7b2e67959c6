//! Each recipient's bought sales as a running total, so a quote and a
//! decision no longer read each of a recipient's outstanding sales.
//!
//! `recipient_tally` holds, per company and customer, what of the sales the
//! financier bought (approved, and perhaps paid out) is still outstanding:
//! their amounts less what the financier has collected. The store keeps it
//! in the same transactions as the company's `sale_tally` (migration 12):
//! the one that approves a sale and the one that records a collection. The
//! recipient's exposure a quote checks is then this row plus the recipient's
//! sales still being decided (`ix_sale_in_progress`), whatever the size of
//! its history.
//!
//! That exposure was the one reader of `ix_sale_outstanding` (migration
//! 10); the index goes, so inserting and deciding a sale keeps one index
//! fewer. `up` fills the tally from the sales already recorded.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "CREATE TABLE recipient_tally (\
     company_id BIGINT NOT NULL REFERENCES company (id) ON DELETE RESTRICT, \
     customer_id BIGINT NOT NULL REFERENCES customer (id) ON DELETE RESTRICT, \
     outstanding_ore BIGINT NOT NULL DEFAULT 0, \
     PRIMARY KEY (company_id, customer_id))";

const FILL: &str = "INSERT INTO recipient_tally (company_id, customer_id, outstanding_ore) \
     SELECT company_id, customer_id, SUM(amount_ore - collected_ore) \
     FROM invoice_sale WHERE status IN ('APPROVED', 'PAID_OUT') \
     GROUP BY company_id, customer_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(m, &[TABLE, FILL, "DROP INDEX ix_sale_outstanding"]).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Migration 10's index, as it made it.
        let outstanding = crate::m20261204_000010_sale_exposure::INDEX;
        crate::run_all(m, &[outstanding, "DROP TABLE recipient_tally"]).await
    }
}
