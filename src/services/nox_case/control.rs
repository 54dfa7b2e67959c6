//! The company's hand on a case: pause, resume and recall.

use super::*;
use crate::domain::id::CaseId;

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// Pauses a case until `until`. Pauses add up to at most 60 days per case;
/// the next event moves by the days paused.
pub async fn pause(
    state: &AppState,
    tenant: Tenant,
    case_id: CaseId,
    until: NaiveDate,
) -> AppResult<Case> {
    let today = state.clock.today();
    let now = state.clock.now();
    if until <= today {
        return Err(AppError::validation("until", "must be after today"));
    }
    let txn = state.begin_ordered().await?;
    let case = store::locked(&txn, tenant, case_id)
        .await?
        .or_not_found("case", "caseId")?;
    // A pause already running is replaced: its unused days come back first.
    let reserved = case
        .paused_until
        .filter(|u| *u > today)
        .map_or(0, |u| days_between(today, u));
    let wanted = days_between(today, until);
    let used = i64::from(case.pause_days_used) - reserved + wanted;
    if used > MAX_PAUSE_DAYS {
        let left = MAX_PAUSE_DAYS - (i64::from(case.pause_days_used) - reserved);
        let limit = today
            .checked_add_days(Days::new(u64::try_from(left.max(0)).unwrap_or(0)))
            .unwrap_or(today);
        return Err(AppError::validation(
            "until",
            format!(
                "a case can be paused {MAX_PAUSE_DAYS} days in all; {left} are left, so at most until {limit}"
            ),
        ));
    }
    let shift = wanted - reserved;
    let next = case.next_event_date.map(|d| {
        let moved = d
            .checked_add_signed(chrono::Duration::days(shift))
            .unwrap_or(d);
        moved.max(until.succ_opt().unwrap_or(until))
    });
    let change = CaseChange {
        paused_until: Some(Some(until)),
        pause_days_used: Some(i32::try_from(used).unwrap_or(i32::MAX)),
        next_event_date: Some(next),
        ..CaseChange::default()
    };
    let step_at = next.map(|day| morning(state, day));
    let message = format!("The Nox Finans case is paused until {until}");
    let moved = touch(
        &txn, tenant, &case, change, step_at, "paused", &message, now,
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}

/// Moves a case's pause and next event (pausing, resuming) in `txn`: the
/// change, the next step's job moved to `step_at`, and the case's event.
/// A case in a status that takes no touch is a `CONFLICT` that it cannot be
/// `done`.
#[allow(clippy::too_many_arguments)]
async fn touch(
    txn: &Ordered,
    tenant: Tenant,
    case: &Case,
    change: CaseChange,
    step_at: Option<chrono::DateTime<chrono::Utc>>,
    done: &str,
    message: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Case> {
    let moved = store::transition(
        txn,
        tenant,
        case.id,
        &allowed_from(CaseEvent::Touch),
        change,
    )
    .await?
    .ok_or_else(|| AppError::conflict(format!("a {} case cannot be {done}", case.status)))?;
    if let Some(at) = step_at {
        jobs::reschedule(txn, tenant, Task::NoxStep(case.id), at, now).await?;
    }
    record(txn, tenant, &moved, case.status, message, now).await?;
    Ok(moved)
}

/// Resumes a paused case: the days not used come back, and the next event
/// moves forward by as many (at the earliest today).
pub async fn resume(state: &AppState, tenant: Tenant, case_id: CaseId) -> AppResult<Case> {
    let today = state.clock.today();
    let now = state.clock.now();
    let txn = state.begin_ordered().await?;
    let case = store::locked(&txn, tenant, case_id)
        .await?
        .or_not_found("case", "caseId")?;
    let Some(until) = case.paused_until.filter(|u| *u >= today) else {
        return Err(AppError::conflict("the case is not paused"));
    };
    let unused = days_between(today, until);
    let next = case.next_event_date.map(|d| {
        d.checked_sub_signed(chrono::Duration::days(unused))
            .unwrap_or(d)
            .max(today)
    });
    let change = CaseChange {
        paused_until: Some(None),
        pause_days_used: Some(
            i32::try_from((i64::from(case.pause_days_used) - unused).max(0)).unwrap_or(0),
        ),
        next_event_date: Some(next),
        ..CaseChange::default()
    };
    let step_at = next.map(|day| {
        if day <= today {
            now
        } else {
            morning(state, day)
        }
    });
    let message = "The Nox Finans case is resumed";
    let moved = touch(
        &txn, tenant, &case, change, step_at, "resumed", message, now,
    )
    .await?;
    txn.commit().await?;
    Ok(moved)
}

/// Recalls a case from Nox Finans. Before Nox Finans has accepted it, recall
/// is free; afterwards the recall fee (50 SEK + VAT) is charged. The invoice
/// can be sent again later.
pub async fn recall(state: &AppState, tenant: Tenant, case_id: CaseId) -> AppResult<Case> {
    let now = state.clock.now();
    let txn = state.begin_ordered().await?;
    let case = store::locked(&txn, tenant, case_id)
        .await?
        .or_not_found("case", "caseId")?;
    let status = case.status;
    let moved = store::transition(
        &txn,
        tenant,
        case.id,
        &allowed_from(CaseEvent::Recall),
        CaseChange::close(NoxStatus::Recalled, now),
    )
    .await?
    .ok_or_else(|| AppError::conflict(format!("a {} case cannot be recalled", case.status)))?;
    invoices::release(&txn, tenant, case.invoice_id, Holder::NoxFinans(case.id)).await?;
    let inv = invoices::require(&txn, tenant, case.invoice_id, "invoiceId").await?;
    let number = &inv.invoice_number;
    if status != NoxStatus::Submitted {
        let fee = price(nox::item::RECALL);
        charge_company_fee(
            &txn,
            state,
            tenant,
            inv.id,
            format!("Nox Finans recall fee incl. VAT, invoice {number}"),
            fee,
            fee.share(RECALL_VAT_BP, 10_000),
        )
        .await?;
    }
    let message = format!("Invoice {number} has been recalled from Nox Finans");
    record(&txn, tenant, &moved, NoxStatus::Recalled, &message, now).await?;
    txn.commit().await?;
    Ok(moved)
}
