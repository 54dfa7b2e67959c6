//! Nox Finans use cases: the send view, settings, hiding rows, sending a batch,
//! and Nox Finans' acceptance and delivery.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use entity::{customer, invoice, job, nox_case};
use sea_orm::{DatabaseTransaction, Set};

use crate::db::begin_write;
use crate::domain::ledger::{Posting, StatementLine, VoucherDraft};
use crate::domain::nox::{self, Assessment, Candidate, Delivery, Service};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::invoices::{self, InvoiceFilter};
use crate::store::jobs::{self, kind};
use crate::store::ledger::{Refs, book, post};
use crate::store::nox::{self as store, NoxSettings};
use crate::store::outbox::{self, NewEvent, topic};
use crate::store::page::PageRequest;
use crate::store::{Operator, Tenant, customers, sales};

/// Stored form of a service.
pub fn service_str(s: Service) -> &'static str {
    match s {
        Service::InvoiceService => "INVOICE_SERVICE",
        Service::ReminderService => "REMINDER_SERVICE",
    }
}

/// Stored form of a delivery method.
pub fn delivery_str(d: Delivery) -> &'static str {
    match d {
        Delivery::Letter => "LETTER",
        Delivery::Email => "EMAIL",
    }
}

/// Reads a stored delivery method.
pub fn parse_delivery(s: &str) -> Delivery {
    if s == "EMAIL" {
        Delivery::Email
    } else {
        Delivery::Letter
    }
}

/// One row of the send view.
#[derive(Debug, Clone)]
pub struct CandidateRow {
    /// The invoice.
    pub invoice: invoice::Model,
    /// Its colour and reasons.
    pub assessment: Assessment,
    /// Hidden with the trash can.
    pub hidden: bool,
}

/// Which rows the send view shows.
#[derive(Debug, Clone, Copy)]
pub struct CandidateFilter {
    /// Assess for this service.
    pub service: Service,
    /// Assess for this delivery (default: the settings').
    pub delivery: Option<Delivery>,
    /// Only invoices not yet printed or sent to the customer.
    pub only_unsent: bool,
    /// Only hidden rows (otherwise hidden rows are left out).
    pub only_hidden: bool,
    /// Only these colours (empty: all).
    pub green: bool,
    /// Include yellow.
    pub yellow: bool,
    /// Include red.
    pub red: bool,
}

fn candidate(
    inv: &invoice::Model,
    c: Option<&customer::Model>,
    sold: bool,
    handed_over: bool,
) -> Candidate {
    Candidate {
        balance_ore: inv.balance_ore,
        house_work_deductible_ore: inv.house_work_deductible_ore,
        cancelled: inv.cancelled,
        not_completed: inv.not_completed,
        invoice_type: inv.invoice_type.clone(),
        currency: inv.currency.clone(),
        terms_of_payment: inv.terms_of_payment.clone(),
        invoice_date: inv.invoice_date,
        due_date: inv.due_date,
        customer_name: inv.customer_name.clone(),
        street: inv.street.clone(),
        postal_code: inv.postal_code.clone(),
        city: inv.city.clone(),
        email: c.and_then(|c| c.email.clone()),
        phone: c.and_then(|c| c.phone.clone()),
        identity_number: c.and_then(|c| c.organisation_number.clone()),
        sold,
        handed_over,
    }
}

