//! A Nox Finans case after hand-over: acceptance or rejection, delivery, the
//! timeline, payments (through Nox Finans or directly), payouts with the
//! company's fees set off, the monthly invoice of fees no payout covered,
//! pause, resume and recall.
//!
//! Every use case locks the case row first (`store::nox::lock`), so payments,
//! steps and payouts of one case run one after another, and applies status
//! changes through the transition table in `domain::nox_case`.

use chrono::{Datelike, Days, NaiveDate};
use entity::{customer, invoice, job, nox_case};
use sea_orm::Set;

use crate::db::begin_ordered;
use crate::domain::invoice::Payer;
use crate::domain::ledger::{self, NOX_SERIES};
use crate::domain::money::from_ore;
use crate::domain::nox::{self, RECALL_VAT_BP, price};
use crate::domain::nox_case::{
    Allocation, CaseEvent, CaseFacts, MAX_PAUSE_DAYS, NoxStatus, Reduction, Step,
    accrued_interest_ore, allowed_from, kept_of_collection, next_step, payout_split,
};
use crate::error::{AppError, AppResult};
use crate::services::nox::{assess_with, parse_delivery, parse_service, record};
use crate::state::AppState;
use crate::store::invoices::Holder;
use crate::store::jobs::{self, kind};
use crate::store::ledger::{self as books, Refs, book, post};
use crate::store::nox::{self as store, CaseMoney, status_of};
use crate::store::outbox;
use crate::store::outbox::Ordered;
use crate::store::{Operator, Tenant, customers, invoices};

fn morning(state: &AppState, day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    crate::domain::time::stockholm_instant(day, state.settings.payout_hour)
}

fn is_business(c: Option<&customer::Model>) -> bool {
    use crate::domain::identifiers::{IdentityKind, identity_kind_of_normalised};
    c.and_then(|c| c.organisation_number.as_deref())
        .is_some_and(|n| identity_kind_of_normalised(n) == IdentityKind::Organisation)
}

fn facts(
    inv: &invoice::Model,
    c: Option<&customer::Model>,
    case: &nox_case::Model,
    status: NoxStatus,
    since: NaiveDate,
) -> CaseFacts {
    CaseFacts {
        status,
        due: inv.due_date,
        has_email: c.is_some_and(|c| c.email.is_some()),
        has_identity: c.is_some_and(|c| c.organisation_number.is_some()),
        since,
        recall_instead_of_monitoring: case.recall_instead_of_monitoring,
    }
}

/// Loads a case for a job, locked, with its tenant (from the case's own row).
async fn load_locked(txn: &Ordered, case_id: i64) -> AppResult<Option<(Tenant, nox_case::Model)>> {
    store::lock(txn, case_id).await?;
    Ok(store::case_any(txn, Operator::system(), case_id)
        .await?
        .map(|c| (Tenant::trusted(c.company_id), c)))
}

/// Charges a Nox Finans fee to the company: a statement entry and a voucher
/// now; it is set off against the next Nox Finans payout, or invoiced on the
/// first of next month if no payout covers it.
async fn charge_company_fee(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    invoice_id: i64,
    description: String,
    fee_ore: i64,
    vat_ore: i64,
) -> AppResult<()> {
    if fee_ore + vat_ore == 0 {
        return Ok(());
    }
    let now = state.clock.now();
    let today = state.clock.today();
    let (line, voucher) = ledger::nox_fee(description, fee_ore, vat_ore);
    let refs = Refs {
        invoice_id: Some(invoice_id),
        sale_id: None,
    };
    book(txn, tenant, &[line], today, refs, now).await?;
    post(txn, tenant, NOX_SERIES, &voucher, today, None, now).await?;
    books::add_nox_fees_due(txn, tenant, fee_ore + vat_ore).await?;
    let first_of_next = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .unwrap_or(today);
    jobs::schedule_once(
        txn,
        tenant,
        kind::NOX_FEE_INVOICE,
        tenant.company_id(),
        morning(state, first_of_next),
        now,
    )
    .await
}

