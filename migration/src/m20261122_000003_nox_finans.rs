//! Nox Finans: settings, rows hidden from the send view, and cases.
#![allow(clippy::enum_variant_names)]

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_foundation::{Company, Invoice, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NoxSettings {
    Table,
    Id,
    CompanyId,
    ActiveTerms,
    DefaultDelivery,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum NoxHidden {
    Table,
    Id,
    CompanyId,
    InvoiceId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NoxCase {
    Table,
    Id,
    CompanyId,
    InvoiceId,
    CustomerId,
    Service,
    Delivery,
    Status,
    IdempotencyKey,
    SubmittedAt,
    PausedUntil,
    NextEvent,
    NextEventDate,
    CapitalOre,
    FeesOre,
    PayoutPendingOre,
    ClosedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(NoxSettings::Table)
                .col(big_pk_auto(NoxSettings::Id))
                .col(big_integer_uniq(NoxSettings::CompanyId))
                .col(string(NoxSettings::ActiveTerms))
                .col(string(NoxSettings::DefaultDelivery))
                .col(timestamp_with_time_zone(NoxSettings::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_nox_settings_company",
                    (NoxSettings::Table, NoxSettings::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NoxHidden::Table)
                .col(big_pk_auto(NoxHidden::Id))
                .col(big_integer(NoxHidden::CompanyId))
                .col(big_integer_uniq(NoxHidden::InvoiceId))
                .col(timestamp_with_time_zone(NoxHidden::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_nox_hidden_invoice",
                    (NoxHidden::Table, NoxHidden::InvoiceId),
                    (Invoice::Table, Invoice::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_nox_hidden_company",
            NoxHidden::Table,
            vec![
                NoxHidden::CompanyId.into_iden(),
                NoxHidden::InvoiceId.into_iden(),
            ],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(NoxCase::Table)
                .col(big_pk_auto(NoxCase::Id))
                .col(big_integer(NoxCase::CompanyId))
                .col(big_integer_uniq(NoxCase::InvoiceId))
                .col(big_integer(NoxCase::CustomerId))
                .col(string(NoxCase::Service))
                .col(string(NoxCase::Delivery))
                .col(string(NoxCase::Status))
                .col(string(NoxCase::IdempotencyKey))
                .col(timestamp_with_time_zone(NoxCase::SubmittedAt))
                .col(date_null(NoxCase::PausedUntil))
                .col(string_null(NoxCase::NextEvent))
                .col(date_null(NoxCase::NextEventDate))
                .col(big_integer(NoxCase::CapitalOre))
                .col(big_integer(NoxCase::FeesOre))
                .col(big_integer(NoxCase::PayoutPendingOre).default(0))
                .col(timestamp_with_time_zone_null(NoxCase::ClosedAt))
                .foreign_key(&mut fk(
                    "fk_nox_case_company",
                    (NoxCase::Table, NoxCase::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_nox_case_invoice",
                    (NoxCase::Table, NoxCase::InvoiceId),
                    (Invoice::Table, Invoice::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_nox_case_company",
            NoxCase::Table,
            vec![NoxCase::CompanyId.into_iden(), NoxCase::Id.into_iden()],
            false,
        ))
        .await?;
        Ok(())
    }
}
