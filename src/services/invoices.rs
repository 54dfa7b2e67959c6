//! Creating, changing, cancelling, sending and paying invoices.

use chrono::{Datelike, Days, NaiveDate};
use entity::invoice;
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use sea_orm::Set;

use super::{Address, AddressPatch, Patch};
use crate::db::{begin_ordered, begin_write};
use crate::domain::FieldError;
use crate::domain::identifiers::{ocr_for, parse_currency};
use crate::domain::invoice::{
    InvoiceType, RowInput, parse_house_work_deductible, parse_rows, totals,
};
use crate::domain::invoice::{Payer, skatteverket_outstanding};
use crate::domain::money::{from_ore, parse_amount};
use crate::domain::nox_case::allocate;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::Tenant;
use crate::store::companies::{self, Counter};
use crate::store::customers;
use crate::store::invoices::{self as store, InvoiceRecord, NewPayment};

/// ROT (repairs) or RUT (household services).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HouseWorkType {
    /// Repairs, conversion, extension.
    Rot,
    /// Household services.
    Rut,
}

impl HouseWorkType {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rot => "ROT",
            Self::Rut => "RUT",
        }
    }
}

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
    pub customer_id: i64,
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

/// Checks and computes every column of an invoice from input, on top of `current`
/// (the stored invoice on update) and the customer's data.
async fn build_record<C: ConnectionTrait>(
    txn: &C,
    tenant: Tenant,
    input: InvoiceInput,
    current: Option<&invoice::Model>,
) -> AppResult<(InvoiceRecord, Vec<crate::domain::invoice::Row>)> {
    let customer = customers::get(txn, tenant, input.customer_id)
        .await?
        .ok_or_else(|| AppError::not_found("customer", "customerId"))?;
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
        None => current.map_or_else(|| "SEK".to_string(), |c| c.currency.clone()),
    };
    if input.invoice_type == Some(InvoiceType::CreditNote)
        || current.is_some_and(|c| c.invoice_type == InvoiceType::CreditNote.as_str())
    {
        return Err(AppError::validation(
            "invoiceType",
            "credit notes are made with creditInvoice and cannot be edited",
        ));
    }
    let rows = parse_rows(&input.rows)?;
    let t = totals(&rows)?;
    let (house_work_type, house_work_deductible_ore) = match &input.house_work {
        Some(h) => (
            Some(h.kind.as_str().to_string()),
            Some(parse_house_work_deductible(h.deductible_amount, &t)?),
        ),
        None => (None, None),
    };
    let paid = current.map_or(0, |c| c.total_ore - c.balance_ore);
    if t.total_ore < paid {
        return Err(AppError::validation(
            "rows",
            "the new total is less than what has already been paid",
        ));
    }
    // Printed name and address: from the customer on create, kept on update,
    // unless the client sends them; a change of customer takes the new one's.
    let same_customer = current.is_some_and(|c| c.customer_id == customer.id);
    let (name_base, addr_base) = match current {
        Some(c) if same_customer => (
            c.customer_name.clone(),
            Address {
                street: c.street.clone(),
                city: c.city.clone(),
                postal_code: c.postal_code.clone(),
                country: c.country.clone(),
            },
        ),
        _ => (
            customer.name.clone(),
            Address {
                street: customer.street.clone(),
                city: customer.city.clone(),
                postal_code: customer.postal_code.clone(),
                country: customer.country.clone(),
            },
        ),
    };
    let customer_name = input.customer_name.trimmed().apply(name_base, |s| {
        if s.chars().count() > 200 {
            Err(FieldError::new(
                "customerName",
                "must be at most 200 characters",
            ))
        } else {
            Ok(s)
        }
    })?;
    let address = match input.invoice_address {
        Patch::Keep => addr_base,
        Patch::Clear => Address {
            country: "SE".into(),
            ..Address::default()
        },
        Patch::Set(p) => p.apply(addr_base, "invoiceAddress")?,
    };
    let record = InvoiceRecord {
        customer_id: customer.id,
        customer_name,
        street: address.street,
        postal_code: address.postal_code,
        city: address.city,
        country: address.country,
        invoice_date: input.invoice_date,
        due_date,
        terms_of_payment: term.code.clone(),
        currency,
        invoice_type: input
            .invoice_type
            .map_or_else(
                || current.map_or("INVOICE", |c| InvoiceType::parse(&c.invoice_type).as_str()),
                InvoiceType::as_str,
            )
            .to_string(),
        net_ore: t.net_ore,
        vat_ore: t.vat_ore,
        total_ore: t.total_ore,
        balance_ore: t.total_ore - paid,
        house_work_type,
        house_work_deductible_ore,
        not_completed: input
            .not_completed
            .unwrap_or_else(|| current.is_some_and(|c| c.not_completed)),
    };
    Ok((record, rows))
}

