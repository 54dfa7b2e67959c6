//! A sale's or a case's history (`store::outbox::histories`) reads its events
//! by topic and subject. The only index it could use was the company's
//! (`ix_outbox_company_seq`), so each history read every event of the
//! company: 7 ms at 20,000 events, growing with the company's age. The
//! index by topic and subject replaces it; nothing else reads events by
//! company and `seq` (subscriptions read by position), so the writes keep
//! the same number of indexes.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BY_SUBJECT: &str = "CREATE INDEX ix_outbox_subject ON outbox_event (topic, subject_id, seq)";
const BY_COMPANY: &str = "CREATE INDEX ix_outbox_company_seq ON outbox_event (company_id, seq)";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(m, &[BY_SUBJECT, "DROP INDEX ix_outbox_company_seq"]).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(m, &[BY_COMPANY, "DROP INDEX ix_outbox_subject"]).await
    }
}