/// Assesses a batch of the tenant's invoices with one query per kind of data.
async fn assess_all(
    state: &AppState,
    tenant: Tenant,
    invoices: &[invoice::Model],
    settings: &NoxSettings,
    service: Service,
    delivery: Delivery,
    today: NaiveDate,
) -> AppResult<Vec<Assessment>> {
    let db = &state.db;
    let ids: Vec<i64> = invoices.iter().map(|i| i.id).collect();
    let customers: HashMap<i64, customer::Model> =
        customers::get_many(db, tenant, invoices.iter().map(|i| i.customer_id))
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let live_sales: std::collections::HashSet<i64> =
        sales::latest_by_invoice(db, tenant, ids.clone())
            .await?
            .into_iter()
            .filter(|s| sales::LIVE.contains(&s.status.as_str()))
            .map(|s| s.invoice_id)
            .collect();
    let cases: std::collections::HashSet<i64> = store::cases_of(db, tenant, ids)
        .await?
        .into_iter()
        .map(|c| c.invoice_id)
        .collect();
    let rules = nox::Settings {
        active_terms: settings.active_terms.clone(),
    };
    Ok(invoices
        .iter()
        .map(|inv| {
            let c = candidate(
                inv,
                customers.get(&inv.customer_id),
                live_sales.contains(&inv.id),
                cases.contains(&inv.id),
            );
            nox::assess(&c, &rules, service, delivery, today)
        })
        .collect())
}

/// A page of the send view: the tenant's invoices not handed over, newest first,
/// each with its colour, blockers and warnings. Scans the invoice list in
/// keyset batches until the page is full, since colour is computed.
pub async fn candidates(
    state: &AppState,
    tenant: Tenant,
    f: CandidateFilter,
    first: u64,
    after: Option<i64>,
) -> AppResult<(Vec<CandidateRow>, bool)> {
    let db = &state.db;
    let today = state.clock.today();
    let settings = store::settings(db, tenant).await?;
    let delivery = f
        .delivery
        .unwrap_or_else(|| parse_delivery(&settings.default_delivery));
    let hidden = store::hidden(db, tenant).await?;
    let filter = InvoiceFilter {
        sent: f.only_unsent.then_some(false),
        ..InvoiceFilter::default()
    };
    let mut rows = Vec::new();
    let mut cursor = after;
    loop {
        let page = invoices::list(
            db,
            tenant,
            &filter,
            today,
            PageRequest::Forward {
                first: 200,
                after: cursor,
            },
        )
        .await?;
        let batch: Vec<invoice::Model> = page
            .items
            .into_iter()
            .filter(|i| hidden.contains(&i.id) == f.only_hidden)
            .collect();
        cursor = batch.last().map(|i| i.id).or(cursor);
        let handed: std::collections::HashSet<i64> =
            store::cases_of(db, tenant, batch.iter().map(|i| i.id).collect())
                .await?
                .into_iter()
                .map(|c| c.invoice_id)
                .collect();
        let batch: Vec<invoice::Model> = batch
            .into_iter()
            .filter(|i| !handed.contains(&i.id))
            .collect();
        let assessments =
            assess_all(state, tenant, &batch, &settings, f.service, delivery, today).await?;
        for (inv, a) in batch.into_iter().zip(assessments) {
            let wanted = match a.colour {
                nox::Colour::Green => f.green,
                nox::Colour::Yellow => f.yellow,
                nox::Colour::Red => f.red,
            };
            if wanted {
                let hidden = hidden.contains(&inv.id);
                rows.push(CandidateRow {
                    invoice: inv,
                    assessment: a,
                    hidden,
                });
                if rows.len() as u64 > first {
                    rows.truncate(first as usize);
                    return Ok((rows, true));
                }
            }
        }
        if !page.has_next {
            return Ok((rows, false));
        }
    }
}

/// One row's current verdict (after hiding, or for a single invoice).
pub async fn candidate_row(
    state: &AppState,
    tenant: Tenant,
    invoice_id: i64,
    service: Service,
) -> AppResult<CandidateRow> {
    let inv = invoices::require(&state.db, tenant, invoice_id, "invoiceId").await?;
    let settings = store::settings(&state.db, tenant).await?;
    let delivery = parse_delivery(&settings.default_delivery);
    let today = state.clock.today();
    let a = assess_all(
        state,
        tenant,
        std::slice::from_ref(&inv),
        &settings,
        service,
        delivery,
        today,
    )
    .await?
    .pop()
    .ok_or_else(|| AppError::Internal("no assessment".into()))?;
    let hidden = store::hidden(&state.db, tenant).await?.contains(&inv.id);
    Ok(CandidateRow {
        invoice: inv,
        assessment: a,
        hidden,
    })
}

