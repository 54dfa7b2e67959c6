//! Recording that Skatteverket denied part of a house-work invoice's tax
//! reduction.

use super::*;
use crate::domain::id::InvoiceId;
use crate::domain::idempotency::idempotency_key;

/// Records that Skatteverket denied `amount` of a ROT/RUT invoice's tax
/// reduction (the customer had used up their reduction for the year, say).
/// The reduction falls by it, and the customer owes it instead:
/// - on an invoice the company holds, the customer's part grows by it;
/// - with an open Nox Finans case, the case claims it too, with interest
///   from 30 days after it is recorded;
/// - on a sold invoice, whose customer's part the financier bought, it
///   leaves the invoice (the balance falls by it), and the company invoices
///   the customer for it anew.
///
/// Skatteverket can deny only what it has not paid (`VALIDATION` on
/// `amount`). An invoice offered for sale is refused (`CONFLICT`): its
/// quote stands on the customer's part. The same key records once; sent
/// with another invoice or amount it is `CONFLICT`.
#[tracing::instrument(skip(state), fields(company = %tenant.company_id()))]
pub async fn deny_tax_reduction(
    state: &AppState,
    tenant: Tenant,
    invoice_id: InvoiceId,
    amount: Decimal,
    key: &str,
) -> AppResult<Invoice> {
    let denied = parse_amount("amount", amount, false)?;
    if denied.is_zero() {
        return Err(AppError::validation("amount", "must be greater than zero"));
    }
    let key = idempotency_key(key)?;
    let txn = state.begin_ordered().await?;
    if let Some(p) = store::payment_by_key(&txn, tenant, key).await? {
        if p.invoice_id != invoice_id || p.payer != Payer::ReductionDenied || p.amount_ore != denied
        {
            return Err(AppError::conflict(
                "this idempotency key was used for another payment, credit or denial",
            ));
        }
        return store::require(&txn, tenant, invoice_id, "invoiceId").await;
    }
    let current = store::require_locked(&txn, tenant, invoice_id, "invoiceId").await?;
    ensure_editable(&current)?;
    let Some(deductible) = current.house_work_deductible_ore else {
        return Err(AppError::validation(
            "invoiceId",
            "the invoice has no house work: it has no tax reduction to deny",
        ));
    };
    let unpaid = skatteverket_outstanding(Some(deductible), current.house_work_paid_ore);
    if denied > unpaid {
        return Err(AppError::validation(
            "amount",
            format!(
                "is more than the tax reduction Skatteverket has not paid ({})",
                from_ore(unpaid)
            ),
        ));
    }
    ensure_no_sale_being_decided(&txn, tenant, &current, "recording the denial").await?;
    let now = state.clock.now();
    let today = state.clock.today();
    let denial = store::Denial {
        invoice_id: current.id,
        denied_ore: denied,
        leaves: current.sold,
        key,
        on: today,
    };
    let mut updated = store::deny_reduction(&txn, tenant, denial, now).await?;
    if updated
        .house_work_deductible_ore
        .is_some_and(|d| d.is_zero())
    {
        updated = store::set_tax_reduction(&txn, tenant, current.id, None, now).await?;
    }
    if let Some(case) = crate::store::nox::open_case_locked(&txn, tenant, current.id).await? {
        crate::services::nox_case::raise(&txn, state, tenant, &updated, &case, denied).await?;
    }
    txn.commit().await?;
    Ok(updated)
}