/// Creates an invoice, numbering it and deriving its OCR reference.
#[tracing::instrument(skip(state, input), fields(company = tenant.company_id()))]
pub async fn create(
    state: &AppState,
    tenant: Tenant,
    input: InvoiceInput,
) -> AppResult<invoice::Model> {
    let txn = begin_write(&state.db).await?;
    let (record, rows) = build_record(&txn, tenant, input, None).await?;
    let number = companies::next_number(&txn, tenant, Counter::Invoice).await?;
    let ocr = ocr_for(u64::try_from(number).unwrap_or(0));
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

fn ensure_editable(inv: &invoice::Model) -> AppResult<()> {
    if inv.cancelled {
        return Err(AppError::Conflict("the invoice is cancelled".into()));
    }
    Ok(())
}

/// Refuses changes to the content of an invoice that is sold or being sold.
async fn ensure_not_sold<C: ConnectionTrait>(
    txn: &C,
    tenant: Tenant,
    inv: &invoice::Model,
) -> AppResult<()> {
    if crate::store::sales::has_live_sale(txn, tenant, inv.id).await? {
        return Err(AppError::Conflict(
            "the invoice has been offered for sale and can no longer be changed or cancelled"
                .into(),
        ));
    }
    if crate::store::nox::open_case_of(txn, tenant, inv.id)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(
            "the invoice has been handed to Nox Finans and can no longer be changed or cancelled"
                .into(),
        ));
    }
    Ok(())
}

