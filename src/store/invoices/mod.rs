//! Invoices of the tenant, their rows and payments.
//!
//! - this module: filters, reading and writing invoices and their rows;
//! - [`mod@list`]: pages in every sort order;
//! - [`payments`]: payments, settlement of a sold invoice, credit notes;
//! - [`holds`]: the sale or case holding an invoice.

mod by_customer;
mod filter;
mod holds;
mod list;
mod payments;
mod record;

pub use by_customer::first_pages;
pub use filter::InvoiceFilter;
pub use holds::{Holder, hold, release};
pub use list::{Along, InvoiceOrder, InvoiceSort, Listed, count, get_along, list};
pub use payments::{
    Denial, NewPayment, Payment, add_payment, deny_reduction, link_credit_note, payment_by_key,
    payments_of, payments_of_many, settle_sold,
};
pub use record::Invoice;

use crate::domain::address::Address;
use crate::domain::id::{CustomerId, InvoiceId};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{customer, invoice, invoice_row, invoice_sale, payment};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, JoinType, Query, SelectStatement, SubQueryStatement,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait, Select, Set,
};

use super::Tenant;
use super::page::{Keyed, Page, PageRequest};
use super::rows;
use crate::domain::invoice::{HouseWorkType, InvoiceType, Payer, Row};
use crate::domain::money::Ore;
use crate::error::{AppError, AppResult, OrNotFound};

/// Every column of an invoice that a use case sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceRecord {
    /// Customer.
    pub customer_id: CustomerId,
    /// Name as printed.
    pub customer_name: Option<String>,
    /// Address as printed.
    pub address: Address,
    /// Invoice date.
    pub invoice_date: NaiveDate,
    /// Due date.
    pub due_date: NaiveDate,
    /// Terms of payment code.
    pub terms_of_payment: String,
    /// Currency.
    pub currency: String,
    /// Its kind.
    pub invoice_type: InvoiceType,
    /// Net.
    pub net_ore: Ore,
    /// VAT.
    pub vat_ore: Ore,
    /// Total.
    pub total_ore: Ore,
    /// Balance.
    pub balance_ore: Ore,
    /// ROT/RUT.
    pub house_work_type: Option<HouseWorkType>,
    /// Tax reduction.
    pub house_work_deductible_ore: Option<Ore>,
    /// Not completed.
    pub not_completed: bool,
}

fn scoped(tenant: Tenant) -> Select<invoice::Entity> {
    invoice::Entity::find().filter(invoice::Column::CompanyId.eq(tenant.company_id()))
}

crate::store::by_id::key!(InvoiceId => Invoice, table invoice, company CompanyId = company_id);

record!(
    /// A row of an invoice, as stored with its amount.
    InvoiceLine from invoice_row::Model {
        /// Its id.
        id: i64,
        /// The invoice.
        invoice_id: InvoiceId,
        /// Place on the invoice, from 1.
        position: i32,
        /// Text.
        description: String,
        /// Quantity in thousandths.
        quantity_milli: i64,
        /// Price per unit, in öre.
        unit_price_ore: Ore,
        /// VAT rate in basis points.
        vat_rate_bp: i64,
        /// The row's amount before VAT, in öre.
        amount_ore: Ore,
    }
);

impl InvoiceLine {
    /// Its VAT rate (basis points) and net amount.
    pub fn net_at_rate(&self) -> (i64, Ore) {
        (self.vat_rate_bp, self.amount_ore)
    }
}

/// The invoice rows `which` matches, by invoice and position.
async fn lines<C: ConnectionTrait>(db: &C, which: Expr) -> AppResult<Vec<InvoiceLine>> {
    crate::store::record::all(
        db,
        invoice_row::Entity::find()
            .filter(which)
            .order_by_asc(invoice_row::Column::InvoiceId)
            .order_by_asc(invoice_row::Column::Position),
    )
    .await
}

/// The rows of invoices of any company (operator views).
pub async fn rows_of_any<C: ConnectionTrait>(
    db: &C,
    _op: super::Operator,
    ids: Vec<InvoiceId>,
) -> AppResult<Vec<InvoiceLine>> {
    lines(db, invoice_row::Column::InvoiceId.is_in(ids)).await
}

