//! After the decision: the payout, a withdrawal before it, and what the
//! financier collected from the customer.

use super::*;
use crate::domain::id::SaleId;
use crate::domain::idempotency::idempotency_key;
use crate::store::by_id;

/// Job: pays out an approved sale.
#[tracing::instrument(skip(state, txn, job, sale), fields(job = job.id.get(), sale = sale.get()))]
pub async fn payout(state: &AppState, txn: &Ordered, job: &Job, sale: SaleId) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    if let Some((tenant, sale)) = load_for_job(txn, job, sale).await? {
        let change = SaleChange::PayOut { at: now };
        if let Some(s) = sales::transition(txn, tenant, sale.id, change).await? {
            let inv = invoices::require(txn, tenant, s.invoice_id, "invoiceId").await?;
            let (lines, voucher) = ledger::payout(&inv.invoice_number, s.payout_ore);
            let entries = Entries::new(SALE_SERIES, &lines, &voucher);
            let refs = Refs::sale(s.invoice_id, s.id);
            book(txn, tenant, entries, today, refs, now).await?;
            let message = format!(
                "{} SEK for invoice {} has been paid out to your bank account",
                from_ore(s.payout_ore),
                inv.invoice_number
            );
            record(txn, tenant, &s, SaleEvent::PaidOut, &message, now).await?;
        }
    }
    Ok(())
}

/// Withdraws a sale before its decision (processing or in spot check): no
/// fees, an event and a notification; the invoice is free to be sold again or
/// handed to Nox Finans.
#[tracing::instrument(skip(state), fields(company = %tenant.company_id()))]
pub async fn withdraw(state: &AppState, tenant: Tenant, sale_id: SaleId) -> AppResult<Sale> {
    let now = state.clock.now();
    let txn = state.begin_ordered().await?;
    let sale = by_id::get(&txn, tenant, sale_id)
        .await?
        .or_not_found("sale", "saleId")?;
    let s = sales::transition(&txn, tenant, sale.id, SaleChange::Withdraw { at: now })
        .await?
        .ok_or_else(|| {
            AppError::conflict(format!(
                "the sale is {}; only a sale waiting for its decision can be withdrawn",
                sale.status
            ))
        })?;
    invoices::release(&txn, tenant, s.invoice_id, Holder::Sale(s.id)).await?;
    let inv = invoices::require(&txn, tenant, s.invoice_id, "invoiceId").await?;
    let message = format!(
        "The sale of invoice {} was withdrawn; no fees were charged",
        inv.invoice_number
    );
    record(&txn, tenant, &s, SaleEvent::Withdrawn, &message, now).await?;
    txn.commit().await?;
    Ok(s)
}

/// Operator: records what the financier collected from the customer of a
/// bought invoice (in full or in part). Collections release credit exposure.
/// The same key records nothing twice; sent with another sale, amount or day
/// it is another collection, refused (`CONFLICT`).
#[tracing::instrument(skip(state, op))]
pub async fn record_collection(
    state: &AppState,
    op: Operator,
    sale_id: SaleId,
    amount: rust_decimal::Decimal,
    collected_on: NaiveDate,
    key: &str,
) -> AppResult<Sale> {
    let key = idempotency_key(key)?;
    let amount_ore = crate::domain::money::parse_amount("amount", amount, false)?;
    if amount_ore.is_zero() {
        return Err(AppError::validation("amount", "must be greater than zero"));
    }
    if collected_on > state.clock.today() {
        return Err(AppError::validation(
            "collectedOn",
            "must not be in the future",
        ));
    }
    let now = state.clock.now();
    let txn = state.begin_ordered().await?;
    if let Some(c) = sales::collection_by_key(&txn, op, key).await? {
        if c.sale_id != sale_id || c.amount_ore != amount_ore || c.collected_on != collected_on {
            return Err(AppError::conflict(
                "this idempotency key was used for another collection",
            ));
        }
        let sale = by_id::get_any(&txn, op, sale_id)
            .await?
            .or_not_found("sale", "saleId")?;
        return Ok(sale);
    }
    let sale = by_id::get_any(&txn, op, sale_id)
        .await?
        .or_not_found("sale", "saleId")?;
    if !matches!(sale.status, SaleStatus::Approved | SaleStatus::PaidOut) {
        return Err(AppError::conflict(format!(
            "the sale is {}; only a bought invoice is collected",
            sale.status
        )));
    }
    // The financier collects what it bought: not before the day it bought it.
    if let Some(bought_on) = sale.decided_at.map(crate::domain::time::stockholm_date)
        && collected_on < bought_on
    {
        return Err(AppError::validation(
            "collectedOn",
            format!("must not be before the invoice was bought ({bought_on})"),
        ));
    }
    if !sales::add_collection(&txn, &sale, amount_ore, collected_on, key, now).await? {
        return Err(AppError::validation(
            "amount",
            format!(
                "is more than is left to collect ({} SEK)",
                from_ore(sale.amount_ore - sale.collected_ore)
            ),
        ));
    }
    audit::record(
        &txn,
        op,
        audit::Entry {
            action: crate::store::audit::action::RECORD_COLLECTION,
            company_id: Some(sale.company_id),
            subject: format!("InvoiceSale:{}", sale.id),
            before: Some(
                serde_json::json!({"collected": from_ore(sale.collected_ore).to_string()}),
            ),
            after: Some(serde_json::json!({
                "collected": from_ore(sale.collected_ore + amount_ore).to_string(),
                "amount": from_ore(amount_ore).to_string(),
                "collectedOn": collected_on.to_string(),
                "idempotencyKey": key,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    let sale = by_id::get_any(&state.db, op, sale_id)
        .await?
        .or_not_found("sale", "saleId")?;
    Ok(sale)
}
