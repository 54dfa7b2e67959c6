//! Operators (acting for Nox Finans) list the invoices handed over and not
//! yet accepted (`noxFinansSubmissions`), oldest first. Those are few (Nox
//! Finans accepts within minutes) among every case ever opened, and no index
//! led to them: a page read the cases in id order and skipped the rest
//! (13 ms at 100,000 cases on PostgreSQL, growing with the table). The
//! partial index holds the submitted cases only; a case leaves it when
//! accepted or rejected, and a page reads in 0.12 ms, one company's in
//! 0.15 ms (BENCHMARKS.md, twenty-sixth run).
//!
//! The bought sales left to collect (`salesToCollect`) get no index of their
//! own: most bought sales are outstanding, so the primary key or
//! `ix_sale_company_id` finds a page at once (0.1 ms at 1,000,000 sales). A
//! partial index on their id made PostgreSQL read one company's page through
//! it, skipping the other companies' sales (240 ms where it was 0.1 ms).
//!
//! The status is the one `NoxStatus::Submitted` stores today; a change must be
//! followed here in a new migration, or the planner stops using the index
//! (the results stay right, only slower).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            m,
            &["CREATE INDEX ix_nox_case_submitted ON nox_case (id) WHERE status = 'SUBMITTED'"],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(m, &["DROP INDEX ix_nox_case_submitted"]).await
    }
}
