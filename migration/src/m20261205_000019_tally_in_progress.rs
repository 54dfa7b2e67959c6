//! The sales being decided join the running totals, so a quote's and a
//! decision's exposure reads two rows and no sales at all.
//!
//! `sale_tally` and `recipient_tally` (migrations 12 and 18) get
//! `deciding_ore`: the amounts of the sales in progress (processing or in a
//! spot check). The store adds a sale's amount when it is sent and takes it
//! away when it is approved, denied or withdrawn, in the same transaction.
//! Until now the exposure summed those sales (`ix_sale_in_progress`), a read
//! that grew with a backlog: a company selling faster than its sales are
//! decided, or many invoices to one customer at once. That index had no
//! other reader and goes, so sending a sale writes one index entry fewer.
//!
//! `up` fills both from the sales in progress, adding rows for companies and
//! recipients that have only sales in progress.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const IN_PROGRESS: &str = "status IN ('PROCESSING', 'SPOT_CHECK')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let company = format!(
            "UPDATE sale_tally SET deciding_ore = COALESCE((SELECT SUM(s.amount_ore) \
             FROM invoice_sale s WHERE s.company_id = sale_tally.company_id \
             AND s.{IN_PROGRESS}), 0)"
        );
        let new_companies = format!(
            "INSERT INTO sale_tally (company_id, deciding_ore) \
             SELECT company_id, SUM(amount_ore) FROM invoice_sale s WHERE s.{IN_PROGRESS} \
             AND NOT EXISTS (SELECT 1 FROM sale_tally t WHERE t.company_id = s.company_id) \
             GROUP BY company_id"
        );
        let recipients = format!(
            "UPDATE recipient_tally SET deciding_ore = COALESCE((SELECT SUM(s.amount_ore) \
             FROM invoice_sale s WHERE s.company_id = recipient_tally.company_id \
             AND s.customer_id = recipient_tally.customer_id AND s.{IN_PROGRESS}), 0)"
        );
        let new_recipients = format!(
            "INSERT INTO recipient_tally (company_id, customer_id, deciding_ore) \
             SELECT company_id, customer_id, SUM(amount_ore) FROM invoice_sale s \
             WHERE s.{IN_PROGRESS} AND NOT EXISTS (SELECT 1 FROM recipient_tally r \
             WHERE r.company_id = s.company_id AND r.customer_id = s.customer_id) \
             GROUP BY company_id, customer_id"
        );
        crate::run_all(
            m,
            &[
                "ALTER TABLE sale_tally ADD COLUMN deciding_ore BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE recipient_tally ADD COLUMN deciding_ore BIGINT NOT NULL DEFAULT 0",
                &company,
                &new_companies,
                &recipients,
                &new_recipients,
                "DROP INDEX ix_sale_in_progress",
            ],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            m,
            &[
                crate::m20261205_000012_sale_tally::IN_PROGRESS,
                "ALTER TABLE recipient_tally DROP COLUMN deciding_ore",
                "ALTER TABLE sale_tally DROP COLUMN deciding_ore",
            ],
        )
        .await
    }
}
