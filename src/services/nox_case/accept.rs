//! Nox Finans accepts a handed-over invoice, or rejects it.

use super::*;
use crate::domain::id::CaseId;
use crate::domain::notification::NotificationKind;
use crate::store::by_id;

/// Job: Nox Finans looks at a submitted invoice. If it no longer qualifies it
/// is rejected (the invoice is free again); otherwise it is accepted and
/// delivered by letter or e-mail (invoice service) or reminded (reminder
/// service), with the fee charged, all in one transaction.
#[tracing::instrument(skip(state, txn, job, case), fields(job = job.id.get(), case = case.get()))]
pub async fn accept(state: &AppState, txn: &Ordered, job: &Job, case: CaseId) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let Some((tenant, case)) = load_locked(txn, job, case).await? else {
        return Ok(());
    };
    if case.status != NoxStatus::Submitted {
        return Ok(());
    }
    let inv = invoices::require(txn, tenant, case.invoice_id, "invoiceId").await?;
    let number = inv.invoice_number.clone();
    let (service, delivery) = (case.service, case.delivery);
    // The invoice must still qualify: it may have changed since it was sent.
    let assessment = assess_with(txn, tenant, &inv, service, delivery, today, true).await?;
    if assessment.colour == nox::Colour::Red {
        let reason = assessment
            .blockers
            .iter()
            .map(|b| b.message)
            .collect::<Vec<_>>()
            .join("; ");
        reject_in(txn, state, tenant, &case, &number, &reason).await?;
        return Ok(());
    }
    let accepted = store::transition(
        txn,
        tenant,
        case.id,
        &allowed_from(CaseEvent::Accept),
        CaseChange {
            status: Some(NoxStatus::Accepted),
            ..CaseChange::default()
        },
    )
    .await?
    .ok_or_else(|| AppError::conflict("the case moved during acceptance"))?;
    let message = format!("Invoice {number} is approved and will be handled by Nox Finans");
    announce(
        txn,
        tenant,
        &accepted,
        NoxStatus::Accepted,
        NotificationKind::NoxAccepted,
        &message,
        now,
    )
    .await?;

    let customer = by_id::get(txn, tenant, case.customer_id).await?;
    let (event, next_status, item, text) = if service == nox::Service::ReminderService {
        (
            CaseEvent::Step(Step::Reminder),
            NoxStatus::ReminderSent,
            nox::item::REMINDER_SERVICE,
            format!("Nox Finans has taken over overdue invoice {number} and sent a reminder"),
        )
    } else if delivery == nox::Delivery::Email {
        (
            CaseEvent::Deliver,
            NoxStatus::Delivered,
            nox::item::EMAIL,
            format!("Nox Finans has delivered invoice {number} by e-mail"),
        )
    } else {
        (
            CaseEvent::Deliver,
            NoxStatus::Delivered,
            nox::item::LETTER,
            format!("Nox Finans has delivered invoice {number} by letter"),
        )
    };
    let customer_fee = if next_status == NoxStatus::ReminderSent {
        Step::Reminder.customer_fee(is_business(customer.as_ref()))
    } else {
        Ore::ZERO
    };
    let next = next_step(facts(
        &inv,
        customer.as_ref(),
        &accepted,
        next_status,
        today,
    ));
    let moved = store::transition(
        txn,
        tenant,
        case.id,
        &allowed_from(event),
        CaseChange {
            status: Some(next_status),
            fees_ore: Some(accepted.fees_ore + customer_fee),
            next_event: Some(next.map(|(s, d)| (s.label().to_string(), d))),
            ..CaseChange::default()
        },
    )
    .await?
    .ok_or_else(|| AppError::conflict("the case moved during acceptance"))?;
    if let Some((_, day)) = next {
        jobs::schedule_once(
            txn,
            tenant,
            Task::NoxStep(moved.id),
            morning(state, day),
            now,
        )
        .await?;
    }
    charge_company_fee(
        txn,
        state,
        tenant,
        inv.id,
        format!(
            "Nox Finans {}, invoice {number}",
            item.to_lowercase().replace('_', " ")
        ),
        price(item),
        Ore::ZERO,
    )
    .await?;
    record(txn, tenant, &moved, next_status, &text, now).await?;
    Ok(())
}

async fn reject_in(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    case: &Case,
    number: &str,
    reason: &str,
) -> AppResult<Case> {
    let now = state.clock.now();
    let moved = store::transition(
        txn,
        tenant,
        case.id,
        &allowed_from(CaseEvent::Reject),
        CaseChange {
            rejection_reason: Some(reason.to_string()),
            ..CaseChange::close(NoxStatus::Rejected, now)
        },
    )
    .await?
    .ok_or_else(|| AppError::conflict("only a submitted case can be rejected"))?;
    invoices::release(txn, tenant, case.invoice_id, Holder::NoxFinans(case.id)).await?;
    let message = format!("Nox Finans rejected invoice {number}: {reason}");
    announce(
        txn,
        tenant,
        &moved,
        NoxStatus::Rejected,
        NotificationKind::NoxRejected,
        &message,
        now,
    )
    .await?;
    Ok(moved)
}

/// The longest reason for a rejection, in characters.
const MAX_REASON_CHARS: usize = 500;

/// Operator (acting for Nox Finans): rejects a submitted invoice with a reason;
/// the company is told, and the invoice is free to be sent again once fixed.
pub async fn reject(
    state: &AppState,
    op: Operator,
    case_id: CaseId,
    reason: &str,
) -> AppResult<Case> {
    let reason = crate::domain::required_text("reason", reason, MAX_REASON_CHARS)?;
    let txn = state.begin_ordered().await?;
    let (tenant, _) = by_id::get_owned(&txn, op, case_id)
        .await?
        .or_not_found("case", "caseId")?;
    let case = crate::store::nox::locked(&txn, tenant, case_id)
        .await?
        .or_not_found("case", "caseId")?;
    let inv = invoices::require(&txn, tenant, case.invoice_id, "invoiceId").await?;
    let moved = reject_in(&txn, state, tenant, &case, &inv.invoice_number, reason).await?;
    crate::store::audit::record(
        &txn,
        op,
        crate::store::audit::Entry {
            action: crate::store::audit::action::REJECT_NOX_FINANS_CASE,
            company_id: Some(tenant.company_id()),
            subject: format!("NoxFinansCase:{}", case.id),
            before: Some(serde_json::json!({"status": case.status})),
            after: Some(serde_json::json!({"status": moved.status, "reason": reason})),
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}
