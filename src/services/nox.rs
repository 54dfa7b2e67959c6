//! Nox Finans use cases: the send view, settings, hiding rows and sending a
//! batch. What happens to a case afterwards is in `nox_case`.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use entity::{customer, invoice, nox_case};
use sea_orm::{ConnectionTrait, Set};

use crate::db::begin_write;
use crate::domain::nox::{self, Assessment, Candidate, Delivery, Service};
use crate::domain::nox_case::NoxStatus;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::invoices;
use crate::store::jobs::{self, kind};
use crate::store::nox::{self as store, NoxSettings, status_of};
use crate::store::outbox::Ordered;
use crate::store::outbox::{self, NewEvent, topic};
use crate::store::page::PageRequest;
use crate::store::{Tenant, customers, sales};

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

/// Reads a stored service.
pub fn parse_service(s: &str) -> Service {
    if s == service_str(Service::ReminderService) {
        Service::ReminderService
    } else {
        Service::InvoiceService
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
        house_work_deductible_ore: inv.house_work_deductible_ore.map(|d| {
            crate::domain::invoice::skatteverket_outstanding(Some(d), inv.house_work_paid_ore)
        }),
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
        sold: sold || inv.sold,
        handed_over,
    }
}

/// Assesses a batch of the tenant's invoices with one query per kind of data.
async fn assess_all<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoices: &[invoice::Model],
    settings: &NoxSettings,
    service: Service,
    delivery: Delivery,
    today: NaiveDate,
) -> AppResult<Vec<Assessment>> {
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
    let mut open_cases = std::collections::HashSet::new();
    for c in store::cases_of(db, tenant, ids).await? {
        if status_of(&c)?.is_open() {
            open_cases.insert(c.invoice_id);
        }
    }
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
                open_cases.contains(&inv.id),
            );
            nox::assess(&c, &rules, service, delivery, today)
        })
        .collect())
}

/// Assesses one invoice inside a transaction (sending, and Nox Finans'
/// acceptance). With `own_case`, the invoice's open case is the one being
/// assessed and does not count as "already handed over".
pub async fn assess_with<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    inv: &invoice::Model,
    service: Service,
    delivery: Delivery,
    today: NaiveDate,
    own_case: bool,
) -> AppResult<Assessment> {
    let settings = store::settings(db, tenant).await?;
    let customer = customers::get(db, tenant, inv.customer_id).await?;
    let sold = sales::has_live_sale(db, tenant, inv.id).await?;
    let handed = !own_case && store::open_case_of(db, tenant, inv.id).await?.is_some();
    let rules = nox::Settings {
        active_terms: settings.active_terms,
    };
    let c = candidate(inv, customer.as_ref(), sold, handed);
    Ok(nox::assess(&c, &rules, service, delivery, today))
}

/// The SQL send-view query for `f`, with the settings and delivery it used.
async fn view_query(
    state: &AppState,
    tenant: Tenant,
    f: &CandidateFilter,
) -> AppResult<(store::SendViewQuery, NoxSettings, Delivery)> {
    let settings = store::settings(&state.db, tenant).await?;
    let delivery = f
        .delivery
        .unwrap_or_else(|| parse_delivery(&settings.default_delivery));
    let q = store::SendViewQuery {
        active_terms: settings.active_terms.clone(),
        reminder_service: f.service == Service::ReminderService,
        email_delivery: delivery == Delivery::Email,
        only_unsent: f.only_unsent,
        only_hidden: f.only_hidden,
        green: f.green,
        yellow: f.yellow,
        red: f.red,
        today: state.clock.today(),
    };
    Ok((q, settings, delivery))
}

/// A page of the send view: the tenant's invoices not handed over, newest first,
/// each with its colour, blockers and warnings. The colour filter runs in SQL
/// (`store::nox::send_view`), so a page costs O(page) however many invoices the
/// company has; the reasons of the rows on the page come from the same rules in
/// `domain::nox::assess`.
pub async fn candidates(
    state: &AppState,
    tenant: Tenant,
    f: CandidateFilter,
    first: u64,
    after: Option<i64>,
) -> AppResult<(Vec<CandidateRow>, bool)> {
    let db = &state.db;
    let today = state.clock.today();
    let (q, settings, delivery) = view_query(state, tenant, &f).await?;
    let page = store::send_view(db, tenant, &q, PageRequest::Forward { first, after }).await?;
    let assessments = assess_all(
        db,
        tenant,
        &page.items,
        &settings,
        f.service,
        delivery,
        today,
    )
    .await?;
    let rows = page
        .items
        .into_iter()
        .zip(assessments)
        .map(|(invoice, assessment)| CandidateRow {
            invoice,
            assessment,
            hidden: f.only_hidden,
        })
        .collect();
    Ok((rows, page.has_next))
}

