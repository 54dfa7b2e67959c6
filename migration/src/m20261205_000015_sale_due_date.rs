//! A sale keeps its invoice's due date, so that "the recipient has an
//! overdue bought invoice" is one index probe.
//!
//! The exposure a quote and a decision check asked, for every bought sale
//! of the recipient not yet collected, whether its invoice is past due: one
//! invoice read per sale (0.5 ms for a recipient with 320 such sales, three
//! times per sale sold). An invoice cannot change while a sale holds it, so
//! the due date the sale copies stays its invoice's. `ix_sale_overdue`
//! holds the bought sales not yet collected in full by recipient and due
//! date; the exposure asks it for one entry before today.
//!
//! The status list is the one `SaleStatus::is_bought` gives today; a status
//! added to it needs a new migration, as the indexes of migrations 10 and
//! 12 do.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMN: &str = "ALTER TABLE invoice_sale ADD COLUMN due_date DATE";

const FILL: &str = "UPDATE invoice_sale SET due_date = \
     (SELECT i.due_date FROM invoice i WHERE i.id = invoice_sale.invoice_id)";

const INDEX: &str = "CREATE INDEX ix_sale_overdue ON invoice_sale \
     (company_id, customer_id, due_date) \
     WHERE status IN ('APPROVED', 'PAID_OUT') AND collected_ore < amount_ore";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(m, &[COLUMN, FILL, INDEX]).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            m,
            &[
                "DROP INDEX ix_sale_overdue",
                "ALTER TABLE invoice_sale DROP COLUMN due_date",
            ],
        )
        .await
    }
}
