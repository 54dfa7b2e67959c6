//! The company's Nox Finans settings, and rows it hides from the send view.

use super::*;
use crate::domain::id::InvoiceId;

/// Hides or unhides a row of the send view.
pub async fn set_hidden(
    state: &AppState,
    tenant: Tenant,
    invoice_id: InvoiceId,
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
    for (i, t) in settings.active_terms.into_iter().enumerate() {
        let t = t.trim().to_string();
        if !known.contains(&t) {
            return Err(AppError::validation(
                format!("activeTermsOfPayment[{i}]"),
                format!(
                    "is not one of the company's terms of payment ({})",
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