/// One invoice of the tenant, or `NOT_FOUND` naming input `field`.
pub async fn require<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: InvoiceId,
    field: &str,
) -> AppResult<Invoice> {
    super::by_id::get(db, tenant, id)
        .await?
        .or_not_found("invoice", field)
}

/// Takes the row lock of the tenant's invoice `id` for the rest of the
/// transaction (PostgreSQL; on SQLite the write transaction already holds the
/// database). Every use case that reads an invoice and then changes it or
/// what hangs on it (an edit, a cancellation, a payment, a credit, a sale, a
/// hand-over to Nox Finans) takes it before it reads, so they run one after
/// another per invoice and each sees what the one before wrote. Locking a
/// case takes its invoice's lock first (`store::nox::locked`): the order is
/// always invoice, then case.
pub async fn lock<C: ConnectionTrait>(db: &C, tenant: Tenant, id: InvoiceId) -> AppResult<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        super::raw::one(
            db,
            "SELECT id FROM invoice WHERE id = ? AND company_id = ? FOR UPDATE",
            [id.into(), tenant.company_id().into()],
        )
        .await?;
    }
    Ok(())
}

/// [`require`], read after [`lock`].
pub async fn require_locked<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: InvoiceId,
    field: &str,
) -> AppResult<Invoice> {
    lock(db, tenant, id).await?;
    require(db, tenant, id, field).await
}

/// The rows of the tenant's invoices `ids`, by invoice and position.
pub async fn rows_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    ids: Vec<InvoiceId>,
) -> AppResult<Vec<InvoiceLine>> {
    own_lines(db, tenant, invoice::Column::Id.is_in(ids)).await
}

/// The rows of the tenant's credit notes of invoice `of` (negative, as
/// stored), by credit note and position; none read when nothing was credited.
pub async fn credit_rows_of<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    of: &Invoice,
) -> AppResult<Vec<InvoiceLine>> {
    if of.credited_ore.is_zero() {
        return Ok(Vec::new());
    }
    own_lines(db, tenant, invoice::Column::CreditsInvoiceId.eq(of.id)).await
}

/// The rows of the tenant's invoices that `which` picks. Rows carry no
/// company column: the tenant's invoices bound them, in the same statement.
async fn own_lines<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    which: Expr,
) -> AppResult<Vec<InvoiceLine>> {
    let own = scoped(tenant)
        .select_only()
        .column(invoice::Column::Id)
        .filter(which)
        .into_query();
    lines(db, invoice_row::Column::InvoiceId.in_subquery(own)).await
}

/// Replaces the rows of invoice `invoice_id` with `rows`.
async fn replace_rows<C: ConnectionTrait>(
    db: &C,
    invoice_id: InvoiceId,
    rows: &[Row],
) -> AppResult<()> {
    invoice_row::Entity::delete_many()
        .filter(invoice_row::Column::InvoiceId.eq(invoice_id))
        .exec(db)
        .await?;
    insert_rows(db, invoice_id, rows).await
}

/// Writes `rows` as the rows of invoice `invoice_id`, in order.
async fn insert_rows<C: ConnectionTrait>(
    db: &C,
    invoice_id: InvoiceId,
    rows: &[Row],
) -> AppResult<()> {
    let models: Vec<invoice_row::ActiveModel> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| invoice_row::ActiveModel {
            invoice_id: Set(invoice_id.get()),
            position: Set(i32::try_from(i).unwrap_or(i32::MAX)),
            description: Set(r.description.clone()),
            quantity_milli: Set(r.quantity_milli),
            unit_price_ore: Set(r.unit_price_ore.get()),
            vat_rate_bp: Set(r.vat_rate_bp),
            amount_ore: Set(r.amount_ore.get()),
            ..Default::default()
        })
        .collect();
    invoice_row::Entity::insert_many(models).exec(db).await?;
    Ok(())
}

