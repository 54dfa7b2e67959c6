//! Creating, changing, cancelling and sending invoices; paying them is in
//! `payments`, crediting them in `credit`, and checking an invoice's
//! content in `record`.

mod credit;
mod denial;
mod payments;
mod record;

use crate::domain::id::{CustomerId, InvoiceId};
pub use credit::{Credited, credit};
pub use denial::deny_tax_reduction;
pub use payments::{PaymentInput, register_payment};
use record::build_record;

use chrono::{Datelike, Days, NaiveDate};
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;

use super::{AddressPatch, Patch};
use crate::db::begin_write;
use crate::domain::identifiers::{ocr_for, parse_currency};
use crate::domain::invoice::{
    InvoiceType, RowInput, parse_house_work_deductible, parse_rows, totals,
};
use crate::domain::invoice::{Payer, skatteverket_outstanding};
use crate::domain::money::{from_ore, parse_amount};
use crate::domain::nox_case::allocate;
use crate::domain::{MAX_NAME_CHARS, bounded_text};
use crate::error::{AppError, AppResult, OrNotFound};
use crate::state::AppState;
use crate::store::Tenant;
use crate::store::companies::{self, Counter};
use crate::store::invoices::Invoice;
use crate::store::invoices::{self as store, Flag, InvoiceRecord, NewPayment};

pub use crate::domain::invoice::HouseWorkType;

/// A house-work tax reduction as sent by a client.
#[derive(Debug, Clone)]
pub struct HouseWorkInput {
    /// ROT or RUT.
    pub kind: HouseWorkType,
    /// The tax reduction claimed from Skatteverket.
    pub deductible_amount: Decimal,
}

/// What a client sends to create or replace an invoice.
#[derive(Debug, Clone)]
pub struct InvoiceInput {
    /// The customer (of the same company).
    pub customer_id: CustomerId,
    /// Invoice date.
    pub invoice_date: NaiveDate,
    /// Terms of payment code.
    pub terms_of_payment: String,
    /// Currency; SEK when not given.
    pub currency: Option<String>,
    /// Type; INVOICE when not given.
    pub invoice_type: Option<InvoiceType>,
    /// Rows, at least one.
    pub rows: Vec<RowInput>,
    /// House work, if any.
    pub house_work: Option<HouseWorkInput>,
    /// "Not completed"; on update kept when not given.
    pub not_completed: Option<bool>,
    /// Name as printed; defaults to the customer's.
    pub customer_name: Patch<String>,
    /// Address as printed; defaults to the customer's.
    pub invoice_address: Patch<AddressPatch>,
}

/// Creates an invoice, numbering it and deriving its OCR reference.
#[tracing::instrument(skip(state, input), fields(company = %tenant.company_id()))]
pub async fn create(state: &AppState, tenant: Tenant, input: InvoiceInput) -> AppResult<Invoice> {
    let txn = begin_write(&state.db).await?;
    let (record, rows) = build_record(&txn, tenant, input, None).await?;
    let number = companies::next_number(&txn, tenant, Counter::Invoice).await?;
    let ocr = payment_reference(tenant, number)?;
    let created = store::insert(
        &txn,
        tenant,
        number.to_string(),
        ocr,
        record,
        &rows,
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// The OCR reference of the company's invoice `number`
/// ([`ocr_for`]: one invoice of all companies).
fn payment_reference(tenant: Tenant, number: i64) -> AppResult<String> {
    u64::try_from(number)
        .ok()
        .and_then(|n| ocr_for(tenant.company_id(), n))
        .ok_or_else(|| {
            AppError::Internal(format!(
                "invoice number {number} of company {} makes no OCR reference",
                tenant.company_id()
            ))
        })
}

fn ensure_editable(inv: &Invoice) -> AppResult<()> {
    if inv.cancelled {
        return Err(AppError::conflict("the invoice is cancelled"));
    }
    Ok(())
}

/// Refuses a movement on an invoice whose sale is requested and not yet
/// decided (its quote stands on the invoice as it is); the company withdraws
/// the sale before `doing` it. A sold invoice passes: its sale is decided.
async fn ensure_no_sale_being_decided<C: ConnectionTrait>(
    txn: &C,
    tenant: Tenant,
    inv: &Invoice,
    doing: &str,
) -> AppResult<()> {
    if !inv.sold && crate::store::sales::has_live_sale(txn, tenant, inv.id).await? {
        return Err(AppError::conflict(format!(
            "the invoice is being sold; withdraw the sale before {doing}"
        )));
    }
    Ok(())
}

/// Refuses changes to the content of an invoice that is sold or being sold.
async fn ensure_not_sold<C: ConnectionTrait>(
    txn: &C,
    tenant: Tenant,
    inv: &Invoice,
) -> AppResult<()> {
    if crate::store::sales::has_live_sale(txn, tenant, inv.id).await? {
        return Err(AppError::conflict(
            "the invoice has been offered for sale and can no longer be changed or cancelled",
        ));
    }
    if crate::store::nox::open_case_of(txn, tenant, inv.id)
        .await?
        .is_some()
    {
        return Err(AppError::conflict(
            "the invoice has been handed to Nox Finans and can no longer be changed or cancelled",
        ));
    }
    Ok(())
}

/// Replaces an invoice's content. Refused for cancelled invoices.
#[tracing::instrument(skip(state, input), fields(company = %tenant.company_id()))]
pub async fn update(
    state: &AppState,
    tenant: Tenant,
    id: InvoiceId,
    input: InvoiceInput,
) -> AppResult<Invoice> {
    let txn = begin_write(&state.db).await?;
    let current = store::require_locked(&txn, tenant, id, "id").await?;
    ensure_editable(&current)?;
    ensure_not_sold(&txn, tenant, &current).await?;
    let (record, rows) = build_record(&txn, tenant, input, Some(&current)).await?;
    let updated = store::update(&txn, tenant, id, record, &rows, state.clock.now()).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Cancels (makulerar) an invoice. Cancelling twice is harmless; an invoice with
/// payments or credits, and a credit note, cannot be cancelled.
#[tracing::instrument(skip(state), fields(company = %tenant.company_id()))]
pub async fn cancel(state: &AppState, tenant: Tenant, id: InvoiceId) -> AppResult<Invoice> {
    let txn = begin_write(&state.db).await?;
    let current = store::require_locked(&txn, tenant, id, "id").await?;
    if current.cancelled {
        return Ok(current);
    }
    if current.invoice_type == InvoiceType::CreditNote {
        return Err(AppError::validation(
            "id",
            "a credit note cannot be cancelled: it is part of the invoice it credits",
        ));
    }
    ensure_not_sold(&txn, tenant, &current).await?;
    if current.balance_ore != current.total_ore {
        return Err(AppError::conflict(
            "the invoice has registered payments or credits and cannot be cancelled",
        ));
    }
    let updated = store::set_flag(&txn, tenant, id, Flag::Cancelled, state.clock.now()).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Marks an invoice as printed or sent to the customer.
#[tracing::instrument(skip(state), fields(company = %tenant.company_id()))]
pub async fn mark_sent(state: &AppState, tenant: Tenant, id: InvoiceId) -> AppResult<Invoice> {
    let txn = begin_write(&state.db).await?;
    let current = store::require(&txn, tenant, id, "id").await?;
    ensure_editable(&current)?;
    if current.not_completed {
        return Err(AppError::conflict(
            "the invoice is marked not completed; complete it before sending",
        ));
    }
    if current.sent {
        return Ok(current);
    }
    let updated = store::set_flag(&txn, tenant, id, Flag::Sent, state.clock.now()).await?;
    txn.commit().await?;
    Ok(updated)
}