/// Hides or unhides a row of the send view.
pub async fn set_hidden(
    state: &AppState,
    tenant: Tenant,
    invoice_id: i64,
    hide: bool,
) -> AppResult<CandidateRow> {
    let txn = begin_write(&state.db).await?;
    invoices::require(&txn, tenant, invoice_id, "invoiceId").await?;
    store::set_hidden(&txn, tenant, invoice_id, hide, state.clock.now()).await?;
    txn.commit().await?;
    candidate_row(state, tenant, invoice_id, Service::InvoiceService).await
}

/// Saves the Nox Finans settings; every code must be one of the company's terms.
pub async fn update_settings(
    state: &AppState,
    tenant: Tenant,
    settings: NoxSettings,
) -> AppResult<NoxSettings> {
    let known: Vec<String> = crate::store::companies::terms(&state.db, tenant)
        .await?
        .into_iter()
        .map(|t| t.code)
        .collect();
    let mut terms: Vec<String> = Vec::new();
    for t in settings.active_terms {
        let t = t.trim().to_string();
        if !known.contains(&t) {
            return Err(AppError::validation(
                "activeTermsOfPayment",
                format!(
                    "unknown terms of payment {t:?}; the company has {}",
                    known.join(", ")
                ),
            ));
        }
        if !terms.contains(&t) {
            terms.push(t);
        }
    }
    let saved = NoxSettings {
        active_terms: terms,
        default_delivery: settings.default_delivery,
    };
    let txn = begin_write(&state.db).await?;
    store::save_settings(&txn, tenant, &saved, state.clock.now()).await?;
    txn.commit().await?;
    Ok(saved)
}

/// The result of sending one invoice.
#[derive(Debug, Clone)]
pub struct SendResult {
    /// The invoice.
    pub invoice: invoice::Model,
    /// Whether Nox Finans took it (a case exists for it under this request).
    pub accepted: bool,
    /// The case, new or existing.
    pub case: Option<nox_case::Model>,
    /// The assessment at sending.
    pub assessment: Assessment,
}

/// Case statuses.
pub mod status {
    /// Waiting for Nox Finans to accept.
    pub const SUBMITTED: &str = "SUBMITTED";
    /// Accepted.
    pub const ACCEPTED: &str = "ACCEPTED";
    /// Delivered to the customer.
    pub const DELIVERED: &str = "DELIVERED";
    /// Reminder sent.
    pub const REMINDER_SENT: &str = "REMINDER_SENT";
}

/// The most invoices in one batch.
pub const MAX_BATCH: usize = 100;

/// Sends a batch to Nox Finans. Red rows are refused with their blockers; green
/// and yellow rows become cases (SUBMITTED), each in its own transaction with its
/// event and acceptance job. The same key returns the same cases; an invoice
/// already handed over is refused and its case returned.
pub async fn send(
    state: &AppState,
    tenant: Tenant,
    invoice_ids: Vec<i64>,
    service: Service,
    delivery: Option<Delivery>,
    key: &str,
) -> AppResult<Vec<SendResult>> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::validation(
            "idempotencyKey",
            "must be 1 to 100 characters",
        ));
    }
    if invoice_ids.is_empty() || invoice_ids.len() > MAX_BATCH {
        return Err(AppError::validation(
            "invoiceIds",
            format!("send 1 to {MAX_BATCH} invoices at a time"),
        ));
    }
    let settings = store::settings(&state.db, tenant).await?;
    let delivery = delivery.unwrap_or_else(|| parse_delivery(&settings.default_delivery));
    let mut results = Vec::new();
    for (i, id) in invoice_ids.iter().enumerate() {
        let txn = begin_write(&state.db).await?;
        let inv = invoices::require(&txn, tenant, *id, &format!("invoiceIds[{i}]")).await?;
        let existing = store::cases_of(&txn, tenant, vec![inv.id]).await?.pop();
        let today = state.clock.today();
        let assessment = assess_all(
            state,
            tenant,
            std::slice::from_ref(&inv),
            &settings,
            service,
            delivery,
            today,
        )
        .await?
        .pop()
        .ok_or_else(|| AppError::Internal("no assessment".into()))?;
        if let Some(c) = existing {
            let accepted = c.idempotency_key == key;
            results.push(SendResult {
                invoice: inv,
                accepted,
                case: Some(c),
                assessment,
            });
            continue;
        }
        if assessment.colour == nox::Colour::Red {
            results.push(SendResult {
                invoice: inv,
                accepted: false,
                case: None,
                assessment,
            });
            continue;
        }
        let case = submit(&txn, state, tenant, &inv, service, delivery, key).await?;
        txn.commit().await?;
        results.push(SendResult {
            invoice: inv,
            accepted: true,
            case: Some(case),
            assessment,
        });
    }
    state.events.wake();
    Ok(results)
}

