//! Companies, API tokens, customers, terms of payment, invoices with rows, payments.
// Column names mirror the tables (`invoice.invoice_number`), so they repeat the
// table name by design.
#![allow(clippy::enum_variant_names)]
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Company {
    Table,
    Id,
    Name,
    OrganisationNumber,
    NextInvoiceNumber,
    NextCustomerNumber,
    NextVoucherNumber,
    PaymentsBalanceOre,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    CompanyId,
    Role,
    TokenHash,
    Label,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Customer {
    Table,
    Id,
    CompanyId,
    CustomerNumber,
    Name,
    OrganisationNumber,
    Email,
    Phone,
    Street,
    PostalCode,
    City,
    Country,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TermsOfPayment {
    Table,
    Id,
    CompanyId,
    Code,
    Days,
    Description,
}

#[derive(DeriveIden)]
pub(crate) enum Invoice {
    Table,
    Id,
    CompanyId,
    CustomerId,
    InvoiceNumber,
    CustomerName,
    Street,
    PostalCode,
    City,
    Country,
    InvoiceDate,
    DueDate,
    TermsOfPayment,
    Currency,
    InvoiceType,
    NetOre,
    VatOre,
    TotalOre,
    BalanceOre,
    HouseWorkType,
    HouseWorkDeductibleOre,
    Ocr,
    Cancelled,
    NotCompleted,
    Sent,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InvoiceRow {
    Table,
    Id,
    InvoiceId,
    Position,
    Description,
    QuantityMilli,
    UnitPriceOre,
    VatRateBp,
    AmountOre,
}

#[derive(DeriveIden)]
enum Payment {
    Table,
    Id,
    CompanyId,
    InvoiceId,
    AmountOre,
    PaidOn,
    CreatedAt,
}

pub(crate) fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

pub(crate) fn index(
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for c in cols {
        stmt.col(c);
    }
    if unique {
        stmt.unique();
    }
    stmt.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Company::Table)
                .col(big_pk_auto(Company::Id))
                .col(string(Company::Name))
                .col(string_uniq(Company::OrganisationNumber))
                .col(big_integer(Company::NextInvoiceNumber))
                .col(big_integer(Company::NextCustomerNumber))
                .col(big_integer(Company::NextVoucherNumber).default(1))
                .col(big_integer(Company::PaymentsBalanceOre).default(0))
                .col(timestamp_with_time_zone(Company::CreatedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiToken::Table)
                .col(big_pk_auto(ApiToken::Id))
                .col(big_integer_null(ApiToken::CompanyId))
                .col(string(ApiToken::Role))
                .col(string_uniq(ApiToken::TokenHash))
                .col(string(ApiToken::Label))
                .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_api_token_company",
                    (ApiToken::Table, ApiToken::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Customer::Table)
                .col(big_pk_auto(Customer::Id))
                .col(big_integer(Customer::CompanyId))
                .col(string(Customer::CustomerNumber))
                .col(string_null(Customer::Name))
                .col(string_null(Customer::OrganisationNumber))
                .col(string_null(Customer::Email))
                .col(string_null(Customer::Phone))
                .col(string_null(Customer::Street))
                .col(string_null(Customer::PostalCode))
                .col(string_null(Customer::City))
                .col(string(Customer::Country))
                .col(timestamp_with_time_zone(Customer::CreatedAt))
                .col(timestamp_with_time_zone(Customer::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_customer_company",
                    (Customer::Table, Customer::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ux_customer_company_number",
            Customer::Table,
            vec![
                Customer::CompanyId.into_iden(),
                Customer::CustomerNumber.into_iden(),
            ],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_customer_company_id",
            Customer::Table,
            vec![Customer::CompanyId.into_iden(), Customer::Id.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(TermsOfPayment::Table)
                .col(big_pk_auto(TermsOfPayment::Id))
                .col(big_integer(TermsOfPayment::CompanyId))
                .col(string(TermsOfPayment::Code))
                .col(integer(TermsOfPayment::Days))
                .col(string(TermsOfPayment::Description))
                .foreign_key(&mut fk(
                    "fk_terms_company",
                    (TermsOfPayment::Table, TermsOfPayment::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ux_terms_company_code",
            TermsOfPayment::Table,
            vec![
                TermsOfPayment::CompanyId.into_iden(),
                TermsOfPayment::Code.into_iden(),
            ],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Invoice::Table)
                .col(big_pk_auto(Invoice::Id))
                .col(big_integer(Invoice::CompanyId))
                .col(big_integer(Invoice::CustomerId))
                .col(string(Invoice::InvoiceNumber))
                .col(string_null(Invoice::CustomerName))
                .col(string_null(Invoice::Street))
                .col(string_null(Invoice::PostalCode))
                .col(string_null(Invoice::City))
                .col(string(Invoice::Country))
                .col(date(Invoice::InvoiceDate))
                .col(date(Invoice::DueDate))
                .col(string(Invoice::TermsOfPayment))
                .col(string(Invoice::Currency))
                .col(string(Invoice::InvoiceType))
                .col(big_integer(Invoice::NetOre))
                .col(big_integer(Invoice::VatOre))
                .col(big_integer(Invoice::TotalOre))
                .col(big_integer(Invoice::BalanceOre))
                .col(string_null(Invoice::HouseWorkType))
                .col(big_integer_null(Invoice::HouseWorkDeductibleOre))
                .col(string(Invoice::Ocr))
                .col(boolean(Invoice::Cancelled))
                .col(boolean(Invoice::NotCompleted))
                .col(boolean(Invoice::Sent))
                .col(timestamp_with_time_zone(Invoice::CreatedAt))
                .col(timestamp_with_time_zone(Invoice::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_invoice_company",
                    (Invoice::Table, Invoice::CompanyId),
                    (Company::Table, Company::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_invoice_customer",
                    (Invoice::Table, Invoice::CustomerId),
                    (Customer::Table, Customer::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ux_invoice_company_number",
            Invoice::Table,
            vec![
                Invoice::CompanyId.into_iden(),
                Invoice::InvoiceNumber.into_iden(),
            ],
            true,
        ))
        .await?;
        m.create_index(index(
            "ix_invoice_company_id",
            Invoice::Table,
            vec![Invoice::CompanyId.into_iden(), Invoice::Id.into_iden()],
            false,
        ))
        .await?;
        m.create_index(index(
            "ix_invoice_company_customer_id",
            Invoice::Table,
            vec![
                Invoice::CompanyId.into_iden(),
                Invoice::CustomerId.into_iden(),
                Invoice::Id.into_iden(),
            ],
            false,
        ))
        .await?;
        m.create_index(index(
            "ix_invoice_company_due",
            Invoice::Table,
            vec![Invoice::CompanyId.into_iden(), Invoice::DueDate.into_iden()],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(InvoiceRow::Table)
                .col(big_pk_auto(InvoiceRow::Id))
                .col(big_integer(InvoiceRow::InvoiceId))
                .col(integer(InvoiceRow::Position))
                .col(string(InvoiceRow::Description))
                .col(big_integer(InvoiceRow::QuantityMilli))
                .col(big_integer(InvoiceRow::UnitPriceOre))
                .col(big_integer(InvoiceRow::VatRateBp))
                .col(big_integer(InvoiceRow::AmountOre))
                .foreign_key(&mut fk(
                    "fk_invoice_row_invoice",
                    (InvoiceRow::Table, InvoiceRow::InvoiceId),
                    (Invoice::Table, Invoice::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_invoice_row_invoice",
            InvoiceRow::Table,
            vec![
                InvoiceRow::InvoiceId.into_iden(),
                InvoiceRow::Position.into_iden(),
            ],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Payment::Table)
                .col(big_pk_auto(Payment::Id))
                .col(big_integer(Payment::CompanyId))
                .col(big_integer(Payment::InvoiceId))
                .col(big_integer(Payment::AmountOre))
                .col(date(Payment::PaidOn))
                .col(timestamp_with_time_zone(Payment::CreatedAt))
                .foreign_key(&mut fk(
                    "fk_payment_invoice",
                    (Payment::Table, Payment::InvoiceId),
                    (Invoice::Table, Invoice::Id),
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_payment_invoice",
            Payment::Table,
            vec![Payment::InvoiceId.into_iden()],
            false,
        ))
        .await?;
        Ok(())
    }
}
