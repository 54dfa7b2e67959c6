//! Sending a batch: each green or yellow invoice handed over in one
//! transaction with its case, job and event.

use super::*;
use crate::domain::id::InvoiceId;
use crate::domain::idempotency::idempotency_key;

/// The result of sending one invoice.
#[derive(Debug, Clone)]
pub struct SendResult {
    /// The invoice.
    pub invoice: Invoice,
    /// Whether Nox Finans took it (a case exists for it under this request).
    pub accepted: bool,
    /// The case, new or existing.
    pub case: Option<Case>,
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
    invoice_ids: Vec<InvoiceId>,
    service: Service,
    asked_delivery: Option<Delivery>,
    recall_instead_of_monitoring: Option<bool>,
    key: &str,
) -> AppResult<Vec<SendResult>> {
    let key = idempotency_key(key)?;
    if invoice_ids.is_empty() || invoice_ids.len() > MAX_BATCH {
        return Err(AppError::validation(
            "invoiceIds",
            format!("send 1 to {MAX_BATCH} invoices at a time"),
        ));
    }
    let mut results = Vec::new();
    for (i, id) in invoice_ids.iter().enumerate() {
        // Every read the hand-over depends on happens in its own transaction.
        let txn = state.begin_ordered().await?;
        let settings = store::settings(&txn, tenant).await?;
        let delivery = asked_delivery.unwrap_or(settings.default_delivery);
        let recall = recall_instead_of_monitoring.unwrap_or(settings.recall_instead_of_monitoring);
        let inv = invoices::require_locked(&txn, tenant, *id, &format!("invoiceIds[{i}]")).await?;
        let latest = store::cases_of(&txn, tenant, vec![inv.id]).await?.pop();
        let today = state.clock.today();
        let assessment = assess_with(&txn, tenant, &inv, service, delivery, today, false).await?;
        let asked = (service, asked_delivery, recall_instead_of_monitoring);
        // The same key returns its case; an open case under another key means
        // the invoice is already handed over.
        if let Some(c) = latest.filter(|c| c.idempotency_key == key || c.status.is_open()) {
            results.push(with_case(inv, c, key, asked, assessment));
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
        let handover = nox::Handover {
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
            Err(e) if e.is_conflict() => {
                drop(txn);
                results.push(
                    match store::open_case_of(&state.db, tenant, inv.id).await? {
                        Some(c) => with_case(inv, c, key, asked, assessment),
                        None => SendResult {
                            invoice: inv,
                            accepted: false,
                            case: None,
                            assessment,
                        },
                    },
                );
            }
            Err(e) => return Err(e),
        }
    }
    Ok(results)
}

/// The result for an invoice that has case `c` already: accepted when `c` is
/// this key's and the request asks for the same hand-over; otherwise refused,
/// with `KEY_REUSED` first among the blockers when the key asked for another.
fn with_case(
    invoice: Invoice,
    c: Case,
    key: &str,
    (service, delivery, recall): (Service, Option<Delivery>, Option<bool>),
    mut assessment: Assessment,
) -> SendResult {
    let earlier = nox::Handover {
        service: c.service,
        delivery: c.delivery,
        recall_instead_of_monitoring: c.recall_instead_of_monitoring,
    };
    let own = c.idempotency_key == key;
    let reused = own
        .then(|| earlier.differs(service, delivery, recall))
        .flatten();
    let accepted = own && reused.is_none();
    if let Some(f) = reused {
        assessment.blockers.insert(0, f);
    }
    SendResult {
        invoice,
        accepted,
        case: Some(c),
        assessment,
    }
}

async fn submit(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    inv: &Invoice,
    h: nox::Handover,
    key: &str,
) -> AppResult<Case> {
    let now = state.clock.now();
    let claim = crate::domain::invoice::customer_outstanding(
        inv.balance_ore,
        inv.house_work_deductible_ore,
        inv.house_work_paid_ore,
    );
    let case = store::insert_case(
        txn,
        tenant,
        store::NewCase {
            invoice_id: inv.id,
            customer_id: inv.customer_id,
            service: h.service,
            delivery: h.delivery,
            idempotency_key: key.into(),
            submitted_at: now,
            next_event: ("Acceptance by Nox Finans".into(), state.clock.today()),
            claim_ore: claim,
            recall_instead_of_monitoring: h.recall_instead_of_monitoring,
        },
    )
    .await?;
    invoices::hold(txn, tenant, inv.id, invoices::Holder::NoxFinans(case.id)).await?;
    let message = format!("Invoice {} has been sent to Nox Finans", inv.invoice_number);
    record(txn, tenant, &case, NoxStatus::Submitted, &message, now).await?;
    let at = now + Duration::seconds(state.settings.nox_acceptance_delay_secs.max(0));
    jobs::schedule(txn, tenant, Task::NoxAccept(case.id), at, now).await?;
    Ok(case)
}
