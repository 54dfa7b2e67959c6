//! Invoice sale: agreements, contact requests, sales, the payments-account
//! statement, vouchers, notifications, the event outbox and durable jobs.
#![allow(clippy::enum_variant_names)]

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261122_000001_foundation::{Company, Invoice, fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InvoiceSaleAgreement {
    Table,
    Id,
    CompanyId,
    Active,
    FixedFeeOre,
    PercentageBp,
    MinimumFeeOre,
    CustomerLimitOre,
    TotalLimitOre,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ContactRequest {
    Table,
    Id,
    CompanyId,
    Phone,
    Message,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InvoiceSale {
    Table,
    Id,
    CompanyId,
    InvoiceId,
    CustomerId,
    Status,
    AmountOre,
    InvoiceFeeOre,
    FactoringFeeOre,
    TotalFeesOre,
    PayoutOre,
    PercentageBp,
    QuoteId,
    IdempotencyKey,
    RequestedAt,
    DecidedAt,
    PayoutDate,
    PaidOutAt,
    SpotCheckRule,
    SpotCheckOutcome,
    SpotCheckNote,
    SpotCheckResolvedAt,
    SpotCheckDeadline,
    DenialCode,
    DenialMessage,
}

#[derive(DeriveIden)]
enum StatementEntry {
    Table,
    Id,
    CompanyId,
    BookedOn,
    Kind,
    Description,
    AmountOre,
    BalanceAfterOre,
    InvoiceId,
    SaleId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Voucher {
    Table,
    Id,
    CompanyId,
    Series,
    Number,
    Date,
    Description,
    SaleId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum VoucherRow {
    Table,
    Id,
    VoucherId,
    Account,
    DebitOre,
    CreditOre,
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    CompanyId,
    Kind,
    Message,
    InvoiceId,
    Read,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    Seq,
    CompanyId,
    Topic,
    Kind,
    InvoiceId,
    SubjectId,
    Message,
    At,
    RecordedMs,
}

#[derive(DeriveIden)]
enum Job {
    Table,
    Id,
    Kind,
    CompanyId,
    SubjectId,
    RunAtMs,
    LockedUntilMs,
    Attempts,
    LastError,
    Done,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(InvoiceSaleAgreement::Table)
                .col(big_pk_auto(InvoiceSaleAgreement::Id))
                .col(big_integer_uniq(InvoiceSaleAgreement::CompanyId))
                .col(boolean(InvoiceSaleAgreement::Active))
                .col(big_integer(InvoiceSaleAgreement::FixedFeeOre))
                .col(big_integer(InvoiceSaleAgreement::PercentageBp))
                .col(big_integer(InvoiceSaleAgreement::MinimumFeeOre))
                .col(big_integer(InvoiceSaleAgreement::CustomerLimitOre))
                .col(big_integer(InvoiceSaleAgreement::TotalLimitOre))
                .col(timestamp_with_time_zone(InvoiceSaleAgreement::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_agreement_company",
                    (InvoiceSaleAgreement::Table, InvoiceSaleAgreement::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ContactRequest::Table)
                .col(big_pk_auto(ContactRequest::Id))
                .col(big_integer(ContactRequest::CompanyId))
                .col(string(ContactRequest::Phone))
                .col(string_null(ContactRequest::Message))
                .col(timestamp_with_time_zone(ContactRequest::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_contact_company",
                    (ContactRequest::Table, ContactRequest::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(InvoiceSale::Table)
                .col(big_pk_auto(InvoiceSale::Id))
                .col(big_integer(InvoiceSale::CompanyId))
                .col(big_integer(InvoiceSale::InvoiceId))
                .col(big_integer(InvoiceSale::CustomerId))
                .col(string(InvoiceSale::Status))
                .col(big_integer(InvoiceSale::AmountOre))
                .col(big_integer(InvoiceSale::InvoiceFeeOre))
                .col(big_integer(InvoiceSale::FactoringFeeOre))
                .col(big_integer(InvoiceSale::TotalFeesOre))
                .col(big_integer(InvoiceSale::PayoutOre))
                .col(big_integer(InvoiceSale::PercentageBp))
                .col(string(InvoiceSale::QuoteId))
                .col(string(InvoiceSale::IdempotencyKey))
                .col(timestamp_with_time_zone(InvoiceSale::RequestedAt))
                .col(timestamp_with_time_zone_null(InvoiceSale::DecidedAt))
                .col(date_null(InvoiceSale::PayoutDate))
                .col(timestamp_with_time_zone_null(InvoiceSale::PaidOutAt))
                .col(string_null(InvoiceSale::SpotCheckRule))
                .col(string_null(InvoiceSale::SpotCheckOutcome))
                .col(string_null(InvoiceSale::SpotCheckNote))
                .col(timestamp_with_time_zone_null(
                    InvoiceSale::SpotCheckResolvedAt,
                ))
                .col(timestamp_with_time_zone_null(
                    InvoiceSale::SpotCheckDeadline,
                ))
                .col(string_null(InvoiceSale::DenialCode))
                .col(string_null(InvoiceSale::DenialMessage))
                .foreign_key(&mut fk(
                    "fk_sale_company",
                    (InvoiceSale::Table, InvoiceSale::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_sale_invoice",
                    (InvoiceSale::Table, InvoiceSale::InvoiceId),
                    (Invoice::Table, Invoice::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ux_sale_idempotency",
            InvoiceSale::Table,
            vec![
                InvoiceSale::CompanyId.into_iden(),
                InvoiceSale::IdempotencyKey.into_iden(),
            ],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_sale_company_id",
            InvoiceSale::Table,
            vec![
                InvoiceSale::CompanyId.into_iden(),
                InvoiceSale::Id.into_iden(),
            ],
            false,
        ))
        .await?;
        m.create_index(index(
            "ix_sale_invoice",
            InvoiceSale::Table,
            vec![InvoiceSale::InvoiceId.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index(
            "ix_sale_status",
            InvoiceSale::Table,
            vec![InvoiceSale::Status.into_iden(), InvoiceSale::Id.into_iden()],
            false,
        ))
        .await?;
        // At most one live (not denied) sale per invoice: concurrent sells under
        // different keys meet here, and all but one get CONFLICT.
        m.get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX ux_sale_live_invoice ON invoice_sale (invoice_id) WHERE status <> 'DENIED'")
            .await?;

        m.create_table(
            Table::create()
                .table(StatementEntry::Table)
                .col(big_pk_auto(StatementEntry::Id))
                .col(big_integer(StatementEntry::CompanyId))
                .col(date(StatementEntry::BookedOn))
                .col(string(StatementEntry::Kind))
                .col(string(StatementEntry::Description))
                .col(big_integer(StatementEntry::AmountOre))
                .col(big_integer(StatementEntry::BalanceAfterOre))
                .col(big_integer_null(StatementEntry::InvoiceId))
                .col(big_integer_null(StatementEntry::SaleId))
                .col(timestamp_with_time_zone(StatementEntry::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_statement_company",
                    (StatementEntry::Table, StatementEntry::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_statement_company_day",
            StatementEntry::Table,
            vec![
                StatementEntry::CompanyId.into_iden(),
                StatementEntry::BookedOn.into_iden(),
                StatementEntry::Id.into_iden(),
            ],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Voucher::Table)
                .col(big_pk_auto(Voucher::Id))
                .col(big_integer(Voucher::CompanyId))
                .col(string(Voucher::Series))
                .col(big_integer(Voucher::Number))
                .col(date(Voucher::Date))
                .col(string(Voucher::Description))
                .col(big_integer_null(Voucher::SaleId))
                .col(timestamp_with_time_zone(Voucher::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_voucher_company",
                    (Voucher::Table, Voucher::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ux_voucher_number",
            Voucher::Table,
            vec![
                Voucher::CompanyId.into_iden(),
                Voucher::Series.into_iden(),
                Voucher::Number.into_iden(),
            ],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_voucher_company_date",
            Voucher::Table,
            vec![
                Voucher::CompanyId.into_iden(),
                Voucher::Date.into_iden(),
                Voucher::Id.into_iden(),
            ],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(VoucherRow::Table)
                .col(big_pk_auto(VoucherRow::Id))
                .col(big_integer(VoucherRow::VoucherId))
                .col(integer(VoucherRow::Account))
                .col(big_integer(VoucherRow::DebitOre))
                .col(big_integer(VoucherRow::CreditOre))
                .foreign_key(&mut fk(
                    "fk_voucher_row_voucher",
                    (VoucherRow::Table, VoucherRow::VoucherId),
                    (Voucher::Table, Voucher::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_voucher_row_voucher",
            VoucherRow::Table,
            vec![VoucherRow::VoucherId.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Notification::Table)
                .col(big_pk_auto(Notification::Id))
                .col(big_integer(Notification::CompanyId))
                .col(string(Notification::Kind))
                .col(string(Notification::Message))
                .col(big_integer_null(Notification::InvoiceId))
                .col(boolean(Notification::Read))
                .col(timestamp_with_time_zone(Notification::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_notification_company",
                    (Notification::Table, Notification::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_notification_company",
            Notification::Table,
            vec![
                Notification::CompanyId.into_iden(),
                Notification::Read.into_iden(),
                Notification::Id.into_iden(),
            ],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(OutboxEvent::Table)
                .col(big_pk_auto(OutboxEvent::Seq))
                .col(big_integer(OutboxEvent::CompanyId))
                .col(string(OutboxEvent::Topic))
                .col(string(OutboxEvent::Kind))
                .col(big_integer_null(OutboxEvent::InvoiceId))
                .col(big_integer(OutboxEvent::SubjectId))
                .col(string(OutboxEvent::Message))
                .col(timestamp_with_time_zone(OutboxEvent::At))
                .col(big_integer(OutboxEvent::RecordedMs))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_outbox_company_seq",
            OutboxEvent::Table,
            vec![
                OutboxEvent::CompanyId.into_iden(),
                OutboxEvent::Seq.into_iden(),
            ],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Job::Table)
                .col(big_pk_auto(Job::Id))
                .col(string(Job::Kind))
                .col(big_integer(Job::CompanyId))
                .col(big_integer(Job::SubjectId))
                .col(big_integer(Job::RunAtMs))
                .col(big_integer_null(Job::LockedUntilMs))
                .col(integer(Job::Attempts))
                .col(string_null(Job::LastError))
                .col(boolean(Job::Done))
                .col(timestamp_with_time_zone(Job::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_job_due",
            Job::Table,
            vec![Job::Done.into_iden(), Job::RunAtMs.into_iden()],
            false,
        ))
        .await?;
        Ok(())
    }
}