async fn submit(
    txn: &DatabaseTransaction,
    state: &AppState,
    tenant: Tenant,
    inv: &invoice::Model,
    service: Service,
    delivery: Delivery,
    key: &str,
) -> AppResult<nox_case::Model> {
    let now = state.clock.now();
    let case = store::insert_case(
        txn,
        tenant,
        nox_case::ActiveModel {
            invoice_id: Set(inv.id),
            customer_id: Set(inv.customer_id),
            service: Set(service_str(service).into()),
            delivery: Set(delivery_str(delivery).into()),
            status: Set(status::SUBMITTED.into()),
            idempotency_key: Set(key.into()),
            submitted_at: Set(now),
            next_event: Set(Some("Acceptance by Nox Finans".into())),
            next_event_date: Set(Some(state.clock.today())),
            capital_ore: Set(inv.balance_ore),
            fees_ore: Set(0),
            ..Default::default()
        },
    )
    .await?;
    let message = format!("Invoice {} has been sent to Nox Finans", inv.invoice_number);
    record(txn, tenant, &case, status::SUBMITTED, &message, now).await?;
    let at = now + Duration::seconds(state.settings.nox_acceptance_delay_secs.max(0));
    jobs::schedule(txn, tenant, kind::NOX_ACCEPT, case.id, at, now).await?;
    Ok(case)
}

async fn record(
    txn: &DatabaseTransaction,
    tenant: Tenant,
    case: &nox_case::Model,
    kind: &str,
    message: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    outbox::record(
        txn,
        tenant,
        NewEvent {
            topic: topic::NOX_FINANS,
            kind,
            invoice_id: Some(case.invoice_id),
            subject_id: case.id,
            message,
        },
        at,
    )
    .await?;
    Ok(())
}

