//! An invoice by its OCR. The financier's operators find the bought sale a
//! customer's payment belongs to by the OCR on the bank's line
//! (`salesToCollect(ocr:)`), an equality on `invoice.ocr`. No index answered
//! an equality well: on PostgreSQL the trigram index of migration 16 (made
//! for the list's "contains" search) answered it in a bitmap scan of its
//! three-letter pieces, 11 ms at 2,000,000 invoices; without `pg_trgm`, and
//! on SQLite, the lookup read every invoice. The B-tree index answers the
//! equality directly on both.
//!
//! The index is not unique: OCRs were once made from the invoice number
//! alone, so two companies' invoices of one number share one, and they keep
//! the references they were sent with. Since OCRs carry the company's id as
//! well (`ocr_for`), a new one names one invoice of all companies.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(m, &["CREATE INDEX ix_invoice_ocr ON invoice (ocr)"]).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(m, &["DROP INDEX ix_invoice_ocr"]).await
    }
}