/// Job: Nox Finans looks at a submitted invoice. If it no longer qualifies it
/// is rejected (the invoice is free again); otherwise it is accepted and
/// delivered by letter or e-mail (invoice service) or reminded (reminder
/// service), with the fee charged, all in one transaction.
#[tracing::instrument(skip(state, job), fields(job = job.id, case = job.subject_id))]
pub async fn accept(state: &AppState, job: &job::Model) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let txn = begin_ordered(&state.db).await?;
    jobs::finish(&txn, job).await?;
    let Some((tenant, case)) = load_locked(&txn, job.subject_id).await? else {
        txn.commit().await?;
        return Ok(());
    };
    if status_of(&case)? != NoxStatus::Submitted {
        txn.commit().await?;
        return Ok(());
    }
    let inv = invoices::require(&txn, tenant, case.invoice_id, "invoiceId").await?;
    let number = inv.invoice_number.clone();
    let service = parse_service(&case.service);
    let delivery = parse_delivery(&case.delivery);
    // The invoice must still qualify: it may have changed since it was sent.
    let assessment = assess_with(&txn, tenant, &inv, service, delivery, today, true).await?;
    if assessment.colour == nox::Colour::Red {
        let reason = assessment
            .blockers
            .iter()
            .map(|b| b.message)
            .collect::<Vec<_>>()
            .join("; ");
        reject_in(&txn, state, tenant, &case, &number, &reason).await?;
        txn.commit().await?;
        return Ok(());
    }
    let accepted = store::transition(
        &txn,
        tenant,
        case.id,
        &allowed_from(CaseEvent::Accept),
        nox_case::ActiveModel {
            status: Set(NoxStatus::Accepted.as_str().into()),
            ..Default::default()
        },
    )
    .await?
    .ok_or_else(|| AppError::Conflict("the case moved during acceptance".into()))?;
    let message = format!("Invoice {number} is approved and will be handled by Nox Finans");
    outbox::notify(&txn, tenant, "NOX_ACCEPTED", &message, Some(inv.id), now).await?;
    record(
        &txn,
        tenant,
        &accepted,
        NoxStatus::Accepted.as_str(),
        &message,
        now,
    )
    .await?;

    let customer = customers::get(&txn, tenant, case.customer_id).await?;
    let (event, next_status, item, text) = if service == nox::Service::ReminderService {
        (
            CaseEvent::Step(Step::Reminder),
            NoxStatus::ReminderSent,
            "REMINDER_SERVICE",
            format!("Nox Finans has taken over overdue invoice {number} and sent a reminder"),
        )
    } else if delivery == nox::Delivery::Email {
        (
            CaseEvent::Deliver,
            NoxStatus::Delivered,
            "EMAIL",
            format!("Nox Finans has delivered invoice {number} by e-mail"),
        )
    } else {
        (
            CaseEvent::Deliver,
            NoxStatus::Delivered,
            "LETTER",
            format!("Nox Finans has delivered invoice {number} by letter"),
        )
    };
    let customer_fee = if next_status == NoxStatus::ReminderSent {
        Step::Reminder.customer_fee(is_business(customer.as_ref()))
    } else {
        0
    };
    let next = next_step(facts(
        &inv,
        customer.as_ref(),
        &accepted,
        next_status,
        today,
    ));
    let moved = store::transition(
        &txn,
        tenant,
        case.id,
        &allowed_from(event),
        nox_case::ActiveModel {
            status: Set(next_status.as_str().into()),
            fees_ore: Set(accepted.fees_ore + customer_fee),
            next_event: Set(next.map(|(s, _)| s.label().to_string())),
            next_event_date: Set(next.map(|(_, d)| d)),
            ..Default::default()
        },
    )
    .await?
    .ok_or_else(|| AppError::Conflict("the case moved during acceptance".into()))?;
    if let Some((_, day)) = next {
        jobs::schedule_once(
            &txn,
            tenant,
            kind::NOX_STEP,
            moved.id,
            morning(state, day),
            now,
        )
        .await?;
    }
    charge_company_fee(
        &txn,
        state,
        tenant,
        inv.id,
        format!(
            "Nox Finans {}, invoice {number}",
            item.to_lowercase().replace('_', " ")
        ),
        price(item),
        0,
    )
    .await?;
    record(&txn, tenant, &moved, next_status.as_str(), &text, now).await?;
    txn.commit().await?;
    Ok(())
}