/// Job: Nox Finans accepts a submitted case and delivers the invoice (invoice
/// service: by letter or e-mail, charged on the statement) or sends the reminder
/// (reminder service), all in one transaction.
#[tracing::instrument(skip(state, job), fields(job = job.id, case = job.subject_id))]
pub async fn accept(state: &AppState, job: &job::Model) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let txn = begin_write(&state.db).await?;
    if let Some(case) = store::case_any(&txn, Operator::system(), job.subject_id).await? {
        let tenant = Tenant::trusted(case.company_id);
        let accepted = store::transition(
            &txn,
            tenant,
            case.id,
            &[status::SUBMITTED],
            nox_case::ActiveModel {
                status: Set(status::ACCEPTED.into()),
                ..Default::default()
            },
        )
        .await?;
        if let Some(case) = accepted {
            let inv = invoices::require(&txn, tenant, case.invoice_id, "invoiceId").await?;
            let number = &inv.invoice_number;
            let message = format!("Invoice {number} is approved and will be handled by Nox Finans");
            outbox::notify(&txn, tenant, "NOX_ACCEPTED", &message, Some(inv.id), now).await?;
            record(&txn, tenant, &case, status::ACCEPTED, &message, now).await?;
            let (next_status, item, text) = if case.service == "REMINDER_SERVICE" {
                (
                    status::REMINDER_SENT,
                    "REMINDER_SERVICE",
                    format!(
                        "Nox Finans has taken over overdue invoice {number} and sent a reminder"
                    ),
                )
            } else if case.delivery == "EMAIL" {
                (
                    status::DELIVERED,
                    "EMAIL",
                    format!("Nox Finans has delivered invoice {number} by e-mail"),
                )
            } else {
                (
                    status::DELIVERED,
                    "LETTER",
                    format!("Nox Finans has delivered invoice {number} by letter"),
                )
            };
            let fee = nox::price(item);
            let customer = customers::get(&txn, tenant, case.customer_id).await?;
            let facts = |status: &'static str| case_facts(&inv, customer.as_ref(), status, today);
            let customer_fee = if next_status == status::REMINDER_SENT {
                nox::step_fee(nox::Step::Reminder, is_business(customer.as_ref()))
            } else {
                0
            };
            let next = nox::next_step(facts(next_status));
            let moved = store::transition(
                &txn,
                tenant,
                case.id,
                &[status::ACCEPTED],
                nox_case::ActiveModel {
                    status: Set(next_status.into()),
                    fees_ore: Set(case.fees_ore + customer_fee),
                    next_event: Set(next.map(|(s, _)| s.label().to_string())),
                    next_event_date: Set(next.map(|(_, d)| d)),
                    ..Default::default()
                },
            )
            .await?
            .ok_or_else(|| AppError::Internal("case moved during acceptance".into()))?;
            if let Some((_, day)) = next {
                schedule_step(&txn, state, tenant, moved.id, day).await?;
            }
            let line = StatementLine {
                kind: "SERVICE_FEE",
                description: format!(
                    "Nox Finans {}, invoice {number}",
                    item.to_lowercase().replace('_', " ")
                ),
                amount_ore: -fee,
            };
            let refs = Refs {
                invoice_id: Some(inv.id),
                sale_id: None,
            };
            book(&txn, tenant, &[line], today, refs, now).await?;
            let voucher = VoucherDraft {
                description: format!("Nox Finans fee, invoice {number}"),
                rows: vec![
                    Posting {
                        account: 6590,
                        debit_ore: fee,
                        credit_ore: 0,
                    },
                    Posting {
                        account: 2811,
                        debit_ore: 0,
                        credit_ore: fee,
                    },
                ],
            };
            post(&txn, tenant, "N", &voucher, today, None, now).await?;
            record(&txn, tenant, &moved, next_status, &text, now).await?;
        }
    }
    jobs::finish(&txn, job.id).await?;
    txn.commit().await?;
    Ok(())
}

/// Case statuses in which the timeline runs.
pub const ACTIVE: &[&str] = &[
    "ACCEPTED",
    "DELIVERED",
    "OVERDUE_NOTICE_SENT",
    "REMINDER_SENT",
    "DEBT_COLLECTION",
    "LONG_TERM_MONITORING",
];

/// What the timeline needs to know about a case's invoice and customer.
fn case_facts(
    inv: &invoice::Model,
    c: Option<&customer::Model>,
    status: &'static str,
    since: NaiveDate,
) -> nox::CaseFacts {
    nox::CaseFacts {
        status,
        due: inv.due_date,
        has_email: c.is_some_and(|c| c.email.is_some()),
        has_identity: c.is_some_and(|c| c.organisation_number.is_some()),
        since,
    }
}

fn is_business(c: Option<&customer::Model>) -> bool {
    use crate::domain::identifiers::{IdentityKind, identity_kind_of_normalised};
    c.and_then(|c| c.organisation_number.as_deref())
        .is_some_and(|n| identity_kind_of_normalised(n) == IdentityKind::Organisation)
}

fn morning(state: &AppState, day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    crate::domain::time::stockholm_instant(day, state.settings.payout_hour)
}

async fn schedule_step(
    txn: &DatabaseTransaction,
    state: &AppState,
    tenant: Tenant,
    case_id: i64,
    day: NaiveDate,
) -> AppResult<()> {
    jobs::schedule(
        txn,
        tenant,
        kind::NOX_STEP,
        case_id,
        morning(state, day),
        state.clock.now(),
    )
    .await
}

