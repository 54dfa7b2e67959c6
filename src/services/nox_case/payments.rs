//! What the customer owes, payments through Nox Finans or directly, closing
//! a settled case, payouts with the company's fees set off, and the monthly
//! invoice of fees no payout covered.

use super::*;
use crate::domain::id::CaseId;
use crate::domain::money::Ore;
use crate::domain::notification::NotificationKind;

/// What a case's customer owes on top of the capital on `until`: the fees
/// charged and not collected, and the interest accrued (from the reminder on)
/// and not collected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Owed {
    /// Fees charged and not collected.
    pub fees_ore: Ore,
    /// Interest accrued from the due date, day by day on what was outstanding.
    pub interest_accrued_ore: Ore,
    /// Of that, not yet collected.
    pub interest_ore: Ore,
}

/// Interest and fees a case's customer owes today (nothing once the case is
/// closed: a closed case shows what was collected). Reads the invoice's
/// payments only when interest is claimed.
pub async fn owed<C: sea_orm::ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    case: &Case,
    inv: &Invoice,
    rates: &ReferenceRates,
    today: NaiveDate,
) -> AppResult<Owed> {
    let payments = if claims_interest(case) {
        invoices::payments_of(db, tenant, inv.id).await?
    } else {
        Vec::new()
    };
    Ok(owed_from(case, inv, &payments, rates, today))
}

/// Whether the case is open and charges interest, so that [`owed_from`]
/// needs the invoice's payments.
pub fn claims_interest(case: &Case) -> bool {
    case.status.is_open() && case.status.claims_interest()
}

/// [`owed`] from the invoice's payments (ignored when no interest is claimed).
pub fn owed_from(
    case: &Case,
    inv: &Invoice,
    payments: &[crate::store::invoices::Payment],
    rates: &ReferenceRates,
    today: NaiveDate,
) -> Owed {
    if !case.status.is_open() {
        return Owed::default();
    }
    let interest_accrued_ore = if claims_interest(case) {
        let reductions: Vec<Reduction> = payments
            .iter()
            .filter(|p| p.payer != Payer::Skatteverket)
            .map(|p| Reduction {
                on: match p.payer {
                    // A denied tax reduction is a new claim on the customer:
                    // interest on it runs from 30 days after it is demanded
                    // (räntelagen 4 § third paragraph), which is the day it
                    // is recorded. Its capital is negative: the claim grows.
                    Payer::ReductionDenied => p.paid_on + chrono::Days::new(30),
                    _ => p.paid_on,
                },
                ore: p.capital_ore,
            })
            .collect();
        // The customer's part at the start: the tax reduction was higher by
        // what credit notes took off it (the rest of their amount) and by
        // what Skatteverket denied.
        let lowered: Ore = payments
            .iter()
            .map(|p| match p.payer {
                Payer::CreditNote => p.amount_ore - p.capital_ore,
                Payer::ReductionDenied => p.amount_ore,
                _ => Ore::ZERO,
            })
            .sum();
        let claim = inv.total_ore - inv.house_work_deductible_ore.unwrap_or(Ore::ZERO) - lowered;
        accrued_interest_ore(rates, claim, &reductions, inv.due_date, today)
    } else {
        Ore::ZERO
    };
    Owed {
        fees_ore: (case.fees_ore - case.fees_collected_ore).max(Ore::ZERO),
        interest_accrued_ore,
        interest_ore: (interest_accrued_ore - case.interest_collected_ore).max(Ore::ZERO),
    }
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
    inv: &Invoice,
    case: &Case,
    a: Allocation,
) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let status = case.status;
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
        return Err(case_changed());
    }
    let number = &inv.invoice_number;
    let (lines, voucher) =
        ledger::nox_collection(number, a.capital_ore, a.fees_ore, a.interest_ore, kept);
    let entries = Entries::new(NOX_SERIES, &lines, &voucher);
    book(txn, tenant, entries, today, Refs::invoice(inv.id), now).await?;
    close_when_settled(txn, state, tenant, case.id, number, CaseEvent::Pay).await?;
    let day = crate::domain::banking::next_banking_day(today);
    jobs::schedule_once(
        txn,
        tenant,
        Task::NoxPayout(case.id),
        morning(state, day),
        now,
    )
    .await
}

/// The answer when a case changed between its read and its write.
fn case_changed() -> AppError {
    AppError::conflict("the Nox Finans case changed meanwhile; try again")
}

/// Reports to the case a payment the customer made to the company directly, or
/// a credit note: it lowers the capital and may close the case, with no
/// payout (the money never passed Nox Finans).
pub async fn reduce(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    inv: &Invoice,
    case: &Case,
    ore: Ore,
    by_credit: bool,
) -> AppResult<()> {
    let money = CaseMoney {
        capital_reduced_ore: ore.min(case.capital_ore),
        ..CaseMoney::default()
    };
    if !store::add_money(txn, tenant, case.id, money).await? {
        return Err(case_changed());
    }
    let event = if by_credit {
        CaseEvent::Credit
    } else {
        CaseEvent::Pay
    };
    close_when_settled(txn, state, tenant, case.id, &inv.invoice_number, event).await
}

