//! Activating invoice sale for a company, and a company asking to be called.

use super::*;
use crate::domain::id::CompanyId;
use crate::domain::money::Ore;
use crate::domain::notification::NotificationKind;
use crate::store::by_id;
use crate::store::companies;

/// Operator: sets a company's agreement and activates (or deactivates) invoice sale.
#[tracing::instrument(skip(state, op))]
pub async fn activate(
    state: &AppState,
    op: Operator,
    company_id: CompanyId,
    terms: Agreement,
) -> AppResult<Agreement> {
    let checks = [
        ("agreement.fixedFee", terms.fixed_fee_ore),
        ("agreement.minimumFee", terms.minimum_fee_ore),
        ("agreement.customerCreditLimit", terms.customer_limit_ore),
        ("agreement.totalCreditLimit", terms.total_limit_ore),
    ];
    for (field, v) in checks {
        if !(Ore::ZERO..=MAX_AMOUNT_ORE).contains(&v) {
            return Err(AppError::validation(
                field,
                "must be between 0 and 10 000 000 000",
            ));
        }
    }
    if !(0..=5000).contains(&terms.percentage_bp) {
        return Err(AppError::validation(
            "agreement.percentageFee",
            "must be between 0 and 50 percent",
        ));
    }
    if terms.customer_limit_ore > terms.total_limit_ore {
        return Err(AppError::validation(
            "agreement.customerCreditLimit",
            "must not exceed the total credit limit",
        ));
    }
    let now = state.clock.now();
    let txn = state.begin_ordered().await?;
    let company = by_id::get_any(&txn, op, company_id)
        .await?
        .or_not_found("company", "companyId")?;
    let tenant = companies::tenant(&company);
    let before = sales::agreement(&txn, tenant).await?;
    let saved = sales::set_agreement(&txn, op, company.id, terms, now).await?;
    audit::record(
        &txn,
        op,
        audit::Entry {
            action: if terms.active {
                crate::store::audit::action::ACTIVATE_INVOICE_SALE
            } else {
                crate::store::audit::action::DEACTIVATE_INVOICE_SALE
            },
            company_id: Some(company.id),
            subject: format!("Company:{}", company.id),
            before: before.as_ref().map(agreement_json),
            after: Some(agreement_json(&saved)),
        },
        now,
    )
    .await?;
    let message = if terms.active {
        "Invoice sale is now active: you can sell invoices from the invoice view"
    } else {
        "Invoice sale has been deactivated for your company"
    };
    outbox::notify(
        &txn,
        tenant,
        NotificationKind::InvoiceSaleActivated,
        message,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// An agreement's terms as the audit log shows them (amounts in SEK).
fn agreement_json(a: &Agreement) -> serde_json::Value {
    serde_json::json!({
        "active": a.active,
        "fixedFee": from_ore(a.fixed_fee_ore).to_string(),
        "percentageFee": crate::domain::money::from_scaled(a.percentage_bp, 2).normalize().to_string(),
        "minimumFee": from_ore(a.minimum_fee_ore).to_string(),
        "customerCreditLimit": from_ore(a.customer_limit_ore).to_string(),
        "totalCreditLimit": from_ore(a.total_limit_ore).to_string(),
    })
}

/// Records that the company wants a seller to call about invoice sale.
/// The longest message with a contact request, in characters.
const MAX_MESSAGE_CHARS: usize = 2000;

#[tracing::instrument(skip(state, message), fields(company = %tenant.company_id()))]
pub async fn request_contact(
    state: &AppState,
    tenant: Tenant,
    phone: &str,
    message: Option<String>,
) -> AppResult<()> {
    let phone = crate::domain::identifiers::parse_phone("phone", phone)?;
    let message = message
        .map(|m| crate::domain::bounded_text("message", m, MAX_MESSAGE_CHARS))
        .transpose()?;
    let txn = state.begin_ordered().await?;
    sales::request_contact(&txn, tenant, phone, message, state.clock.now()).await?;
    txn.commit().await?;
    Ok(())
}
