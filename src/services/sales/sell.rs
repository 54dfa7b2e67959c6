//! A quote, and the sale that confirms it.

use super::*;
use crate::domain::id::InvoiceId;
use crate::domain::money::Ore;

/// The facts the rule engine weighs a sale by; with `exclude_own_sale` (a
/// decision) the sale being decided does not count as the invoice's.
pub(super) fn sale_facts(basis: &sales::Basis, exclude_own_sale: bool) -> SaleFacts {
    let (inv, exposure) = (&basis.invoice, &basis.exposure);
    let already_sold = !exclude_own_sale && (inv.sold || exposure.invoice_sold);
    let skatteverket =
        skatteverket_outstanding(inv.house_work_deductible_ore, inv.house_work_paid_ore);
    SaleFacts {
        currency: inv.currency.clone(),
        cancelled: inv.cancelled,
        not_completed: inv.not_completed,
        invoice_type: inv.invoice_type,
        balance_ore: inv.balance_ore,
        house_work_deductible_ore: inv.house_work_deductible_ore.map(|_| skatteverket),
        due_date: inv.due_date,
        recipient_overdue: exposure.recipient_overdue,
        already_sold,
        handed_to_nox: exposure.invoice_handed_over,
        customer_outstanding_ore: exposure.to_customer_ore,
        total_outstanding_ore: exposure.total_ore,
    }
}

/// The tenant's invoice `id` and what a sale of it is weighed by on `today`,
/// or `NOT_FOUND` naming `invoiceId`.
pub(super) async fn basis<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    id: InvoiceId,
    today: NaiveDate,
) -> AppResult<sales::Basis> {
    sales::basis(db, tenant, id, today)
        .await?
        .or_not_found("invoice", "invoiceId")
}

async fn quote_in<C: ConnectionTrait>(
    txn: &C,
    state: &AppState,
    tenant: Tenant,
    invoice_id: InvoiceId,
) -> AppResult<QuoteView> {
    let today = state.clock.today();
    let basis = basis(txn, tenant, invoice_id, today).await?;
    let facts = sale_facts(&basis, false);
    let quote = sale::quote(&facts, basis.agreement.as_ref(), today);
    let payout_date = next_banking_day(today);
    let quote_id = sale::quote_id(basis.invoice.id, &quote, payout_date);
    Ok(QuoteView {
        invoice: basis.invoice,
        quote,
        payout_date,
        quote_id,
        agreement: basis.agreement,
    })
}

/// Quotes the sale of an invoice. Refused with `NOT_ELIGIBLE` until invoice sale
/// is activated; otherwise the quote carries its own eligibility and reasons.
#[tracing::instrument(skip(state), fields(company = %tenant.company_id()))]
pub async fn quote(
    state: &AppState,
    tenant: Tenant,
    invoice_id: InvoiceId,
) -> AppResult<QuoteView> {
    // One statement: no transaction needed for a consistent read.
    let view = quote_in(&state.db, state, tenant, invoice_id).await?;
    if let Some(r) = view
        .quote
        .reasons
        .iter()
        .find(|r| r.code == sale::reason::INVOICE_SALE_NOT_ACTIVE)
    {
        return Err(AppError::NotEligible {
            message: r.message.clone(),
            reasons: vec![r.clone()],
        });
    }
    Ok(view)
}

/// Sells an invoice against a quote. The same idempotency key returns the same
/// sale; a second live sale of one invoice is a `CONFLICT`; changed terms are
/// `QUOTE_CHANGED`.
#[tracing::instrument(skip(state), fields(company = %tenant.company_id()))]
pub async fn sell(
    state: &AppState,
    tenant: Tenant,
    invoice_id: InvoiceId,
    quote_id: &str,
    idempotency_key: &str,
) -> AppResult<Sale> {
    let key = crate::domain::idempotency::idempotency_key(idempotency_key)?;
    match sell_once(state, tenant, invoice_id, quote_id, key).await {
        Ok(s) => Ok(s),
        // A concurrent request with the same key may have won the race: its
        // sale, once committed, is the answer to this one too.
        Err(e) if e.is_conflict() => match sales::by_key(&state.db, tenant, key).await? {
            Some(s) if s.invoice_id == invoice_id => Ok(s),
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}

async fn sell_once(
    state: &AppState,
    tenant: Tenant,
    invoice_id: InvoiceId,
    quote_id: &str,
    key: &str,
) -> AppResult<Sale> {
    let now = state.clock.now();
    let txn = state.begin_ordered().await?;
    if let Some(existing) = sales::by_key(&txn, tenant, key).await? {
        if existing.invoice_id == invoice_id {
            return Ok(existing);
        }
        return Err(AppError::conflict(
            "this idempotency key was used for another invoice",
        ));
    }
    invoices::lock(&txn, tenant, invoice_id).await?;
    let view = quote_in(&txn, state, tenant, invoice_id).await?;
    if let Some(r) = view
        .quote
        .reasons
        .iter()
        .find(|r| r.code == sale::reason::ALREADY_SOLD)
    {
        return Err(AppError::conflict(r.message.clone()));
    }
    if !view.quote.eligible() {
        return Err(AppError::NotEligible {
            message: format!(
                "the invoice cannot be sold: {}",
                view.quote
                    .reasons
                    .iter()
                    .map(|r| r.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            reasons: view.quote.reasons.clone(),
        });
    }
    if view.quote_id != quote_id {
        return Err(AppError::QuoteChanged(
            "the fees or the payout changed since this quote; ask for a new quote and confirm again".into(),
        ));
    }
    let q = &view.quote;
    let fee = |k: &str| {
        q.fees
            .iter()
            .find(|f| f.kind == k)
            .map_or(Ore::ZERO, |f| f.amount_ore)
    };
    let sale = sales::insert(
        &txn,
        tenant,
        NewSale {
            invoice_id: view.invoice.id,
            customer_id: view.invoice.customer_id,
            due_date: view.invoice.due_date,
            amount_ore: q.amount_ore,
            invoice_fee_ore: fee(sale::INVOICE_FEE),
            factoring_fee_ore: fee(sale::FACTORING_FEE),
            total_fees_ore: q.total_fees_ore,
            payout_ore: q.payout_ore,
            percentage_bp: view.agreement.map_or(0, |a| a.percentage_bp),
            quote_id: view.quote_id.clone(),
            idempotency_key: key.to_string(),
            requested_at: now,
        },
    )
    .await
    .map_err(|e| e.duplicate_as("the invoice has already been offered for sale"))?;
    invoices::hold(&txn, tenant, sale.invoice_id, Holder::Sale(sale.id)).await?;
    let number = &view.invoice.invoice_number;
    let message = format!("Invoice {number} has been sent for sale");
    record(&txn, tenant, &sale, SaleEvent::Submitted, &message, now).await?;
    let run_at = now + Duration::seconds(state.settings.sale_processing_delay_secs.max(0));
    jobs::schedule(&txn, tenant, Task::ProcessSale(sale.id), run_at, now).await?;
    txn.commit().await?;
    Ok(sale)
}
