//! Crediting an invoice with a credit note.

use super::*;
use crate::domain::id::InvoiceId;
use crate::domain::idempotency::idempotency_key;
use crate::domain::invoice::{
    Row, credit_totals, left_to_credit, reduction_fall, rows_crediting, same_credit,
};
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
/// invoice, takes its total off the invoice's balance. Rows credit the
/// customer's part of a house-work invoice, unless `reduction_after` lowers
/// the tax reduction with them ([`reduction_fall`]): then that fall is
/// Skatteverket's part of the credit and the rest the customer's. Without
/// rows all that is left to credit is credited ([`credit_all`]); on a
/// house-work invoice Skatteverket has paid none of, the tax reduction goes
/// with it. Its VAT is
/// [`credit_totals`]'s, so the credit that leaves nothing takes off the
/// last öre of the invoice's VAT. An open Nox Finans case is
/// reduced by the customer's part of the credit, or closed as CREDITED; a
/// sold invoice belongs to the financier and is refused (`INVOICE_SOLD`).
/// The same key makes one credit note, and a retry answers with it while
/// the reduction it asks for is the invoice's.
#[tracing::instrument(skip(state, rows), fields(company = %tenant.company_id()))]
pub async fn credit(
    state: &AppState,
    tenant: Tenant,
    invoice_id: InvoiceId,
    rows: Option<Vec<RowInput>>,
    reduction_after: Option<Decimal>,
    key: &str,
) -> AppResult<Credited> {
    let key = idempotency_key(key)?;
    let asked = rows.map(|r| parse_rows(&r)).transpose()?;
    let whole = asked.is_none();
    if whole && reduction_after.is_some() {
        return Err(AppError::validation(
            "houseWorkDeductibleAmount",
            "the tax reduction is lowered by a credit with rows: say which rows are credited",
        ));
    }
    let now = state.clock.now();
    let txn = state.begin_ordered().await?;
    let current = store::require_locked(&txn, tenant, invoice_id, "invoiceId").await?;
    let invoiced = store::rows_of(&txn, tenant, vec![current.id]).await?;
    let credited = store::credit_rows_of(&txn, tenant, &current).await?;
    if let Some(p) = store::payment_by_key(&txn, tenant, key).await? {
        let another =
            || AppError::conflict("this idempotency key was used for another payment or credit");
        let note = match p.credit_note_id {
            Some(note) if p.invoice_id == invoice_id && p.payer == Payer::CreditNote => note,
            _ => return Err(another()),
        };
        // A credit without rows asked for what the credit notes made
        // before this one left.
        let of_note = credited.iter().filter(|r| r.invoice_id == note);
        let before = credited.iter().filter(|r| r.invoice_id.get() < note.get());
        let expected = match asked {
            Some(rows) => rows,
            None => credit_all(&current, &invoiced, before)?,
        };
        let same_reduction = reduction_after.is_none_or(|after| {
            Some(after) == current.house_work_deductible_ore.map(from_ore)
                || (after.is_zero() && current.house_work_deductible_ore.is_none())
        });
        if !same_reduction || !same_credit(of_note.map(store::InvoiceLine::net_at_rate), &expected)
        {
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
    ensure_no_sale_being_decided(&txn, tenant, &current, "crediting it").await?;
    let parsed = match asked {
        Some(rows) => rows,
        None => credit_all(&current, &invoiced, credited.iter())?,
    };
    let t = credit_totals(
        invoiced.iter().map(store::InvoiceLine::net_at_rate),
        credited.iter().map(store::InvoiceLine::net_at_rate),
        current.credited_ore,
        &parsed,
    )?;
    // Credited whole before Skatteverket paid any of its tax reduction, the
    // invoice takes the reduction with it; a credit of labour may lower it
    // (`reduction_after`); otherwise a credit takes off the customer's part
    // only.
    let drops_reduction = whole
        && current.house_work_deductible_ore.is_some()
        && current.house_work_paid_ore.is_zero();
    let lowered = reduction_after
        .map(|after| {
            let fall = reduction_fall(
                t.total_ore,
                current.house_work_deductible_ore,
                current.house_work_paid_ore,
                after,
            )?;
            let left = current.house_work_deductible_ore.unwrap_or(Ore::ZERO) - fall;
            Ok::<_, AppError>((fall, Some(left).filter(|l| !l.is_zero())))
        })
        .transpose()?;
    // What the credit takes off the tax reduction, and the reduction after.
    let (fall, reduction) = match lowered {
        Some(lowered) => lowered,
        None if drops_reduction => (current.house_work_deductible_ore.unwrap_or(Ore::ZERO), None),
        None => (Ore::ZERO, current.house_work_deductible_ore),
    };
    let left = crate::domain::invoice::customer_outstanding(
        current.balance_ore,
        reduction,
        current.house_work_paid_ore,
    );
    let to_pay = match (reduction, lowered) {
        (_, Some(_)) => "the customer's part left to pay with what it takes off the tax reduction",
        (Some(_), None) => "the customer's part left to pay",
        (None, None) => "what is left to pay",
    };
    if whole && t.total_ore > left {
        return Err(AppError::validation(
            "invoiceId",
            format!(
                "what is left to credit ({}) is more than {to_pay} ({}); credit part of it with rows",
                from_ore(t.total_ore),
                from_ore(left)
            ),
        ));
    }
    if !t.total_ore.is_positive() || t.total_ore > left {
        return Err(AppError::validation(
            "rows",
            format!(
                "the credit ({}) must be more than zero and at most {to_pay} ({})",
                from_ore(t.total_ore),
                from_ore(left)
            ),
        ));
    }
    let negated: Vec<Row> = parsed
        .into_iter()
        .map(|r| Row {
            description: r.description,
            quantity_milli: -r.quantity_milli,
            unit_price_ore: r.unit_price_ore,
            vat_rate_bp: r.vat_rate_bp,
            amount_ore: -r.amount_ore,
        })
        .collect();
    let today = state.clock.today();
    let number = companies::next_number(&txn, tenant, Counter::Invoice).await?;
    let ocr = super::payment_reference(tenant, number)?;
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
    if reduction != current.house_work_deductible_ore {
        store::set_tax_reduction(&txn, tenant, current.id, reduction, now).await?;
    }
    let case = crate::store::nox::open_case_locked(&txn, tenant, current.id).await?;
    let payment = NewPayment {
        credit_ore: t.total_ore,
        reduction_ore: fall,
        credit_note: Some(credit_note.id),
        ..NewPayment::of(current.id, Payer::CreditNote, key, t.total_ore, today)
    };
    let updated = store::add_payment(&txn, tenant, payment, now).await?;
    let customer_part = t.total_ore - fall;
    if let Some(c) = case.filter(|_| customer_part.is_positive()) {
        crate::services::nox_case::reduce(&txn, state, tenant, &updated, &c, customer_part, true)
            .await?;
    }
    let credit_note = store::require(&txn, tenant, credit_note.id, "invoiceId").await?;
    txn.commit().await?;
    Ok(Credited {
        credit_note,
        invoice: updated,
    })
}

/// The rows of a credit without rows: the invoice's own rows while nothing
/// is credited, otherwise what `credited` left at each rate, one row a rate
/// ("The rest of invoice 1001"). With nothing left, `VALIDATION` on
/// `invoiceId`.
fn credit_all<'a>(
    current: &Invoice,
    invoiced: &[store::InvoiceLine],
    credited: impl Iterator<Item = &'a store::InvoiceLine>,
) -> AppResult<Vec<Row>> {
    let mut credited = credited.peekable();
    if credited.peek().is_none() {
        return Ok(invoiced
            .iter()
            .map(|r| Row {
                description: r.description.clone(),
                quantity_milli: r.quantity_milli,
                unit_price_ore: r.unit_price_ore,
                vat_rate_bp: r.vat_rate_bp,
                amount_ore: r.amount_ore,
            })
            .collect());
    }
    let left = left_to_credit(
        invoiced.iter().map(store::InvoiceLine::net_at_rate),
        credited.map(store::InvoiceLine::net_at_rate),
    );
    if left.is_empty() {
        return Err(AppError::validation(
            "invoiceId",
            "the invoice is credited in full: nothing is left to credit",
        ));
    }
    Ok(rows_crediting(
        &left,
        &format!("The rest of invoice {}", current.invoice_number),
    ))
}
