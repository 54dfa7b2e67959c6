//! Processing a sale: the spot check the rule engine may select, its
//! outcome, and the financier's decision.

use super::sell::{basis, sale_facts};
use super::*;
use crate::domain::id::SaleId;
use crate::store::by_id;

/// Job: selects a spot check or decides at once.
#[tracing::instrument(skip(state, txn, job, sale), fields(job = job.id.get(), sale = sale.get()))]
pub async fn process(state: &AppState, txn: &Ordered, job: &Job, sale: SaleId) -> AppResult<()> {
    let now = state.clock.now();
    let Some((tenant, sale)) = load_for_job(txn, job, sale).await? else {
        return Ok(());
    };
    if sale.status == SaleStatus::Processing {
        let basis = basis(txn, tenant, sale.invoice_id, state.clock.today()).await?;
        let h = basis.history;
        let facts = SpotCheckFacts {
            approved_sales: h.approved,
            recipient_known: h.recipient_known,
            average_approved_ore: h.average_approved_ore,
            amount_ore: sale.amount_ore,
            draw: sale::sampling_draw(&state.sampling_key, sale.company_id, sale.id),
        };
        match sale::select_spot_check(&facts) {
            Some(rule) => {
                let deadline = spot_check_due(state);
                let change = SaleChange::StartSpotCheck {
                    rule: rule.name,
                    deadline,
                };
                if let Some(s) = sales::transition(txn, tenant, sale.id, change).await? {
                    let message = format!(
                        "Spot check ({}): {} We will call the recipient; the decision may take a day.",
                        rule.name, rule.explanation
                    );
                    record(txn, tenant, &s, SaleEvent::SpotCheckStarted, &message, now).await?;
                    jobs::schedule(txn, tenant, Task::SpotCheckDeadline(s.id), deadline, now)
                        .await?;
                }
            }
            None => {
                // `None`: the company withdrew the sale meanwhile, and
                // nothing is written.
                decide_in(txn, state, tenant, &sale, basis, None).await?;
            }
        }
    }
    Ok(())
}

/// The deadline of a spot check starting now: the configured number of
/// banking days ahead (Swedish calendar), at the configured hour in Stockholm.
/// A check started on a Friday afternoon runs until Monday afternoon.
pub fn spot_check_due(state: &AppState) -> DateTime<Utc> {
    let day = add_banking_days(
        state.clock.today(),
        state.settings.spot_check_deadline_banking_days.max(1),
    );
    crate::domain::time::stockholm_instant(day, state.settings.spot_check_deadline_hour)
}

/// Job: a spot check not resolved by its deadline gets the default outcome.
#[tracing::instrument(skip(state, txn, job, sale), fields(job = job.id.get(), sale = sale.get()))]
pub async fn spot_check_deadline(
    state: &AppState,
    txn: &Ordered,
    job: &Job,
    sale: SaleId,
) -> AppResult<()> {
    if let Some((tenant, sale)) = load_for_job(txn, job, sale).await?
        && sale.status == SaleStatus::SpotCheck
    {
        // `None`: the operator resolved the check, or the company withdrew
        // the sale, meanwhile; nothing is written.
        resolve_in(
            txn,
            state,
            tenant,
            &sale,
            SpotCheckOutcome::NoAnswer,
            Some("no answer before the deadline".into()),
        )
        .await?;
    }
    Ok(())
}

/// Resolves a sale's spot check with `outcome` and decides the sale; `None`
/// when the sale had meanwhile left its spot check (nothing is written).
async fn resolve_in(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    sale: &Sale,
    outcome: SpotCheckOutcome,
    note: Option<String>,
) -> AppResult<Option<Sale>> {
    let now = state.clock.now();
    let change = SaleChange::ResolveSpotCheck {
        outcome,
        note,
        at: now,
    };
    let Some(resolved) = sales::transition(txn, tenant, sale.id, change).await? else {
        return Ok(None);
    };
    let message = format!(
        "Spot check resolved: {}",
        outcome.as_str().replace('_', " ").to_lowercase()
    );
    record(
        txn,
        tenant,
        &resolved,
        SaleEvent::SpotCheckResolved,
        &message,
        now,
    )
    .await?;
    let stored = resolved.spot_check_rule.as_deref().unwrap_or_default();
    let rule = sale::spot_check_rule(stored);
    if rule.is_none() {
        // Decided as a risk rule would be: an unanswered check is denied.
        tracing::warn!(rule = stored, sale = %resolved.id, "unknown stored spot-check rule");
    }
    let basis = basis(txn, tenant, resolved.invoice_id, state.clock.today()).await?;
    // The resolution above holds the sale: it cannot have moved on since.
    decide_in(txn, state, tenant, &resolved, basis, Some((rule, outcome)))
        .await?
        .ok_or_else(|| AppError::conflict("the sale is already decided"))
        .map(Some)
}

