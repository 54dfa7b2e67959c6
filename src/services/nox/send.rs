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
    delivery: Option<Delivery>,
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
        let delivery = delivery.unwrap_or(settings.default_delivery);
        let recall = recall_instead_of_monitoring.unwrap_or(settings.recall_instead_of_monitoring);
        let inv = invoices::require_locked(&txn, tenant, *id, &format!("invoiceIds[{i}]")).await?;
        let latest = store::cases_of(&txn, tenant, vec![inv.id]).await?.pop();
        let today = state.clock.today();
        let assessment = assess_with(&txn, tenant, &inv, service, delivery, today, false).await?;
        if let Some(c) = latest {
            let open = c.status.is_open();
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
            Err(e) if e.is_conflict() => {
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
    inv: &Invoice,
    h: Handover,
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
