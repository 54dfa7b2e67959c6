//! The exposure a quote checks reads outstanding sales only: a partial index
//! on the sales that still hold their invoice and are not fully collected,
//! holding every column the exposure sums, so the company's total is read
//! from the index alone and the recipient's share from that customer's
//! entries. Fully collected sales leave the index, so the read follows what
//! is outstanding, not the company's history of sales.
//!
//! The status list is the one `SaleStatus::holds_invoice` gives today; a
//! status added later that holds the invoice must be added here in a new
//! migration, or the planner stops using the index (the results stay
//! right, only slower).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

pub(crate) const INDEX: &str = "CREATE INDEX ix_sale_outstanding ON invoice_sale \
     (company_id, customer_id, invoice_id, status, amount_ore, collected_ore) \
     WHERE status IN ('PROCESSING', 'SPOT_CHECK', 'APPROVED', 'PAID_OUT') \
     AND collected_ore < amount_ore";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection().execute_unprepared(INDEX).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX ix_sale_outstanding")
            .await?;
        Ok(())
    }
}