/// How many rows the send view has under `f`: a SQL count.
pub async fn candidate_count(
    state: &AppState,
    tenant: Tenant,
    f: CandidateFilter,
) -> AppResult<u64> {
    let (q, _, _) = view_query(state, tenant, &f).await?;
    store::send_view_count(&state.db, tenant, &q).await
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
        &state.db,
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
        recall_instead_of_monitoring: settings.recall_instead_of_monitoring,
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
    recall_instead_of_monitoring: Option<bool>,
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
    let mut results = Vec::new();
    for (i, id) in invoice_ids.iter().enumerate() {
        // Every read the hand-over depends on happens in its own transaction.
        let txn = crate::db::begin_ordered(&state.db).await?;
        let settings = store::settings(&txn, tenant).await?;
        let delivery = delivery.unwrap_or_else(|| parse_delivery(&settings.default_delivery));
        let recall = recall_instead_of_monitoring.unwrap_or(settings.recall_instead_of_monitoring);
        let inv = invoices::require(&txn, tenant, *id, &format!("invoiceIds[{i}]")).await?;
        let latest = store::cases_of(&txn, tenant, vec![inv.id]).await?.pop();
        let today = state.clock.today();
        let assessment = assess_with(&txn, tenant, &inv, service, delivery, today, false).await?;
        if let Some(c) = latest {
            let open = status_of(&c)?.is_open();
            // The same key returns the same case; an open case under another key
            // means the invoice is already handed over.
            if c.idempotency_key == key || open {
                results.push(SendResult {
                    invoice: inv,
                    accepted: c.idempotency_key == key,
                    case: Some(c),
                    assessment,
                });
                continue;
            }
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
        let handover = Handover {
            service,
            delivery,
            recall_instead_of_monitoring: recall,
        };
        match submit(&txn, state, tenant, &inv, handover, key).await {
            Ok(case) => {
                txn.commit().await?;
                results.push(SendResult {
                    invoice: inv,
                    accepted: true,
                    case: Some(case),
                    assessment,
                });
            }
            // Another request handed the invoice over first (the database
            // allows one open case per invoice): report its case.
            Err(AppError::Conflict(_)) => {
                drop(txn);
                let open = store::open_case_of(&state.db, tenant, inv.id).await?;
                results.push(SendResult {
                    accepted: open.as_ref().is_some_and(|c| c.idempotency_key == key),
                    invoice: inv,
                    case: open,
                    assessment,
                });
            }
            Err(e) => return Err(e),
        }
    }
    state.events.wake();
    Ok(results)
}

/// How an invoice is handed over.
#[derive(Debug, Clone, Copy)]
struct Handover {
    service: Service,
    delivery: Delivery,
    recall_instead_of_monitoring: bool,
}

async fn submit(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    inv: &invoice::Model,
    h: Handover,
    key: &str,
) -> AppResult<nox_case::Model> {
    let now = state.clock.now();
    let claim = crate::domain::invoice::customer_outstanding(
        inv.balance_ore,
        inv.house_work_deductible_ore,
        inv.house_work_paid_ore,
    );
    let case = store::insert_case(
        txn,
        tenant,
        nox_case::ActiveModel {
            invoice_id: Set(inv.id),
            customer_id: Set(inv.customer_id),
            service: Set(service_str(h.service).into()),
            delivery: Set(delivery_str(h.delivery).into()),
            status: Set(NoxStatus::Submitted.as_str().into()),
            idempotency_key: Set(key.into()),
            submitted_at: Set(now),
            next_event: Set(Some("Acceptance by Nox Finans".into())),
            next_event_date: Set(Some(state.clock.today())),
            capital_ore: Set(claim),
            claim_ore: Set(claim),
            fees_ore: Set(0),
            recall_instead_of_monitoring: Set(h.recall_instead_of_monitoring),
            ..Default::default()
        },
    )
    .await?;
    invoices::hold(txn, tenant, inv.id, invoices::Holder::NoxFinans(case.id)).await?;
    let message = format!("Invoice {} has been sent to Nox Finans", inv.invoice_number);
    record(
        txn,
        tenant,
        &case,
        NoxStatus::Submitted.as_str(),
        &message,
        now,
    )
    .await?;
    let at = now + Duration::seconds(state.settings.nox_acceptance_delay_secs.max(0));
    jobs::schedule(txn, tenant, kind::NOX_ACCEPT, case.id, at, now).await?;
    Ok(case)
}

pub(crate) async fn record(
    txn: &Ordered,
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
    );
    Ok(())
}