/// Job: takes a case's next timeline step once it is due (a paused case waits).
#[tracing::instrument(skip(state, job), fields(job = job.id, case = job.subject_id))]
pub async fn step(state: &AppState, job: &job::Model) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let txn = begin_write(&state.db).await?;
    if let Some(case) = store::case_any(&txn, Operator::system(), job.subject_id).await?
        && let Some(status) = ACTIVE.iter().copied().find(|s| *s == case.status)
    {
        let tenant = Tenant::trusted(case.company_id);
        let inv = invoices::require(&txn, tenant, case.invoice_id, "invoiceId").await?;
        let customer = customers::get(&txn, tenant, case.customer_id).await?;
        let facts = |status: &'static str| case_facts(&inv, customer.as_ref(), status, today);
        // The stored next-event date is when the step is due.
        let due_on = case.next_event_date.unwrap_or(today);
        match (case.paused_until, nox::next_step(facts(status))) {
            (Some(until), _) if until >= today => {
                // Paused: look again the day after the pause ends.
                let day = until.succ_opt().unwrap_or(until);
                schedule_step(&txn, state, tenant, case.id, day).await?;
            }
            (_, Some(_)) if due_on > today => {
                schedule_step(&txn, state, tenant, case.id, due_on).await?;
            }
            (_, Some((step, _))) => {
                let fee = nox::step_fee(step, is_business(customer.as_ref()));
                let after = nox::next_step(facts(step.status()));
                let changes = nox_case::ActiveModel {
                    status: Set(step.status().into()),
                    fees_ore: Set(case.fees_ore + fee),
                    paused_until: Set(None),
                    next_event: Set(after.map(|(s, _)| s.label().to_string())),
                    next_event_date: Set(after.map(|(_, d)| d)),
                    ..Default::default()
                };
                if let Some(moved) =
                    store::transition(&txn, tenant, case.id, &[status], changes).await?
                {
                    let fee_text = if fee > 0 {
                        format!(
                            " ({} SEK charged to the customer)",
                            crate::domain::money::from_ore(fee)
                        )
                    } else {
                        String::new()
                    };
                    let message = format!(
                        "Nox Finans: {} for invoice {}{fee_text}",
                        step.label(),
                        inv.invoice_number
                    );
                    record(&txn, tenant, &moved, step.status(), &message, now).await?;
                    if let Some((_, day)) = after {
                        schedule_step(&txn, state, tenant, moved.id, day).await?;
                    }
                }
            }
            (_, None) => {}
        }
    }
    jobs::finish(&txn, job.id).await?;
    txn.commit().await?;
    Ok(())
}

