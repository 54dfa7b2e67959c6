//! The invoice list's Cancelled and Not completed tabs read their own
//! invoices. Both states are rare, and no index led to them, so a page of
//! either walked the company's invoices in page order looking for one (9 ms
//! for none at 20,000 invoices, growing with the company). A partial index
//! on each holds only the invoices in that state; the list's conditions
//! write the flag as a literal (`store::raw::flag`), so the plan can use it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CANCELLED: &str =
    "CREATE INDEX ix_invoice_cancelled ON invoice (company_id, id) WHERE cancelled = TRUE";
const NOT_COMPLETED: &str =
    "CREATE INDEX ix_invoice_not_completed ON invoice (company_id, id) WHERE not_completed = TRUE";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(m, &[CANCELLED, NOT_COMPLETED]).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            m,
            &[
                "DROP INDEX ix_invoice_not_completed",
                "DROP INDEX ix_invoice_cancelled",
            ],
        )
        .await
    }
}
