//! Jobs: a lease token that fences completion, and a dead-letter state after
//! too many failed attempts.
#![allow(clippy::enum_variant_names)]

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Job {
    Table,
    LeaseToken,
    Dead,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Job::Table)
                .add_column(string_null(Job::LeaseToken))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Job::Table)
                .add_column(boolean(Job::Dead).default(false))
                .take(),
        )
        .await?;
        Ok(())
    }
}