/// Books a customer payment on a case (inside the payment's transaction): the
/// money enters the payments account, long-term monitoring keeps its share, and
/// the net is paid out on the next banking day. A case paid in full is PAID.
pub async fn collect(
    txn: &DatabaseTransaction,
    state: &AppState,
    tenant: Tenant,
    inv: &invoice::Model,
    amount_ore: i64,
) -> AppResult<()> {
    let Some(case) = store::cases_of(txn, tenant, vec![inv.id]).await?.pop() else {
        return Ok(());
    };
    let open: Vec<&str> = ACTIVE.iter().copied().chain([status::SUBMITTED]).collect();
    if !open.contains(&case.status.as_str()) {
        return Ok(());
    }
    let now = state.clock.now();
    let today = state.clock.today();
    let number = &inv.invoice_number;
    let ltm_fee = if case.status == "LONG_TERM_MONITORING" {
        amount_ore * nox::LONG_TERM_SHARE_PERMILLE / 1000
    } else {
        0
    };
    let mut lines = vec![StatementLine {
        kind: "CUSTOMER_PAYMENT",
        description: format!("Payment collected by Nox Finans, invoice {number}"),
        amount_ore,
    }];
    let mut rows = vec![Posting {
        account: 2811,
        debit_ore: amount_ore - ltm_fee,
        credit_ore: 0,
    }];
    if ltm_fee > 0 {
        lines.push(StatementLine {
            kind: "SERVICE_FEE",
            description: format!("Nox Finans long-term monitoring 20 %, invoice {number}"),
            amount_ore: -ltm_fee,
        });
        rows.push(Posting {
            account: 6590,
            debit_ore: ltm_fee,
            credit_ore: 0,
        });
    }
    rows.push(Posting {
        account: 1510,
        debit_ore: 0,
        credit_ore: amount_ore,
    });
    let refs = Refs {
        invoice_id: Some(inv.id),
        sale_id: None,
    };
    book(txn, tenant, &lines, today, refs, now).await?;
    let voucher = VoucherDraft {
        description: format!("Customer payment via Nox Finans, invoice {number}"),
        rows,
    };
    post(txn, tenant, "N", &voucher, today, None, now).await?;
    let paid = inv.balance_ore <= 0;
    let changes = nox_case::ActiveModel {
        capital_ore: Set((case.capital_ore - amount_ore).max(0)),
        payout_pending_ore: Set(case.payout_pending_ore + amount_ore - ltm_fee),
        status: Set(if paid {
            "PAID".into()
        } else {
            case.status.clone()
        }),
        next_event: Set(if paid { None } else { case.next_event.clone() }),
        next_event_date: Set(if paid { None } else { case.next_event_date }),
        paused_until: Set(if paid { None } else { case.paused_until }),
        closed_at: Set(paid.then_some(now)),
        ..Default::default()
    };
    let moved = store::transition(txn, tenant, case.id, &open, changes)
        .await?
        .ok_or_else(|| {
            AppError::Conflict("the Nox Finans case changed meanwhile; try again".into())
        })?;
    if paid {
        let message = format!("Invoice {number} is paid; Nox Finans has closed the case");
        record(txn, tenant, &moved, "PAID", &message, now).await?;
    }
    let day = crate::domain::banking::next_banking_day(today);
    jobs::schedule(
        txn,
        tenant,
        kind::NOX_PAYOUT,
        case.id,
        morning(state, day),
        now,
    )
    .await?;
    Ok(())
}

/// Job: pays out what Nox Finans collected for a case.
#[tracing::instrument(skip(state, job), fields(job = job.id, case = job.subject_id))]
pub async fn payout(state: &AppState, job: &job::Model) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let txn = begin_write(&state.db).await?;
    if let Some(case) = store::case_any(&txn, Operator::system(), job.subject_id).await?
        && case.payout_pending_ore > 0
    {
        let tenant = Tenant::trusted(case.company_id);
        let amount = case.payout_pending_ore;
        let changes = nox_case::ActiveModel {
            payout_pending_ore: Set(0),
            ..Default::default()
        };
        store::transition(&txn, tenant, case.id, &[case.status.as_str()], changes).await?;
        let inv = invoices::require(&txn, tenant, case.invoice_id, "invoiceId").await?;
        let (lines, voucher) = crate::domain::ledger::payout(&inv.invoice_number, amount);
        let refs = Refs {
            invoice_id: Some(inv.id),
            sale_id: None,
        };
        book(&txn, tenant, &lines, today, refs, now).await?;
        post(&txn, tenant, "N", &voucher, today, None, now).await?;
    }
    jobs::finish(&txn, job.id).await?;
    txn.commit().await?;
    Ok(())
}

