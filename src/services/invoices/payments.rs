//! Registering a payment against an invoice, saying who paid.

use super::*;
use crate::domain::id::InvoiceId;
use crate::domain::idempotency::idempotency_key;
use crate::domain::money::Ore;

/// A payment as a client registers it.
#[derive(Debug, Clone)]
pub struct PaymentInput {
    /// The invoice.
    pub invoice_id: InvoiceId,
    /// Who paid.
    pub payer: Payer,
    /// How much.
    pub amount: Decimal,
    /// When.
    pub paid_on: NaiveDate,
    /// The client's key: a retry with the same key records nothing twice.
    pub idempotency_key: String,
}

/// Registers a payment against an invoice, saying who paid:
/// - the customer to the company: the customer's part falls; an open Nox
///   Finans case is told (it shrinks or closes), with no payout;
/// - the customer through Nox Finans: split over the invoice, the customer's
///   fees and interest, booked on the payments account and paid out;
/// - Skatteverket: its part of a house-work invoice, never through Nox Finans.
///
/// A sold invoice takes only Skatteverket's payments: its customer pays the
/// financier (`INVOICE_SOLD`).
#[tracing::instrument(skip(state), fields(company = %tenant.company_id()))]
pub async fn register_payment(
    state: &AppState,
    tenant: Tenant,
    input: PaymentInput,
) -> AppResult<Invoice> {
    let key = input.idempotency_key.trim().to_string();
    match register_payment_once(state, tenant, input.clone()).await {
        // A concurrent request with the same key committed first: its payment
        // is this one's answer (the key's unique index stopped the second).
        Err(e) if e.is_conflict() => match store::payment_by_key(&state.db, tenant, &key).await? {
            Some(p) if is_retry(&p, &input) => {
                store::require(&state.db, tenant, input.invoice_id, "invoiceId").await
            }
            _ => Err(e),
        },
        other => other,
    }
}

/// Whether `input` asks again for the stored payment `p`: the same invoice,
/// payer, amount and day. The key sent with anything else is another payment.
fn is_retry(p: &store::Payment, input: &PaymentInput) -> bool {
    p.invoice_id == input.invoice_id
        && p.payer == input.payer
        && Some(p.amount_ore) == parse_amount("amount", input.amount, false).ok()
        && p.paid_on == input.paid_on
}

async fn register_payment_once(
    state: &AppState,
    tenant: Tenant,
    input: PaymentInput,
) -> AppResult<Invoice> {
    let amount_ore = parse_amount("amount", input.amount, false)?;
    if amount_ore.is_zero() {
        return Err(AppError::validation("amount", "must be greater than zero"));
    }
    let key = idempotency_key(&input.idempotency_key)?.to_string();
    if input.payer == Payer::CreditNote {
        return Err(AppError::validation(
            "payer",
            "credit notes are made with creditInvoice",
        ));
    }
    if input.payer == Payer::ReductionDenied {
        return Err(AppError::validation(
            "payer",
            "a denied tax reduction is recorded with recordTaxReductionDenial",
        ));
    }
    let paid_on = input.paid_on;
    if paid_on > state.clock.today() {
        return Err(AppError::validation("paidOn", "must not be in the future"));
    }
    let txn = state.begin_ordered().await?;
    if let Some(p) = store::payment_by_key(&txn, tenant, &key).await? {
        if !is_retry(&p, &input) {
            return Err(AppError::conflict(
                "this idempotency key was used for another payment",
            ));
        }
        return store::require(&txn, tenant, input.invoice_id, "invoiceId").await;
    }
    let current = store::require_locked(&txn, tenant, input.invoice_id, "invoiceId").await?;
    ensure_editable(&current)?;
    if paid_on < current.invoice_date {
        return Err(AppError::validation(
            "paidOn",
            "must not be before the invoice date",
        ));
    }
    if current.sold && input.payer != Payer::Skatteverket {
        return Err(AppError::InvoiceSold(format!(
            "invoice {} is sold: its customer pays the financier, so no payment is registered here",
            current.invoice_number
        )));
    }
    let skatteverket = skatteverket_outstanding(
        current.house_work_deductible_ore,
        current.house_work_paid_ore,
    );
    let customer_part = current.balance_ore - skatteverket;
    let too_much = |left: Ore| {
        AppError::validation(
            "amount",
            format!("is larger than what is left to pay ({})", from_ore(left)),
        )
    };
    let case = crate::store::nox::open_case_locked(&txn, tenant, current.id).await?;
    let mut payment = NewPayment::of(current.id, input.payer, &key, amount_ore, paid_on);
    let mut allocation = None;
    match input.payer {
        Payer::Skatteverket => {
            if current.house_work_deductible_ore.is_none() {
                return Err(AppError::validation(
                    "payer",
                    "Skatteverket pays only the tax reduction of a ROT or RUT invoice",
                ));
            }
            if amount_ore > skatteverket {
                return Err(too_much(skatteverket));
            }
            payment.house_work_ore = amount_ore;
        }
        Payer::Customer | Payer::CreditNote | Payer::ReductionDenied => {
            if amount_ore > customer_part {
                return Err(too_much(customer_part));
            }
            payment.capital_ore = amount_ore;
        }
        Payer::NoxFinans => {
            let Some(c) = &case else {
                return Err(AppError::validation(
                    "payer",
                    "the invoice is not with Nox Finans",
                ));
            };
            let today = state.clock.today();
            let owed = crate::services::nox_case::owed(
                &txn,
                tenant,
                c,
                &current,
                &state.reference_rates,
                today,
            )
            .await?;
            let a = allocate(
                amount_ore,
                c.capital_ore.min(customer_part),
                owed.fees_ore,
                owed.interest_ore,
            )
            .ok_or_else(|| {
                too_much(c.capital_ore.min(customer_part) + owed.fees_ore + owed.interest_ore)
            })?;
            payment.capital_ore = a.capital_ore;
            payment.fees_ore = a.fees_ore;
            payment.interest_ore = a.interest_ore;
            allocation = Some(a);
        }
    }
    let capital = payment.capital_ore;
    let updated = store::add_payment(&txn, tenant, payment, state.clock.now()).await?;
    if let Some(c) = &case {
        match allocation {
            Some(a) => {
                crate::services::nox_case::collect(&txn, state, tenant, &updated, c, a).await?;
            }
            None if capital.is_positive() => {
                crate::services::nox_case::reduce(&txn, state, tenant, &updated, c, capital, false)
                    .await?;
            }
            None => {}
        }
    }
    txn.commit().await?;
    Ok(updated)
}
