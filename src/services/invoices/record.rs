//! Checks and computes every column of an invoice from what a client sent.

use super::*;
use crate::domain::invoice::{Paid, covers_paid, keeps_credited, keeps_denied_reduction};
use crate::store::by_id;

/// Checks and computes every column of an invoice from input, on top of `current`
/// (the stored invoice on update) and the customer's data.
pub(super) async fn build_record<C: ConnectionTrait>(
    txn: &C,
    tenant: Tenant,
    input: InvoiceInput,
    current: Option<&Invoice>,
) -> AppResult<(InvoiceRecord, Vec<crate::domain::invoice::Row>)> {
    let customer = by_id::get(txn, tenant, input.customer_id)
        .await?
        .or_not_found("customer", "customerId")?;
    let year = input.invoice_date.year();
    if !(2000..=2100).contains(&year) {
        return Err(AppError::validation(
            "invoiceDate",
            "must be between the years 2000 and 2100",
        ));
    }
    let terms = companies::terms(txn, tenant).await?;
    let code = input.terms_of_payment.trim();
    let term = terms.iter().find(|t| t.code == code).ok_or_else(|| {
        let codes: Vec<&str> = terms.iter().map(|t| t.code.as_str()).collect();
        AppError::validation(
            "termsOfPayment",
            format!(
                "unknown terms of payment; the company has {}",
                codes.join(", ")
            ),
        )
    })?;
    let due_date = input
        .invoice_date
        .checked_add_days(Days::new(u64::try_from(term.days).unwrap_or(0)))
        .ok_or_else(|| AppError::validation("invoiceDate", "is out of range"))?;
    let currency = match input.currency {
        Some(c) => parse_currency("currency", &c)?,
        None => current.map_or_else(
            || crate::domain::money::HOME_CURRENCY.to_string(),
            |c| c.currency.clone(),
        ),
    };
    if current.is_some_and(|c| c.invoice_type == InvoiceType::CreditNote) {
        return Err(AppError::validation(
            "id",
            "a credit note cannot be edited: it is part of the invoice it credits",
        ));
    }
    if input.invoice_type == Some(InvoiceType::CreditNote) {
        return Err(AppError::validation(
            "type",
            "credit notes are made with creditInvoice",
        ));
    }
    let rows = parse_rows(&input.rows)?;
    let t = totals(&rows)?;
    let (house_work_type, house_work_deductible_ore) = match &input.house_work {
        Some(h) => (
            Some(h.kind),
            Some(parse_house_work_deductible(h.deductible_amount, &t)?),
        ),
        None => (None, None),
    };
    let paid = current.map_or(Paid::default(), Invoice::paid);
    covers_paid(t.total_ore, house_work_deductible_ore, paid)?;
    if let Some(c) = current {
        let payments = store::payments_of(txn, tenant, c.id).await?;
        if payments.iter().any(|p| p.payer == Payer::ReductionDenied) {
            keeps_denied_reduction(c.house_work_deductible_ore, house_work_deductible_ore)?;
        }
        if !paid.total_ore().is_zero() {
            let kept = Kept {
                customer: customer.id,
                currency: &currency,
                invoice_date: input.invoice_date,
                rows: &rows,
            };
            keeps_payments(txn, tenant, c, &payments, kept).await?;
        }
    }
    // Printed name and address: from the customer on create, kept on update,
    // unless the client sends them; a change of customer takes the new one's.
    let same_customer = current.is_some_and(|c| c.customer_id == customer.id);
    let (name_base, addr_base) = match current {
        Some(c) if same_customer => (c.customer_name.clone(), c.address()),
        _ => (customer.name.clone(), customer.address()),
    };
    let customer_name = input.customer_name.trimmed().apply(name_base, |s| {
        bounded_text("customerName", s, MAX_NAME_CHARS)
    })?;
    let address = input
        .invoice_address
        .apply_to(addr_base, "invoiceAddress")?;
    let record = InvoiceRecord {
        customer_id: customer.id,
        customer_name,
        address,
        invoice_date: input.invoice_date,
        due_date,
        terms_of_payment: term.code.clone(),
        currency,
        invoice_type: input
            .invoice_type
            .unwrap_or_else(|| current.map_or(InvoiceType::Invoice, |c| c.invoice_type)),
        net_ore: t.net_ore,
        vat_ore: t.vat_ore,
        total_ore: t.total_ore,
        balance_ore: t.total_ore - paid.total_ore(),
        house_work_type,
        house_work_deductible_ore,
        not_completed: input
            .not_completed
            .unwrap_or_else(|| current.is_some_and(|c| c.not_completed)),
    };
    Ok((record, rows))
}

/// What an edit of an invoice with payments or credits must leave as its
/// payments found it.
struct Kept<'a> {
    customer: CustomerId,
    currency: &'a str,
    invoice_date: NaiveDate,
    rows: &'a [crate::domain::invoice::Row],
}

/// An invoice with payments or credits keeps the customer and the currency
/// they were made by and in, a date no later than the first payment (as
/// `registerPayment` takes none dated before the invoice), and
/// rows that hold what its credit notes took off at each VAT rate.
async fn keeps_payments<C: ConnectionTrait>(
    txn: &C,
    tenant: Tenant,
    current: &Invoice,
    payments: &[store::Payment],
    kept: Kept<'_>,
) -> AppResult<()> {
    if kept.customer != current.customer_id {
        return Err(AppError::validation(
            "customerId",
            "the invoice has payments or credits, which stay with its customer; credit it and invoice the other customer",
        ));
    }
    if kept.currency != current.currency {
        return Err(AppError::validation(
            "currency",
            "the invoice has payments or credits in its currency, which it keeps",
        ));
    }
    let first = payments
        .iter()
        .filter(|p| !matches!(p.payer, Payer::CreditNote | Payer::ReductionDenied))
        .map(|p| p.paid_on)
        .min();
    if let Some(first) = first.filter(|d| kept.invoice_date > *d) {
        return Err(AppError::validation(
            "invoiceDate",
            format!("must not be after the first payment on the invoice ({first})"),
        ));
    }
    let credited = store::credit_rows_of(txn, tenant, current).await?;
    keeps_credited(
        kept.rows,
        credited.iter().map(store::InvoiceLine::net_at_rate),
    )?;
    Ok(())
}