/// Pauses a case until `until` (at most 60 days ahead).
pub async fn pause(
    state: &AppState,
    tenant: Tenant,
    case_id: i64,
    until: NaiveDate,
) -> AppResult<nox_case::Model> {
    let today = state.clock.today();
    let limit = today
        .checked_add_days(chrono::Days::new(nox::MAX_PAUSE_DAYS))
        .unwrap_or(today);
    if until <= today || until > limit {
        return Err(AppError::validation(
            "until",
            format!(
                "must be after today and at most {} days ahead ({limit})",
                nox::MAX_PAUSE_DAYS
            ),
        ));
    }
    let txn = begin_write(&state.db).await?;
    let case = store::case(&txn, tenant, case_id)
        .await?
        .ok_or_else(|| AppError::not_found("case", "caseId"))?;
    let changes = nox_case::ActiveModel {
        paused_until: Set(Some(until)),
        ..Default::default()
    };
    let moved = store::transition(&txn, tenant, case.id, ACTIVE, changes)
        .await?
        .ok_or_else(|| AppError::Conflict(format!("a {} case cannot be paused", case.status)))?;
    let message = format!("The Nox Finans case is paused until {until}");
    record(
        &txn,
        tenant,
        &moved,
        &moved.status,
        &message,
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    state.events.wake();
    Ok(moved)
}

/// Resumes a paused case; its next step follows at once when due.
pub async fn resume(state: &AppState, tenant: Tenant, case_id: i64) -> AppResult<nox_case::Model> {
    let txn = begin_write(&state.db).await?;
    let case = store::case(&txn, tenant, case_id)
        .await?
        .ok_or_else(|| AppError::not_found("case", "caseId"))?;
    if case.paused_until.is_none() {
        return Err(AppError::Conflict("the case is not paused".into()));
    }
    let changes = nox_case::ActiveModel {
        paused_until: Set(None),
        ..Default::default()
    };
    let moved = store::transition(&txn, tenant, case.id, ACTIVE, changes)
        .await?
        .ok_or_else(|| AppError::Conflict(format!("a {} case cannot be resumed", case.status)))?;
    record(
        &txn,
        tenant,
        &moved,
        &moved.status,
        "The Nox Finans case is resumed",
        state.clock.now(),
    )
    .await?;
    schedule_step(&txn, state, tenant, moved.id, state.clock.today()).await?;
    txn.commit().await?;
    state.events.wake();
    Ok(moved)
}

/// Recalls a case from Nox Finans; the recall fee (50 SEK + VAT) is charged.
pub async fn recall(state: &AppState, tenant: Tenant, case_id: i64) -> AppResult<nox_case::Model> {
    let now = state.clock.now();
    let today = state.clock.today();
    let txn = begin_write(&state.db).await?;
    let case = store::case(&txn, tenant, case_id)
        .await?
        .ok_or_else(|| AppError::not_found("case", "caseId"))?;
    let open: Vec<&str> = ACTIVE.iter().copied().chain([status::SUBMITTED]).collect();
    let changes = nox_case::ActiveModel {
        status: Set("RECALLED".into()),
        next_event: Set(None),
        next_event_date: Set(None),
        paused_until: Set(None),
        closed_at: Set(Some(now)),
        ..Default::default()
    };
    let moved = store::transition(&txn, tenant, case.id, &open, changes)
        .await?
        .ok_or_else(|| AppError::Conflict(format!("a {} case cannot be recalled", case.status)))?;
    let fee = nox::price("RECALL");
    let vat = fee * nox::RECALL_VAT_BP / 10_000;
    let inv = invoices::require(&txn, tenant, case.invoice_id, "invoiceId").await?;
    let number = &inv.invoice_number;
    let line = StatementLine {
        kind: "SERVICE_FEE",
        description: format!("Nox Finans recall fee incl. VAT, invoice {number}"),
        amount_ore: -(fee + vat),
    };
    book(
        &txn,
        tenant,
        &[line],
        today,
        Refs {
            invoice_id: Some(inv.id),
            sale_id: None,
        },
        now,
    )
    .await?;
    let voucher = VoucherDraft {
        description: format!("Nox Finans recall fee, invoice {number}"),
        rows: vec![
            Posting {
                account: 6590,
                debit_ore: fee,
                credit_ore: 0,
            },
            Posting {
                account: 2641,
                debit_ore: vat,
                credit_ore: 0,
            },
            Posting {
                account: 2811,
                debit_ore: 0,
                credit_ore: fee + vat,
            },
        ],
    };
    post(&txn, tenant, "N", &voucher, today, None, now).await?;
    let message = format!("Invoice {number} has been recalled from Nox Finans");
    record(&txn, tenant, &moved, "RECALLED", &message, now).await?;
    txn.commit().await?;
    state.events.wake();
    Ok(moved)
}
