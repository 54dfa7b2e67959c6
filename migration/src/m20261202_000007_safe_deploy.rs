//! Safe deployment: tokens that expire and can be revoked (and say when they
//! were last used), the audit log of operator actions, and the server's own
//! secrets (the spot-check key when none is configured).
#![allow(clippy::enum_variant_names)]

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    TokenId,
    TokenLabel,
    Action,
    CompanyId,
    Subject,
    Before,
    After,
}

#[derive(DeriveIden)]
enum ServerSecret {
    Table,
    Name,
    Value,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for col in [
            ApiToken::ExpiresAt,
            ApiToken::RevokedAt,
            ApiToken::LastUsedAt,
        ] {
            m.alter_table(
                Table::alter()
                    .table(ApiToken::Table)
                    .add_column(timestamp_with_time_zone_null(col))
                    .take(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(big_pk_auto(AuditLog::Id))
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(big_integer_null(AuditLog::TokenId))
                .col(string(AuditLog::TokenLabel))
                .col(string(AuditLog::Action))
                .col(big_integer_null(AuditLog::CompanyId))
                .col(string(AuditLog::Subject))
                .col(text_null(AuditLog::Before))
                .col(text_null(AuditLog::After))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_log_company")
                .table(AuditLog::Table)
                .col(AuditLog::CompanyId)
                .col(AuditLog::Id)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ServerSecret::Table)
                .col(string(ServerSecret::Name).primary_key())
                .col(string(ServerSecret::Value))
                .col(timestamp_with_time_zone(ServerSecret::CreatedAt))
                .take(),
        )
        .await?;
        Ok(())
    }
}
