//! The case's timeline: reminders, collection and monitoring, one step at a
//! time.

use super::*;
use crate::domain::notification::NotificationKind;
use crate::store::by_id;

/// Job: takes a case's next timeline step once it is due (a paused case waits).
#[tracing::instrument(skip(state, txn, job, case), fields(job = job.id.get(), case = case.get()))]
pub async fn step(state: &AppState, txn: &Ordered, job: &Job, case: CaseId) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    if let Some((tenant, case)) = load_locked(txn, job, case).await? {
        let status = case.status;
        if status.is_running() {
            take_step(txn, state, tenant, &case, status, today, now).await?;
        }
    }
    Ok(())
}

async fn take_step(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    case: &Case,
    status: NoxStatus,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let inv = invoices::require(txn, tenant, case.invoice_id, "invoiceId").await?;
    let customer = by_id::get(txn, tenant, case.customer_id).await?;
    let due_on = case.next_event_date.unwrap_or(today);
    let step_at = |day| {
        jobs::schedule_once(
            txn,
            tenant,
            Task::NoxStep(case.id),
            morning(state, day),
            now,
        )
    };
    if let Some(until) = case.paused_until
        && until >= today
    {
        return step_at(until.succ_opt().unwrap_or(until).max(due_on)).await;
    }
    let Some((step, _)) = next_step(facts(&inv, customer.as_ref(), case, status, today)) else {
        return Ok(());
    };
    if due_on > today {
        return step_at(due_on).await;
    }
    let fee = step.customer_fee(is_business(customer.as_ref()));
    let reached = step.status();
    let after = next_step(facts(&inv, customer.as_ref(), case, reached, today));
    let closes = !reached.is_open();
    let changes = CaseChange {
        status: Some(reached),
        fees_ore: Some(case.fees_ore + fee),
        paused_until: Some(None),
        next_event: Some(after.map(|(s, d)| (s.label().to_string(), d))),
        closed_at: Some(closes.then_some(now)),
        ..CaseChange::default()
    };
    let Some(moved) = store::transition(
        txn,
        tenant,
        case.id,
        &allowed_from(CaseEvent::Step(step)),
        changes,
    )
    .await?
    else {
        return Ok(());
    };
    let fee_text = if fee.is_positive() {
        format!(" ({} SEK charged to the customer)", from_ore(fee))
    } else {
        String::new()
    };
    let message = format!(
        "Nox Finans: {} for invoice {}{fee_text}",
        step.label(),
        inv.invoice_number
    );
    if closes {
        invoices::release(txn, tenant, inv.id, Holder::NoxFinans(case.id)).await?;
        let returned = NotificationKind::NoxReturned;
        announce(txn, tenant, &moved, reached, returned, &message, now).await?;
    } else {
        record(txn, tenant, &moved, reached, &message, now).await?;
    }
    if let Some((_, day)) = after {
        step_at(day).await?;
    }
    Ok(())
}