fn active(r: InvoiceRecord) -> invoice::ActiveModel {
    invoice::ActiveModel {
        customer_id: Set(r.customer_id.get()),
        customer_name_search: Set(r.customer_name.as_deref().map(entity::text::search_form)),
        customer_name_sort: Set(r
            .customer_name
            .as_deref()
            .map(entity::text::sort_key)
            .unwrap_or_default()),
        customer_name: Set(r.customer_name),
        street: Set(r.address.street),
        postal_code: Set(r.address.postal_code),
        city: Set(r.address.city),
        country: Set(r.address.country),
        invoice_date: Set(r.invoice_date),
        due_date: Set(r.due_date),
        terms_of_payment: Set(r.terms_of_payment),
        currency: Set(r.currency),
        invoice_type: Set(r.invoice_type.as_str().to_string()),
        net_ore: Set(r.net_ore.get()),
        vat_ore: Set(r.vat_ore.get()),
        total_ore: Set(r.total_ore.get()),
        balance_ore: Set(r.balance_ore.get()),
        house_work_type: Set(r.house_work_type.map(|t| t.as_str().to_string())),
        house_work_deductible_ore: Set(r.house_work_deductible_ore.map(Ore::get)),
        not_completed: Set(r.not_completed),
        ..Default::default()
    }
}

/// Inserts an invoice with its rows for the tenant.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_number: String,
    ocr: String,
    record: InvoiceRecord,
    rows: &[Row],
    now: DateTime<Utc>,
) -> AppResult<Invoice> {
    let mut am = active(record);
    am.company_id = Set(tenant.company_id().get());
    am.invoice_number = Set(invoice_number);
    am.ocr = Set(ocr);
    am.cancelled = Set(false);
    am.sent = Set(false);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    let inv = am.insert(db).await.map_err(|e| {
        AppError::from(e).duplicate_as("an invoice with this number already exists")
    })?;
    insert_rows(db, InvoiceId::new(inv.id), rows).await?;
    inv.try_into()
}

/// Replaces the editable columns and the rows of the tenant's invoice `id`.
pub async fn update<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: InvoiceId,
    record: InvoiceRecord,
    rows: &[Row],
    now: DateTime<Utc>,
) -> AppResult<Invoice> {
    let mut am = active(record);
    am.updated_at = Set(now);
    write_flags(db, tenant, id, am).await?;
    replace_rows(db, id, rows).await?;
    require(db, tenant, id, "id").await
}

/// Sets the ROT/RUT tax reduction of the tenant's invoice `id` to
/// `deductible`, for a credit that takes labour off; `None` drops the house
/// work, as a whole credit before Skatteverket paid anything does.
pub async fn set_tax_reduction<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: InvoiceId,
    deductible: Option<Ore>,
    now: DateTime<Utc>,
) -> AppResult<Invoice> {
    let mut changes = invoice::ActiveModel {
        house_work_deductible_ore: Set(deductible.map(Ore::get)),
        updated_at: Set(now),
        ..Default::default()
    };
    if deductible.is_none() {
        changes.house_work_type = Set(None);
    }
    write_flags(db, tenant, id, changes).await
}

/// A flag an invoice gets once and keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// Cancelled (makulerad).
    Cancelled,
    /// Printed or sent to the customer.
    Sent,
}

/// Sets a flag on the tenant's invoice.
pub async fn set_flag<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: InvoiceId,
    flag: Flag,
    now: DateTime<Utc>,
) -> AppResult<Invoice> {
    let mut changes = invoice::ActiveModel {
        updated_at: Set(now),
        ..Default::default()
    };
    match flag {
        Flag::Cancelled => changes.cancelled = Set(true),
        Flag::Sent => changes.sent = Set(true),
    }
    write_flags(db, tenant, id, changes).await
}

/// Writes the set columns of `changes` to the tenant's invoice `id`.
async fn write_flags<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: InvoiceId,
    changes: invoice::ActiveModel,
) -> AppResult<Invoice> {
    let res = invoice::Entity::update_many()
        .set(changes)
        .filter(invoice::Column::Id.eq(id))
        .filter(invoice::Column::CompanyId.eq(tenant.company_id()))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::not_found("invoice", "id"));
    }
    require(db, tenant, id, "id").await
}

crate::keyed_by_id!(invoice::Model);
