//! Crediting an invoice with a credit note.

use super::*;
use crate::domain::id::InvoiceId;
use crate::domain::idempotency::idempotency_key;
use crate::domain::money::Ore;

/// A credit note and the invoice it credits.
#[derive(Debug, Clone)]
pub struct Credited {
    /// The credit note.
    pub credit_note: Invoice,
    /// The credited invoice, after the credit.
    pub invoice: Invoice,
}

/// Credits an invoice: a credit note with negative rows, linked to the
/// invoice, takes its total off the invoice's balance (the customer's part; a
/// house-work invoice's Skatteverket part is not credited here). Without rows
/// the whole invoice is credited, row by row. An open Nox Finans case is
/// reduced, or closed as CREDITED; a sold invoice belongs to the financier and
/// is refused (`INVOICE_SOLD`). The same key makes one credit note, and a
/// retry answers with it.
#[tracing::instrument(skip(state, rows), fields(company = %tenant.company_id()))]
pub async fn credit(
    state: &AppState,
    tenant: Tenant,
    invoice_id: InvoiceId,
    rows: Option<Vec<RowInput>>,
    key: &str,
) -> AppResult<Credited> {
    let key = idempotency_key(key)?;
    let now = state.clock.now();
    let txn = state.begin_ordered().await?;
    let current = store::require_locked(&txn, tenant, invoice_id, "invoiceId").await?;
    let invoiced = store::rows_of(&txn, tenant, vec![current.id]).await?;
    let parsed = match rows {
        Some(r) => parse_rows(&r)?,
        None => invoiced
            .iter()
            .map(|r| crate::domain::invoice::Row {
                description: r.description.clone(),
                quantity_milli: r.quantity_milli,
                unit_price_ore: r.unit_price_ore,
                vat_rate_bp: r.vat_rate_bp,
                amount_ore: r.amount_ore,
            })
            .collect(),
    };
    let t = totals(&parsed)?;
    if let Some(p) = store::payment_by_key(&txn, tenant, key).await? {
        let another =
            || AppError::conflict("this idempotency key was used for another payment or credit");
        if p.invoice_id != invoice_id || p.payer != Payer::CreditNote || p.amount_ore != t.total_ore
        {
            return Err(another());
        }
        let note = p
            .credit_note_id
            .ok_or_else(|| AppError::Internal("a credit without its credit note".into()))?;
        let note_rows = store::rows_of(&txn, tenant, vec![note]).await?;
        if !crate::domain::invoice::same_credit(
            note_rows.iter().map(store::InvoiceLine::net_at_rate),
            &parsed,
        ) {
            return Err(another());
        }
        return Ok(Credited {
            credit_note: store::require(&txn, tenant, note, "invoiceId").await?,
            invoice: current,
        });
    }
    ensure_editable(&current)?;
    if current.invoice_type == InvoiceType::CreditNote {
        return Err(AppError::validation(
            "invoiceId",
            "a credit note cannot be credited",
        ));
    }
    if current.sold {
        return Err(AppError::InvoiceSold(format!(
            "invoice {} is sold to the financier and can no longer be credited here",
            current.invoice_number
        )));
    }
    if crate::store::sales::has_live_sale(&txn, tenant, current.id).await? {
        return Err(AppError::conflict(
            "the invoice is being sold; withdraw the sale before crediting it",
        ));
    }
    let credited = store::credit_rows_of(&txn, tenant, &current).await?;
    crate::domain::invoice::credit_fits(
        invoiced.iter().map(store::InvoiceLine::net_at_rate),
        credited.iter().map(store::InvoiceLine::net_at_rate),
        &parsed,
    )?;
    let left = crate::domain::invoice::customer_outstanding(
        current.balance_ore,
        current.house_work_deductible_ore,
        current.house_work_paid_ore,
    );
    if !t.total_ore.is_positive() || t.total_ore > left {
        return Err(AppError::validation(
            "rows",
            format!(
                "the credit ({}) must be more than zero and at most what is left to pay ({})",
                from_ore(t.total_ore),
                from_ore(left)
            ),
        ));
    }
    let negated: Vec<crate::domain::invoice::Row> = parsed
        .into_iter()
        .map(|r| crate::domain::invoice::Row {
            description: r.description,
            quantity_milli: -r.quantity_milli,
            unit_price_ore: r.unit_price_ore,
            vat_rate_bp: r.vat_rate_bp,
            amount_ore: -r.amount_ore,
        })
        .collect();
    let today = state.clock.today();
    let number = companies::next_number(&txn, tenant, Counter::Invoice).await?;
    let ocr = ocr_for(u64::try_from(number).unwrap_or(0));
    let record = InvoiceRecord {
        customer_id: current.customer_id,
        customer_name: current.customer_name.clone(),
        address: current.address(),
        invoice_date: today,
        due_date: today,
        terms_of_payment: current.terms_of_payment.clone(),
        currency: current.currency.clone(),
        invoice_type: InvoiceType::CreditNote,
        net_ore: -t.net_ore,
        vat_ore: -t.vat_ore,
        total_ore: -t.total_ore,
        balance_ore: Ore::ZERO,
        house_work_type: None,
        house_work_deductible_ore: None,
        not_completed: false,
    };
    let credit_note =
        store::insert(&txn, tenant, number.to_string(), ocr, record, &negated, now).await?;
    store::link_credit_note(&txn, tenant, credit_note.id, current.id).await?;
    let case = crate::store::nox::open_case_locked(&txn, tenant, current.id).await?;
    let payment = NewPayment {
        invoice_id: current.id,
        payer: Payer::CreditNote,
        idempotency_key: Some(key.to_string()),
        amount_ore: t.total_ore,
        capital_ore: Ore::ZERO,
        fees_ore: Ore::ZERO,
        interest_ore: Ore::ZERO,
        house_work_ore: Ore::ZERO,
        credit_ore: t.total_ore,
        credit_note: Some(credit_note.id),
        paid_on: today,
    };
    let updated = store::add_payment(&txn, tenant, payment, now).await?;
    if let Some(c) = &case {
        crate::services::nox_case::reduce(&txn, state, tenant, &updated, c, t.total_ore, true)
            .await?;
    }
    let credit_note = store::require(&txn, tenant, credit_note.id, "invoiceId").await?;
    txn.commit().await?;
    Ok(Credited {
        credit_note,
        invoice: updated,
    })
}