/// Tells an open case that Skatteverket denied `ore` of the invoice's tax
/// reduction (inside that transaction): the customer owes it now, so the
/// case claims it too.
pub async fn raise(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    inv: &Invoice,
    case: &Case,
    ore: Ore,
) -> AppResult<()> {
    if !store::raise_claim(txn, tenant, case.id, case.status, ore).await? {
        return Err(case_changed());
    }
    let message = format!(
        "Skatteverket denied {} SEK of the tax reduction of invoice {}; Nox Finans now claims {} SEK of the customer",
        from_ore(ore),
        inv.invoice_number,
        from_ore(case.capital_ore + ore)
    );
    record(txn, tenant, case, case.status, &message, state.clock.now()).await
}

async fn close_when_settled(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    case_id: CaseId,
    number: &str,
    event: CaseEvent,
) -> AppResult<()> {
    let now = state.clock.now();
    let case = crate::store::by_id::get(txn, tenant, case_id)
        .await?
        .ok_or_else(|| AppError::Internal("the case vanished".into()))?;
    let status = case.status;
    if case.capital_ore.is_positive() {
        let message = format!(
            "A payment of invoice {number} was reported to Nox Finans; {} SEK remains",
            from_ore(case.capital_ore)
        );
        return record(txn, tenant, &case, status, &message, now).await;
    }
    let Some(to) = crate::domain::nox_case::next_status(status, event) else {
        return Ok(());
    };
    let moved = store::transition(txn, tenant, case.id, &[status], CaseChange::close(to, now))
        .await?
        .ok_or_else(|| AppError::conflict("the Nox Finans case changed meanwhile"))?;
    let message = if to == NoxStatus::Credited {
        format!("Invoice {number} is credited in full; Nox Finans has closed the case")
    } else {
        format!("Invoice {number} is paid; Nox Finans has closed the case")
    };
    record(txn, tenant, &moved, to, &message, now).await
}

/// Job: pays out what Nox Finans collected for a case, less the company's Nox
/// Finans fees not yet settled. Compare-and-set on exactly the amount paid.
#[tracing::instrument(skip(state, txn, job, case), fields(job = job.id.get(), case = case.get()))]
pub async fn payout(state: &AppState, txn: &Ordered, job: &Job, case: CaseId) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    if let Some((tenant, case)) = load_locked(txn, job, case).await?
        && case.payout_pending_ore.is_positive()
    {
        let pending = case.payout_pending_ore;
        let (set_off, out) = payout_split(pending, books::nox_fees_due(txn, tenant).await?);
        if !store::take_payout(txn, tenant, case.id, pending, set_off).await?
            || !books::settle_nox_fees(txn, tenant, set_off).await?
        {
            return Err(AppError::conflict(
                "the payout changed meanwhile; it will be retried",
            ));
        }
        let inv = invoices::require(txn, tenant, case.invoice_id, "invoiceId").await?;
        let (lines, voucher) = ledger::nox_payout(&inv.invoice_number, pending, set_off);
        if out.is_positive() {
            let entries = Entries::new(NOX_SERIES, &lines, &voucher);
            book(txn, tenant, entries, today, Refs::invoice(inv.id), now).await?;
            let mut message = format!(
                "{} SEK that Nox Finans collected for invoice {} has been paid out to your bank account",
                from_ore(out),
                inv.invoice_number
            );
            if set_off.is_positive() {
                message.push_str(&format!(
                    " ({} collected less {} Nox Finans fees)",
                    from_ore(pending),
                    from_ore(set_off)
                ));
            }
            outbox::notify(
                txn,
                tenant,
                NotificationKind::NoxPaidOut,
                &message,
                Some(inv.id),
                now,
            )
            .await?;
        }
    }
    Ok(())
}

/// Job (first of the month): invoices the company's Nox Finans fees that no
/// payout has covered, so the payments account returns to zero with an entry
/// that says why.
#[tracing::instrument(skip(state, txn, job), fields(job = job.id.get(), company = %job.tenant.company_id()))]
pub async fn invoice_fees(state: &AppState, txn: &Ordered, job: &Job) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let tenant = job.tenant;
    let due = books::nox_fees_due(txn, tenant).await?;
    if due.is_positive() {
        if !books::settle_nox_fees(txn, tenant, due).await? {
            return Err(AppError::conflict("the fees changed meanwhile"));
        }
        let month = today
            .pred_opt()
            .map_or_else(String::new, |d| d.format("%Y-%m").to_string());
        let (line, voucher) = ledger::nox_fee_invoice(&month, due);
        let lines = [line];
        let entries = Entries::new(NOX_SERIES, &lines, &voucher);
        book(txn, tenant, entries, today, Refs::NONE, now).await?;
        let message = format!(
            "Nox Finans fees of {} SEK for {month} that no payout covered have been invoiced to you",
            from_ore(due)
        );
        outbox::notify(
            txn,
            tenant,
            NotificationKind::NoxFeesInvoiced,
            &message,
            None,
            now,
        )
        .await?;
    }
    Ok(())
}
