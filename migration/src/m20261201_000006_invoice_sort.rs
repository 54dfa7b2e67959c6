//! Indexes behind each sort of the invoice list: every order is `company_id`,
//! then the sort value, then the id, so a page is an index range wherever it
//! lies. The customer name sorts as `COALESCE(customer_name, '')`, an
//! expression index on both databases. A sale's invoice index gains the
//! id, so an invoice's latest sale is one index probe.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: &[(&str, &str)] = &[
    ("ix_invoice_sort_date", "company_id, invoice_date, id"),
    ("ix_invoice_sort_due", "company_id, due_date, id"),
    ("ix_invoice_sort_total", "company_id, total_ore, id"),
    (
        "ix_invoice_sort_customer_name",
        "company_id, (COALESCE(customer_name, '')), id",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        for (name, columns) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON invoice ({columns})"))
                .await?;
        }
        // Superseded by the due-date sort index, which has the id as well.
        db.execute_unprepared("DROP INDEX ix_invoice_company_due")
            .await?;
        // An invoice's latest sale (the list joins it) is the last entry of
        // this index for the invoice.
        db.execute_unprepared(
            "CREATE INDEX ix_sale_invoice_latest ON invoice_sale (invoice_id, id)",
        )
        .await?;
        db.execute_unprepared("DROP INDEX ix_sale_invoice").await?;
        Ok(())
    }
}