async fn reject_in(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    case: &nox_case::Model,
    number: &str,
    reason: &str,
) -> AppResult<nox_case::Model> {
    let now = state.clock.now();
    let moved = store::transition(
        txn,
        tenant,
        case.id,
        &allowed_from(CaseEvent::Reject),
        nox_case::ActiveModel {
            status: Set(NoxStatus::Rejected.as_str().into()),
            rejection_reason: Set(Some(reason.to_string())),
            next_event: Set(None),
            next_event_date: Set(None),
            closed_at: Set(Some(now)),
            ..Default::default()
        },
    )
    .await?
    .ok_or_else(|| AppError::Conflict("only a submitted case can be rejected".into()))?;
    invoices::release(txn, tenant, case.invoice_id, Holder::NoxFinans(case.id)).await?;
    let message = format!("Nox Finans rejected invoice {number}: {reason}");
    outbox::notify(
        txn,
        tenant,
        "NOX_REJECTED",
        &message,
        Some(case.invoice_id),
        now,
    )
    .await?;
    record(
        txn,
        tenant,
        &moved,
        NoxStatus::Rejected.as_str(),
        &message,
        now,
    )
    .await?;
    Ok(moved)
}

/// Operator (acting for Nox Finans): rejects a submitted invoice with a reason;
/// the company is told, and the invoice is free to be sent again once fixed.
pub async fn reject(
    state: &AppState,
    op: Operator,
    case_id: i64,
    reason: &str,
) -> AppResult<nox_case::Model> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::validation(
            "reason",
            "must be 1 to 500 characters",
        ));
    }
    let txn = begin_ordered(&state.db).await?;
    let (tenant, case) = load_locked(&txn, case_id)
        .await?
        .ok_or_else(|| AppError::not_found("case", "caseId"))?;
    let inv = invoices::require(&txn, tenant, case.invoice_id, "invoiceId").await?;
    let moved = reject_in(&txn, state, tenant, &case, &inv.invoice_number, reason).await?;
    crate::store::audit::record(
        &txn,
        op,
        crate::store::audit::Entry {
            action: "REJECT_NOX_FINANS_CASE",
            company_id: Some(tenant.company_id()),
            subject: format!("NoxFinansCase:{}", case.id),
            before: Some(serde_json::json!({"status": case.status})),
            after: Some(serde_json::json!({"status": moved.status, "reason": reason})),
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    state.events.wake();
    Ok(moved)
}

/// Job: takes a case's next timeline step once it is due (a paused case waits).
#[tracing::instrument(skip(state, job), fields(job = job.id, case = job.subject_id))]
pub async fn step(state: &AppState, job: &job::Model) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let txn = begin_ordered(&state.db).await?;
    // Finished first, so that the next step can be scheduled as the live one.
    jobs::finish(&txn, job).await?;
    if let Some((tenant, case)) = load_locked(&txn, job.subject_id).await? {
        let status = status_of(&case)?;
        if status.is_running() {
            take_step(&txn, state, tenant, &case, status, today, now).await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

async fn take_step(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    case: &nox_case::Model,
    status: NoxStatus,
    today: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let inv = invoices::require(txn, tenant, case.invoice_id, "invoiceId").await?;
    let customer = customers::get(txn, tenant, case.customer_id).await?;
    let due_on = case.next_event_date.unwrap_or(today);
    let step_at = |day| {
        jobs::schedule_once(
            txn,
            tenant,
            kind::NOX_STEP,
            case.id,
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
    let changes = nox_case::ActiveModel {
        status: Set(reached.as_str().into()),
        fees_ore: Set(case.fees_ore + fee),
        paused_until: Set(None),
        next_event: Set(after.map(|(s, _)| s.label().to_string())),
        next_event_date: Set(after.map(|(_, d)| d)),
        closed_at: Set(closes.then_some(now)),
        ..Default::default()
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
    let fee_text = if fee > 0 {
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
        outbox::notify(txn, tenant, "NOX_RETURNED", &message, Some(inv.id), now).await?;
    }
    record(txn, tenant, &moved, reached.as_str(), &message, now).await?;
    if let Some((_, day)) = after {
        step_at(day).await?;
    }
    Ok(())
}

/// What a case's customer owes on top of the capital on `until`: the fees
/// charged and not collected, and the interest accrued (from the reminder on)
/// and not collected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Owed {
    /// Fees charged and not collected.
    pub fees_ore: i64,
    /// Interest accrued from the due date, day by day on what was outstanding.
    pub interest_accrued_ore: i64,
    /// Of that, not yet collected.
    pub interest_ore: i64,
}

/// Interest and fees a case's customer owes today (nothing once the case is
/// closed: a closed case shows what was collected). Reads the invoice's
/// payments only when interest is claimed.
pub async fn owed<C: sea_orm::ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    case: &nox_case::Model,
    inv: &invoice::Model,
    today: NaiveDate,
) -> AppResult<Owed> {
    let payments = if claims_interest(case)? {
        invoices::payments_of(db, tenant, inv.id).await?
    } else {
        Vec::new()
    };
    owed_from(case, inv, &payments, today)
}

/// Whether the case is open and charges interest, so that [`owed_from`]
/// needs the invoice's payments.
pub fn claims_interest(case: &nox_case::Model) -> AppResult<bool> {
    let status = status_of(case)?;
    Ok(status.is_open() && status.claims_interest())
}

/// [`owed`] from the invoice's payments (ignored when no interest is claimed).
pub fn owed_from(
    case: &nox_case::Model,
    inv: &invoice::Model,
    payments: &[entity::payment::Model],
    today: NaiveDate,
) -> AppResult<Owed> {
    if !status_of(case)?.is_open() {
        return Ok(Owed::default());
    }
    let interest_accrued_ore = if claims_interest(case)? {
        let reductions: Vec<Reduction> = payments
            .iter()
            .filter(|p| Payer::parse(&p.payer) != Some(Payer::Skatteverket))
            .map(|p| Reduction {
                on: p.paid_on,
                ore: p.capital_ore,
            })
            .collect();
        let claim = inv.total_ore - inv.house_work_deductible_ore.unwrap_or(0);
        accrued_interest_ore(claim, &reductions, inv.due_date, today)
    } else {
        0
    };
    Ok(Owed {
        fees_ore: (case.fees_ore - case.fees_collected_ore).max(0),
        interest_accrued_ore,
        interest_ore: (interest_accrued_ore - case.interest_collected_ore).max(0),
    })
}

/// Books a payment the customer made through Nox Finans (inside the payment's
/// transaction): the money enters the payments account, long-term monitoring
/// keeps its share, and the rest is paid out on the next banking day (one
/// payout job per case, however many payments). A case whose capital is paid
/// is PAID.
pub async fn collect(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    inv: &invoice::Model,
    case: &nox_case::Model,
    a: Allocation,
) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let status = status_of(case)?;
    let kept = kept_of_collection(status, a.total());
    let money = CaseMoney {
        capital_reduced_ore: a.capital_ore,
        capital_collected_ore: a.capital_ore,
        fees_collected_ore: a.fees_ore,
        interest_collected_ore: a.interest_ore,
        kept_ore: kept,
        pending_ore: a.total() - kept,
    };
    if !store::add_money(txn, tenant, case.id, money).await? {
        return Err(AppError::Conflict(
            "the Nox Finans case changed meanwhile; try again".into(),
        ));
    }
    let number = &inv.invoice_number;
    let (lines, voucher) =
        ledger::nox_collection(number, a.capital_ore, a.fees_ore, a.interest_ore, kept);
    let refs = Refs {
        invoice_id: Some(inv.id),
        sale_id: None,
    };
    book(txn, tenant, &lines, today, refs, now).await?;
    post(txn, tenant, NOX_SERIES, &voucher, today, None, now).await?;
    close_when_settled(txn, state, tenant, case.id, number, CaseEvent::Pay).await?;
    let day = crate::domain::banking::next_banking_day(today);
    jobs::schedule_once(
        txn,
        tenant,
        kind::NOX_PAYOUT,
        case.id,
        morning(state, day),
        now,
    )
    .await
}

/// Reports to the case a payment the customer made to the company directly, or
/// a credit note: it lowers the capital and may close the case, with no
/// payout (the money never passed Nox Finans).
pub async fn reduce(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    inv: &invoice::Model,
    case: &nox_case::Model,
    ore: i64,
    by_credit: bool,
) -> AppResult<()> {
    let money = CaseMoney {
        capital_reduced_ore: ore.min(case.capital_ore),
        ..CaseMoney::default()
    };
    if !store::add_money(txn, tenant, case.id, money).await? {
        return Err(AppError::Conflict(
            "the Nox Finans case changed meanwhile; try again".into(),
        ));
    }
    if by_credit {
        close_when_settled(
            txn,
            state,
            tenant,
            case.id,
            &inv.invoice_number,
            CaseEvent::Credit,
        )
        .await
    } else {
        close_when_settled(
            txn,
            state,
            tenant,
            case.id,
            &inv.invoice_number,
            CaseEvent::Pay,
        )
        .await
    }
}

async fn close_when_settled(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    case_id: i64,
    number: &str,
    event: CaseEvent,
) -> AppResult<()> {
    let now = state.clock.now();
    let case = store::case(txn, tenant, case_id)
        .await?
        .ok_or_else(|| AppError::Internal("the case vanished".into()))?;
    let status = status_of(&case)?;
    if case.capital_ore > 0 {
        let message = format!(
            "A payment of invoice {number} was reported to Nox Finans; {} SEK remains",
            from_ore(case.capital_ore)
        );
        return record(txn, tenant, &case, status.as_str(), &message, now).await;
    }
    let Some(to) = crate::domain::nox_case::next_status(status, event) else {
        return Ok(());
    };
    let moved = store::transition(
        txn,
        tenant,
        case.id,
        &[status],
        nox_case::ActiveModel {
            status: Set(to.as_str().into()),
            next_event: Set(None),
            next_event_date: Set(None),
            paused_until: Set(None),
            closed_at: Set(Some(now)),
            ..Default::default()
        },
    )
    .await?
    .ok_or_else(|| AppError::Conflict("the Nox Finans case changed meanwhile".into()))?;
    let message = if to == NoxStatus::Credited {
        format!("Invoice {number} is credited in full; Nox Finans has closed the case")
    } else {
        format!("Invoice {number} is paid; Nox Finans has closed the case")
    };
    record(txn, tenant, &moved, to.as_str(), &message, now).await
}

/// Job: pays out what Nox Finans collected for a case, less the company's Nox
/// Finans fees not yet settled. Compare-and-set on exactly the amount paid.
#[tracing::instrument(skip(state, job), fields(job = job.id, case = job.subject_id))]
pub async fn payout(state: &AppState, job: &job::Model) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let txn = begin_ordered(&state.db).await?;
    jobs::finish(&txn, job).await?;
    if let Some((tenant, case)) = load_locked(&txn, job.subject_id).await?
        && case.payout_pending_ore > 0
    {
        let pending = case.payout_pending_ore;
        let (set_off, out) = payout_split(pending, books::nox_fees_due(&txn, tenant).await?);
        if !store::take_payout(&txn, tenant, case.id, pending, set_off).await?
            || !books::settle_nox_fees(&txn, tenant, set_off).await?
        {
            return Err(AppError::Conflict(
                "the payout changed meanwhile; it will be retried".into(),
            ));
        }
        let inv = invoices::require(&txn, tenant, case.invoice_id, "invoiceId").await?;
        let (lines, voucher) = ledger::nox_payout(&inv.invoice_number, pending, set_off);
        let refs = Refs {
            invoice_id: Some(inv.id),
            sale_id: None,
        };
        if out > 0 {
            book(&txn, tenant, &lines, today, refs, now).await?;
            post(&txn, tenant, NOX_SERIES, &voucher, today, None, now).await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Job (first of the month): invoices the company's Nox Finans fees that no
/// payout has covered, so the payments account returns to zero with an entry
/// that says why.
#[tracing::instrument(skip(state, job), fields(job = job.id, company = job.company_id))]
pub async fn invoice_fees(state: &AppState, job: &job::Model) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let tenant = Tenant::trusted(job.company_id);
    let txn = begin_ordered(&state.db).await?;
    jobs::finish(&txn, job).await?;
    let due = books::nox_fees_due(&txn, tenant).await?;
    if due > 0 {
        if !books::settle_nox_fees(&txn, tenant, due).await? {
            return Err(AppError::Conflict("the fees changed meanwhile".into()));
        }
        let month = today
            .pred_opt()
            .map_or_else(String::new, |d| d.format("%Y-%m").to_string());
        let (line, voucher) = ledger::nox_fee_invoice(&month, due);
        let refs = Refs {
            invoice_id: None,
            sale_id: None,
        };
        book(&txn, tenant, &[line], today, refs, now).await?;
        post(&txn, tenant, NOX_SERIES, &voucher, today, None, now).await?;
        let message = format!(
            "Nox Finans fees of {} SEK for {month} that no payout covered have been invoiced to you",
            from_ore(due)
        );
        outbox::notify(&txn, tenant, "NOX_FEES_INVOICED", &message, None, now).await?;
    }
    txn.commit().await?;
    Ok(())
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// Pauses a case until `until`. Pauses add up to at most 60 days per case;
/// the next event moves by the days paused.
pub async fn pause(
    state: &AppState,
    tenant: Tenant,
    case_id: i64,
    until: NaiveDate,
) -> AppResult<nox_case::Model> {
    let today = state.clock.today();
    let now = state.clock.now();
    if until <= today {
        return Err(AppError::validation("until", "must be after today"));
    }
    let txn = begin_ordered(&state.db).await?;
    store::lock(&txn, case_id).await?;
    let case = store::case(&txn, tenant, case_id)
        .await?
        .ok_or_else(|| AppError::not_found("case", "caseId"))?;
    let status = status_of(&case)?;
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
    let moved = store::transition(
        &txn,
        tenant,
        case.id,
        &allowed_from(CaseEvent::Touch),
        nox_case::ActiveModel {
            paused_until: Set(Some(until)),
            pause_days_used: Set(i32::try_from(used).unwrap_or(i32::MAX)),
            next_event_date: Set(next),
            ..Default::default()
        },
    )
    .await?
    .ok_or_else(|| AppError::Conflict(format!("a {} case cannot be paused", case.status)))?;
    if let Some(day) = next {
        jobs::reschedule(
            &txn,
            tenant,
            kind::NOX_STEP,
            case.id,
            morning(state, day),
            now,
        )
        .await?;
    }
    let message = format!("The Nox Finans case is paused until {until}");
    record(&txn, tenant, &moved, status.as_str(), &message, now).await?;
    txn.commit().await?;
    state.events.wake();
    Ok(moved)
}

/// Resumes a paused case: the days not used come back, and the next event
/// moves forward by as many (at the earliest today).
pub async fn resume(state: &AppState, tenant: Tenant, case_id: i64) -> AppResult<nox_case::Model> {
    let today = state.clock.today();
    let now = state.clock.now();
    let txn = begin_ordered(&state.db).await?;
    store::lock(&txn, case_id).await?;
    let case = store::case(&txn, tenant, case_id)
        .await?
        .ok_or_else(|| AppError::not_found("case", "caseId"))?;
    let status = status_of(&case)?;
    let Some(until) = case.paused_until.filter(|u| *u >= today) else {
        return Err(AppError::Conflict("the case is not paused".into()));
    };
    let unused = days_between(today, until);
    let next = case.next_event_date.map(|d| {
        d.checked_sub_signed(chrono::Duration::days(unused))
            .unwrap_or(d)
            .max(today)
    });
    let moved = store::transition(
        &txn,
        tenant,
        case.id,
        &allowed_from(CaseEvent::Touch),
        nox_case::ActiveModel {
            paused_until: Set(None),
            pause_days_used: Set(
                i32::try_from((i64::from(case.pause_days_used) - unused).max(0)).unwrap_or(0),
            ),
            next_event_date: Set(next),
            ..Default::default()
        },
    )
    .await?
    .ok_or_else(|| AppError::Conflict(format!("a {} case cannot be resumed", case.status)))?;
    if let Some(day) = next {
        let at = if day <= today {
            now
        } else {
            morning(state, day)
        };
        jobs::reschedule(&txn, tenant, kind::NOX_STEP, case.id, at, now).await?;
    }
    record(
        &txn,
        tenant,
        &moved,
        status.as_str(),
        "The Nox Finans case is resumed",
        now,
    )
    .await?;
    txn.commit().await?;
    state.events.wake();
    Ok(moved)
}

/// Recalls a case from Nox Finans. Before Nox Finans has accepted it, recall
/// is free; afterwards the recall fee (50 SEK + VAT) is charged. The invoice
/// can be sent again later.
pub async fn recall(state: &AppState, tenant: Tenant, case_id: i64) -> AppResult<nox_case::Model> {
    let now = state.clock.now();
    let txn = begin_ordered(&state.db).await?;
    store::lock(&txn, case_id).await?;
    let case = store::case(&txn, tenant, case_id)
        .await?
        .ok_or_else(|| AppError::not_found("case", "caseId"))?;
    let status = status_of(&case)?;
    let moved = store::transition(
        &txn,
        tenant,
        case.id,
        &allowed_from(CaseEvent::Recall),
        nox_case::ActiveModel {
            status: Set(NoxStatus::Recalled.as_str().into()),
            next_event: Set(None),
            next_event_date: Set(None),
            paused_until: Set(None),
            closed_at: Set(Some(now)),
            ..Default::default()
        },
    )
    .await?
    .ok_or_else(|| AppError::Conflict(format!("a {} case cannot be recalled", case.status)))?;
    invoices::release(&txn, tenant, case.invoice_id, Holder::NoxFinans(case.id)).await?;
    let inv = invoices::require(&txn, tenant, case.invoice_id, "invoiceId").await?;
    let number = &inv.invoice_number;
    if status != NoxStatus::Submitted {
        let fee = price("RECALL");
        charge_company_fee(
            &txn,
            state,
            tenant,
            inv.id,
            format!("Nox Finans recall fee incl. VAT, invoice {number}"),
            fee,
            fee * RECALL_VAT_BP / 10_000,
        )
        .await?;
    }
    let message = format!("Invoice {number} has been recalled from Nox Finans");
    record(
        &txn,
        tenant,
        &moved,
        NoxStatus::Recalled.as_str(),
        &message,
        now,
    )
    .await?;
    txn.commit().await?;
    state.events.wake();
    Ok(moved)
}