/// The longest internal note on a spot check, in characters.
const MAX_NOTE_CHARS: usize = 1000;

/// Operator: records a spot check's outcome and decides the sale.
#[tracing::instrument(skip(state, op, note))]
pub async fn resolve_spot_check(
    state: &AppState,
    op: Operator,
    sale_id: SaleId,
    outcome: SpotCheckOutcome,
    note: Option<String>,
) -> AppResult<Sale> {
    let note = note
        .map(|n| crate::domain::bounded_text("note", n, MAX_NOTE_CHARS))
        .transpose()?;
    let txn = state.begin_ordered().await?;
    let (tenant, sale) = by_id::get_owned(&txn, op, sale_id)
        .await?
        .or_not_found("sale", "saleId")?;
    if sale.status != SaleStatus::SpotCheck {
        return Err(AppError::conflict(format!(
            "the sale is {}, not waiting for a spot check",
            sale.status
        )));
    }
    let decided = resolve_in(&txn, state, tenant, &sale, outcome, note)
        .await?
        .ok_or_else(|| AppError::conflict("the spot check is already resolved"))?;
    audit::record(
        &txn,
        op,
        audit::Entry {
            action: crate::store::audit::action::RESOLVE_SPOT_CHECK,
            company_id: Some(sale.company_id),
            subject: format!("InvoiceSale:{}", sale.id),
            before: Some(serde_json::json!({"status": sale.status, "spotCheckOutcome": sale.spot_check_outcome})),
            after: Some(serde_json::json!({
                "status": decided.status,
                "spotCheckOutcome": decided.spot_check_outcome,
                "note": decided.spot_check_note,
            })),
        },
        state.clock.now(),
    )
    .await?;
    txn.commit().await?;
    Ok(decided)
}

/// Decides a sale awaiting a decision, weighing its invoice by `basis`, and
/// writes everything that follows; `None` when the sale had meanwhile moved
/// on (withdrawn, say), with nothing written.
async fn decide_in(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    sale: &Sale,
    basis: sales::Basis,
    spot_check: Option<(Option<&'static sale::SpotCheckRule>, SpotCheckOutcome)>,
) -> AppResult<Option<Sale>> {
    let now = state.clock.now();
    let today = state.clock.today();
    let decision = sale::decide(&DecisionFacts {
        sale: sale_facts(&basis, true),
        agreement: basis.agreement,
        amount_ore: sale.amount_ore,
        spot_check,
        recipient_has_overdue_sold: basis.exposure.recipient_overdue,
    });
    let number = &basis.invoice.invoice_number;
    match decision {
        Decision::Approve => {
            let payout_date = next_banking_day(today);
            let change = SaleChange::Approve {
                at: now,
                payout_date,
            };
            let Some(s) = sales::transition(txn, tenant, sale.id, change).await? else {
                return Ok(None);
            };
            let fees = sale::fee_lines(s.invoice_fee_ore, s.factoring_fee_ore, s.percentage_bp);
            if !invoices::settle_sold(txn, tenant, s.invoice_id, s.amount_ore, now).await? {
                return Err(AppError::conflict(
                    "the invoice changed while the sale was decided",
                ));
            }
            let (lines, voucher) = ledger::approval(number, s.amount_ore, &fees);
            let entries = Entries::new(SALE_SERIES, &lines, &voucher);
            let refs = Refs::sale(s.invoice_id, s.id);
            book(txn, tenant, entries, today, refs, now).await?;
            let message = format!(
                "Invoice {number} is approved for sale: {} SEK will be paid out on {payout_date}",
                from_ore(s.payout_ore)
            );
            record(txn, tenant, &s, SaleEvent::Approved, &message, now).await?;
            let at =
                crate::domain::time::stockholm_instant(payout_date, state.settings.payout_hour);
            jobs::schedule(txn, tenant, Task::Payout(s.id), at, now).await?;
            Ok(Some(s))
        }
        Decision::Deny(reason) => {
            let change = SaleChange::Deny {
                at: now,
                code: reason.code,
                message: reason.message.clone(),
            };
            let Some(s) = sales::transition(txn, tenant, sale.id, change).await? else {
                return Ok(None);
            };
            invoices::release(txn, tenant, s.invoice_id, Holder::Sale(s.id)).await?;
            let message = format!(
                "The sale of invoice {number} was denied: {}",
                reason.message
            );
            record(txn, tenant, &s, SaleEvent::Denied, &message, now).await?;
            Ok(Some(s))
        }
    }
}
