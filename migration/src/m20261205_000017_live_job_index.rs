//! A case's live job by its subject. Keeping one live job per Nox Finans
//! case (`store::jobs::schedule_once` and `reschedule`, at every step,
//! payment and pause of a case) looks up the job of that kind and subject
//! still to run. No index led there: the lookup read every job still to run
//! of every company (a year's steps of every open case), or the whole table.
//! The partial index holds the live jobs only, so a job that is done leaves
//! it and the index stays the size of the work in hand.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(
            m,
            &["CREATE INDEX ix_job_live ON job (company_id, kind, subject_id) WHERE done = FALSE"],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(m, &["DROP INDEX ix_job_live"]).await
    }
}
