//! Money that closes: sold invoices settle, payments say who paid (with an
//! idempotency key), the financier's collections, withdrawn sales, the
//! customer's and Skatteverket's parts of a house-work invoice, credit notes,
//! Nox Finans amounts collected, kept and paid out, fees set off against payouts,
//! and a case per hand-over (a rejected or recalled invoice can be sent again).
#![allow(clippy::enum_variant_names)]

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_foundation::{Company, Invoice, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InvoiceCols {
    #[sea_orm(iden = "invoice")]
    Table,
    Sold,
    HouseWorkPaidOre,
    CreditedOre,
    CreditsInvoiceId,
}

#[derive(DeriveIden)]
enum PaymentCols {
    #[sea_orm(iden = "payment")]
    Table,
    Payer,
    IdempotencyKey,
    CapitalOre,
    FeesOre,
    InterestOre,
    CompanyId,
}

#[derive(DeriveIden)]
enum SaleCols {
    #[sea_orm(iden = "invoice_sale")]
    Table,
    CollectedOre,
}

#[derive(DeriveIden)]
enum SaleCollection {
    Table,
    Id,
    CompanyId,
    SaleId,
    AmountOre,
    CollectedOn,
    IdempotencyKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InvoiceHold {
    Table,
    Id,
    InvoiceId,
    CompanyId,
    Holder,
    HolderId,
}

#[derive(DeriveIden)]
enum CompanyCols {
    #[sea_orm(iden = "company")]
    Table,
    NoxFeesDueOre,
}

#[derive(DeriveIden)]
enum NoxSettingsCols {
    #[sea_orm(iden = "nox_settings")]
    Table,
    RecallInsteadOfMonitoring,
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
    ClaimOre,
    CapitalCollectedOre,
    FeesCollectedOre,
    InterestCollectedOre,
    KeptOre,
    PaidOutOre,
    RecallInsteadOfMonitoring,
    PauseDaysUsed,
    RejectionReason,
}

async fn add(
    m: &SchemaManager<'_>,
    table: impl IntoIden,
    col: &mut ColumnDef,
) -> Result<(), DbErr> {
    m.alter_table(Table::alter().table(table).add_column(col).take())
        .await
}

/// The case table without the one-case-per-invoice constraint (SQLite cannot
/// drop a column constraint, so the table is rebuilt there).
fn case_table(name: &str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(name))
        .col(big_pk_auto(NoxCase::Id))
        .col(big_integer(NoxCase::CompanyId))
        .col(big_integer(NoxCase::InvoiceId))
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
            &format!("fk_{name}_company"),
            (Alias::new(name), NoxCase::CompanyId),
            (Company::Table, Company::Id),
        ))
        .foreign_key(&mut fk(
            &format!("fk_{name}_invoice"),
            (Alias::new(name), NoxCase::InvoiceId),
            (Invoice::Table, Invoice::Id),
        ))
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let sqlite = m.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Sqlite;

        // Invoices: sold flag, Skatteverket's payments, credits.
        add(
            m,
            InvoiceCols::Table,
            boolean(InvoiceCols::Sold).default(false),
        )
        .await?;
        add(
            m,
            InvoiceCols::Table,
            big_integer(InvoiceCols::HouseWorkPaidOre).default(0),
        )
        .await?;
        add(
            m,
            InvoiceCols::Table,
            big_integer(InvoiceCols::CreditedOre).default(0),
        )
        .await?;
        add(
            m,
            InvoiceCols::Table,
            &mut big_integer_null(InvoiceCols::CreditsInvoiceId),
        )
        .await?;

        // Payments: who paid, the key, and how a payment through Nox Finans was split.
        add(
            m,
            PaymentCols::Table,
            string(PaymentCols::Payer).default("CUSTOMER"),
        )
        .await?;
        add(
            m,
            PaymentCols::Table,
            &mut string_null(PaymentCols::IdempotencyKey),
        )
        .await?;
        add(
            m,
            PaymentCols::Table,
            big_integer(PaymentCols::CapitalOre).default(0),
        )
        .await?;
        add(
            m,
            PaymentCols::Table,
            big_integer(PaymentCols::FeesOre).default(0),
        )
        .await?;
        add(
            m,
            PaymentCols::Table,
            big_integer(PaymentCols::InterestOre).default(0),
        )
        .await?;
        db.execute_unprepared("UPDATE payment SET capital_ore = amount_ore")
            .await?;
        m.create_index(index(
            "ux_payment_key",
            PaymentCols::Table,
            vec![
                PaymentCols::CompanyId.into_iden(),
                PaymentCols::IdempotencyKey.into_iden(),
            ],
            true,
        ))
        .await?;

        // Sales: the financier's collections; a withdrawn sale frees its invoice.
        add(
            m,
            SaleCols::Table,
            big_integer(SaleCols::CollectedOre).default(0),
        )
        .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS ux_sale_live_invoice")
            .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_sale_open_invoice ON invoice_sale (invoice_id) \
             WHERE status NOT IN ('DENIED', 'WITHDRAWN')",
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SaleCollection::Table)
                .col(big_pk_auto(SaleCollection::Id))
                .col(big_integer(SaleCollection::CompanyId))
                .col(big_integer(SaleCollection::SaleId))
                .col(big_integer(SaleCollection::AmountOre))
                .col(date(SaleCollection::CollectedOn))
                .col(string_uniq(SaleCollection::IdempotencyKey))
                .col(timestamp_with_time_zone(SaleCollection::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_sale_collection_sale",
            SaleCollection::Table,
            vec![SaleCollection::SaleId.into_iden()],
            false,
        ))
        .await?;

        // Nox Finans fees not yet set off or invoiced.
        add(
            m,
            CompanyCols::Table,
            big_integer(CompanyCols::NoxFeesDueOre).default(0),
        )
        .await?;
        add(
            m,
            NoxSettingsCols::Table,
            boolean(NoxSettingsCols::RecallInsteadOfMonitoring).default(false),
        )
        .await?;

        // Cases: one open case per invoice instead of one case ever.
        if sqlite {
            m.create_table(case_table("nox_case_new")).await?;
            db.execute_unprepared(
                "INSERT INTO nox_case_new SELECT id, company_id, invoice_id, customer_id, service, \
                 delivery, status, idempotency_key, submitted_at, paused_until, next_event, \
                 next_event_date, capital_ore, fees_ore, payout_pending_ore, closed_at FROM nox_case",
            )
            .await?;
            db.execute_unprepared("DROP TABLE nox_case").await?;
            db.execute_unprepared("ALTER TABLE nox_case_new RENAME TO nox_case")
                .await?;
            m.create_index(index(
                "ix_nox_case_company",
                NoxCase::Table,
                vec![NoxCase::CompanyId.into_iden(), NoxCase::Id.into_iden()],
                false,
            ))
            .await?;
        } else {
            db.execute_unprepared(
                "ALTER TABLE nox_case DROP CONSTRAINT IF EXISTS nox_case_invoice_id_key",
            )
            .await?;
        }
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_nox_case_open_invoice ON nox_case (invoice_id) \
             WHERE status NOT IN ('REJECTED', 'RECALLED')",
        )
        .await?;
        m.create_index(index(
            "ix_nox_case_invoice",
            NoxCase::Table,
            vec![NoxCase::InvoiceId.into_iden(), NoxCase::Id.into_iden()],
            false,
        ))
        .await?;
        for col in [
            NoxCase::ClaimOre,
            NoxCase::CapitalCollectedOre,
            NoxCase::FeesCollectedOre,
            NoxCase::InterestCollectedOre,
            NoxCase::KeptOre,
            NoxCase::PaidOutOre,
        ] {
            add(m, NoxCase::Table, big_integer(col).default(0)).await?;
        }
        db.execute_unprepared("UPDATE nox_case SET claim_ore = capital_ore")
            .await?;
        add(
            m,
            NoxCase::Table,
            boolean(NoxCase::RecallInsteadOfMonitoring).default(false),
        )
        .await?;
        add(
            m,
            NoxCase::Table,
            integer(NoxCase::PauseDaysUsed).default(0),
        )
        .await?;
        add(
            m,
            NoxCase::Table,
            &mut string_null(NoxCase::RejectionReason),
        )
        .await?;

        // At most one service holds an invoice (a sale in progress or made, or
        // an open Nox Finans case): one row per invoice, by a unique column.
        m.create_table(
            Table::create()
                .table(InvoiceHold::Table)
                .col(big_pk_auto(InvoiceHold::Id))
                .col(big_integer_uniq(InvoiceHold::InvoiceId))
                .col(big_integer(InvoiceHold::CompanyId))
                .col(string(InvoiceHold::Holder))
                .col(big_integer(InvoiceHold::HolderId))
                .foreign_key(&mut fk(
                    "fk_invoice_hold_invoice",
                    (InvoiceHold::Table, InvoiceHold::InvoiceId),
                    (Invoice::Table, Invoice::Id),
                ))
                .take(),
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO invoice_hold (invoice_id, company_id, holder, holder_id) \
             SELECT invoice_id, company_id, 'SALE', id FROM invoice_sale \
             WHERE status NOT IN ('DENIED', 'WITHDRAWN')",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO invoice_hold (invoice_id, company_id, holder, holder_id) \
             SELECT invoice_id, company_id, 'NOX_FINANS', id FROM nox_case c \
             WHERE status NOT IN ('REJECTED', 'RECALLED') \
             AND NOT EXISTS (SELECT 1 FROM invoice_hold h WHERE h.invoice_id = c.invoice_id)",
        )
        .await?;
        Ok(())
    }
}