/// Replaces an invoice's content. Refused for cancelled invoices.
#[tracing::instrument(skip(state, input), fields(company = tenant.company_id()))]
pub async fn update(
    state: &AppState,
    tenant: Tenant,
    id: i64,
    input: InvoiceInput,
) -> AppResult<invoice::Model> {
    let txn = begin_write(&state.db).await?;
    let current = store::require(&txn, tenant, id, "id").await?;
    ensure_editable(&current)?;
    ensure_not_sold(&txn, tenant, &current).await?;
    let (record, rows) = build_record(&txn, tenant, input, Some(&current)).await?;
    let updated = store::update(&txn, tenant, id, record, &rows, state.clock.now()).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Cancels (makulerar) an invoice. Cancelling twice is harmless; an invoice with
/// payments cannot be cancelled.
#[tracing::instrument(skip(state), fields(company = tenant.company_id()))]
pub async fn cancel(state: &AppState, tenant: Tenant, id: i64) -> AppResult<invoice::Model> {
    let txn = begin_write(&state.db).await?;
    let current = store::require(&txn, tenant, id, "id").await?;
    if current.cancelled {
        return Ok(current);
    }
    ensure_not_sold(&txn, tenant, &current).await?;
    if current.balance_ore != current.total_ore {
        return Err(AppError::Conflict(
            "the invoice has registered payments and cannot be cancelled".into(),
        ));
    }
    let changes = invoice::ActiveModel {
        cancelled: Set(true),
        updated_at: Set(state.clock.now()),
        ..Default::default()
    };
    let updated = store::write_flags(&txn, tenant, id, changes).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Marks an invoice as printed or sent to the customer.
#[tracing::instrument(skip(state), fields(company = tenant.company_id()))]
pub async fn mark_sent(state: &AppState, tenant: Tenant, id: i64) -> AppResult<invoice::Model> {
    let txn = begin_write(&state.db).await?;
    let current = store::require(&txn, tenant, id, "id").await?;
    ensure_editable(&current)?;
    if current.not_completed {
        return Err(AppError::Conflict(
            "the invoice is marked not completed; complete it before sending".into(),
        ));
    }
    if current.sent {
        return Ok(current);
    }
    let changes = invoice::ActiveModel {
        sent: Set(true),
        updated_at: Set(state.clock.now()),
        ..Default::default()
    };
    let updated = store::write_flags(&txn, tenant, id, changes).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A payment as a client registers it.
#[derive(Debug, Clone)]
pub struct PaymentInput {
    /// The invoice.
    pub invoice_id: i64,
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
#[tracing::instrument(skip(state), fields(company = tenant.company_id()))]
pub async fn register_payment(
    state: &AppState,
    tenant: Tenant,
    input: PaymentInput,
) -> AppResult<invoice::Model> {
    let (invoice_id, key) = (input.invoice_id, input.idempotency_key.trim().to_string());
    let (payer, amount) = (input.payer, input.amount);
    match register_payment_once(state, tenant, input).await {
        // A concurrent request with the same key committed first: its payment
        // is this one's answer (the key's unique index stopped the second).
        Err(e @ AppError::Conflict(_)) => {
            match store::payment_by_key(&state.db, tenant, &key).await? {
                Some(p)
                    if p.invoice_id == invoice_id
                        && p.payer == payer.as_str()
                        && Some(p.amount_ore) == parse_amount("amount", amount, false).ok() =>
                {
                    store::require(&state.db, tenant, invoice_id, "invoiceId").await
                }
                _ => Err(e),
            }
        }
        other => other,
    }
}

async fn register_payment_once(
    state: &AppState,
    tenant: Tenant,
    input: PaymentInput,
) -> AppResult<invoice::Model> {
    let amount_ore = parse_amount("amount", input.amount, false)?;
    if amount_ore == 0 {
        return Err(AppError::validation("amount", "must be greater than zero"));
    }
    let key = input.idempotency_key.trim().to_string();
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::validation(
            "idempotencyKey",
            "must be 1 to 100 characters",
        ));
    }
    if input.payer == Payer::CreditNote {
        return Err(AppError::validation(
            "payer",
            "credit notes are made with creditInvoice",
        ));
    }
    let paid_on = input.paid_on;
    if paid_on > state.clock.today() {
        return Err(AppError::validation("paidOn", "must not be in the future"));
    }
    let txn = begin_ordered(&state.db).await?;
    if let Some(p) = store::payment_by_key(&txn, tenant, &key).await? {
        if p.invoice_id != input.invoice_id
            || p.amount_ore != amount_ore
            || p.payer != input.payer.as_str()
        {
            return Err(AppError::Conflict(
                "this idempotency key was used for another payment".into(),
            ));
        }
        return store::require(&txn, tenant, input.invoice_id, "invoiceId").await;
    }
    let current = store::require(&txn, tenant, input.invoice_id, "invoiceId").await?;
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
    let too_much = |left: i64| {
        AppError::validation(
            "amount",
            format!("is larger than what is left to pay ({})", from_ore(left)),
        )
    };
    let case = crate::store::nox::open_case_of(&txn, tenant, current.id).await?;
    if let Some(c) = &case {
        crate::store::nox::lock(&txn, c.id).await?;
    }
    let mut payment = NewPayment {
        invoice_id: current.id,
        payer: input.payer.as_str(),
        idempotency_key: Some(key),
        amount_ore,
        capital_ore: 0,
        fees_ore: 0,
        interest_ore: 0,
        house_work_ore: 0,
        credit_ore: 0,
        paid_on,
    };
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
        Payer::Customer | Payer::CreditNote => {
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
            let owed = crate::services::nox_case::owed(&txn, tenant, c, &current, today).await?;
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
            None if capital > 0 => {
                crate::services::nox_case::reduce(&txn, state, tenant, &updated, c, capital, false)
                    .await?;
            }
            None => {}
        }
    }
    txn.commit().await?;
    state.events.wake();
    Ok(updated)
}

/// A credit note and the invoice it credits.
#[derive(Debug, Clone)]
pub struct Credited {
    /// The credit note.
    pub credit_note: invoice::Model,
    /// The credited invoice, after the credit.
    pub invoice: invoice::Model,
}

/// Credits an invoice: a credit note with negative rows, linked to the
/// invoice, takes its total off the invoice's balance (the customer's part; a
/// house-work invoice's Skatteverket part is not credited here). Without rows
/// the whole invoice is credited, row by row. An open Nox Finans case is
/// reduced, or closed as CREDITED; a sold invoice belongs to the financier and
/// is refused (`INVOICE_SOLD`). The same key makes one credit note.
#[tracing::instrument(skip(state, rows), fields(company = tenant.company_id()))]
pub async fn credit(
    state: &AppState,
    tenant: Tenant,
    invoice_id: i64,
    rows: Option<Vec<RowInput>>,
    key: &str,
) -> AppResult<Credited> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::validation(
            "idempotencyKey",
            "must be 1 to 100 characters",
        ));
    }
    let now = state.clock.now();
    let txn = begin_ordered(&state.db).await?;
    if let Some(p) = store::payment_by_key(&txn, tenant, key).await? {
        if p.invoice_id != invoice_id || p.payer != Payer::CreditNote.as_str() {
            return Err(AppError::Conflict(
                "this idempotency key was used for another payment or credit".into(),
            ));
        }
        let credit_note = store::credit_note_for(&txn, tenant, invoice_id, p.amount_ore)
            .await?
            .ok_or_else(|| AppError::Internal("credit without its credit note".into()))?;
        let inv = store::require(&txn, tenant, invoice_id, "invoiceId").await?;
        return Ok(Credited {
            credit_note,
            invoice: inv,
        });
    }
    let current = store::require(&txn, tenant, invoice_id, "invoiceId").await?;
    ensure_editable(&current)?;
    if current.invoice_type == InvoiceType::CreditNote.as_str() {
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
        return Err(AppError::Conflict(
            "the invoice is being sold; withdraw the sale before crediting it".into(),
        ));
    }
    let parsed = match rows {
        Some(r) => parse_rows(&r)?,
        None => store::rows_of(&txn, tenant, vec![current.id])
            .await?
            .into_iter()
            .map(|r| crate::domain::invoice::Row {
                description: r.description,
                quantity_milli: r.quantity_milli,
                unit_price_ore: r.unit_price_ore,
                vat_rate_bp: r.vat_rate_bp,
                amount_ore: r.amount_ore,
            })
            .collect(),
    };
    let t = totals(&parsed)?;
    let left = crate::domain::invoice::customer_outstanding(
        current.balance_ore,
        current.house_work_deductible_ore,
        current.house_work_paid_ore,
    );
    if t.total_ore <= 0 || t.total_ore > left {
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
        street: current.street.clone(),
        postal_code: current.postal_code.clone(),
        city: current.city.clone(),
        country: current.country.clone(),
        invoice_date: today,
        due_date: today,
        terms_of_payment: current.terms_of_payment.clone(),
        currency: current.currency.clone(),
        invoice_type: InvoiceType::CreditNote.as_str().to_string(),
        net_ore: -t.net_ore,
        vat_ore: -t.vat_ore,
        total_ore: -t.total_ore,
        balance_ore: 0,
        house_work_type: None,
        house_work_deductible_ore: None,
        not_completed: false,
    };
    let credit_note =
        store::insert(&txn, tenant, number.to_string(), ocr, record, &negated, now).await?;
    store::link_credit_note(&txn, tenant, credit_note.id, current.id).await?;
    let case = crate::store::nox::open_case_of(&txn, tenant, current.id).await?;
    if let Some(c) = &case {
        crate::store::nox::lock(&txn, c.id).await?;
    }
    let payment = NewPayment {
        invoice_id: current.id,
        payer: Payer::CreditNote.as_str(),
        idempotency_key: Some(key.to_string()),
        amount_ore: t.total_ore,
        capital_ore: 0,
        fees_ore: 0,
        interest_ore: 0,
        house_work_ore: 0,
        credit_ore: t.total_ore,
        paid_on: today,
    };
    let updated = store::add_payment(&txn, tenant, payment, now).await?;
    if let Some(c) = &case {
        crate::services::nox_case::reduce(&txn, state, tenant, &updated, c, t.total_ore, true)
            .await?;
    }
    let credit_note = store::require(&txn, tenant, credit_note.id, "invoiceId").await?;
    txn.commit().await?;
    state.events.wake();
    Ok(Credited {
        credit_note,
        invoice: updated,
    })
}
