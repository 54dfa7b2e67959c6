//! Invoice sale use cases: agreement, quote, sell, processing, spot checks,
//! decisions and payouts. Every state change writes its statement entries,
//! voucher, notification and event in the same transaction.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{invoice, invoice_sale, job};
use sea_orm::ConnectionTrait;
use sea_orm::{EntityTrait, Set, TransactionTrait};

use crate::db::begin_ordered;
use crate::domain::banking::{add_banking_days, next_banking_day};
use crate::domain::invoice::skatteverket_outstanding;
use crate::domain::ledger::{self, SALE_SERIES};
use crate::domain::money::{MAX_AMOUNT_ORE, from_ore};
use crate::domain::sale::{
    self, Agreement, Decision, DecisionFacts, Quote, SaleFacts, SaleStatus, SaleStep,
    SpotCheckFacts, SpotCheckOutcome, allowed_from,
};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::invoices::Holder;
use crate::store::jobs::{self, kind};
use crate::store::ledger::{Refs, book, post};
use crate::store::outbox::Ordered;
use crate::store::outbox::{self, NewEvent, topic};
use crate::store::{Operator, Tenant, audit, invoices, sales};

/// A priced offer to buy an invoice.
#[derive(Debug, Clone)]
pub struct QuoteView {
    /// The invoice.
    pub invoice: invoice::Model,
    /// Amount, fees, payout and reasons.
    pub quote: Quote,
    /// When the payout would arrive if approved today.
    pub payout_date: NaiveDate,
    /// Identity of these exact terms.
    pub quote_id: String,
}

/// Sale event kinds, as recorded in the outbox.
pub mod event {
    /// Sent for sale.
    pub const SUBMITTED: &str = "SUBMITTED";
    /// Selected for a spot check.
    pub const SPOT_CHECK_STARTED: &str = "SPOT_CHECK_STARTED";
    /// The spot check got its outcome.
    pub const SPOT_CHECK_RESOLVED: &str = "SPOT_CHECK_RESOLVED";
    /// Bought.
    pub const APPROVED: &str = "APPROVED";
    /// Not bought.
    pub const DENIED: &str = "DENIED";
    /// Paid out.
    pub const PAID_OUT: &str = "PAID_OUT";
    /// Withdrawn by the company before the decision.
    pub const WITHDRAWN: &str = "WITHDRAWN";
}

async fn sale_facts<C: ConnectionTrait>(
    txn: &C,
    tenant: Tenant,
    inv: &invoice::Model,
    today: NaiveDate,
    exclude_own_sale: bool,
) -> AppResult<(SaleFacts, bool)> {
    let exposure = sales::exposure(txn, tenant, inv.customer_id, inv.id, today).await?;
    let already_sold =
        !exclude_own_sale && (inv.sold || sales::has_live_sale(txn, tenant, inv.id).await?);
    let skatteverket =
        skatteverket_outstanding(inv.house_work_deductible_ore, inv.house_work_paid_ore);
    Ok((
        SaleFacts {
            currency: inv.currency.clone(),
            cancelled: inv.cancelled,
            not_completed: inv.not_completed,
            invoice_type: inv.invoice_type.clone(),
            balance_ore: inv.balance_ore,
            house_work_deductible_ore: inv.house_work_deductible_ore.map(|_| skatteverket),
            due_date: inv.due_date,
            recipient_overdue: exposure.recipient_overdue,
            already_sold,
            handed_to_nox: crate::store::nox::open_case_of(txn, tenant, inv.id)
                .await?
                .is_some(),
            customer_outstanding_ore: exposure.to_customer_ore,
            total_outstanding_ore: exposure.total_ore,
        },
        exposure.recipient_overdue,
    ))
}

async fn quote_in<C: ConnectionTrait>(
    txn: &C,
    state: &AppState,
    tenant: Tenant,
    invoice_id: i64,
) -> AppResult<QuoteView> {
    let inv = invoices::require(txn, tenant, invoice_id, "invoiceId").await?;
    let today = state.clock.today();
    let agreement = sales::agreement(txn, tenant)
        .await?
        .map(|a| sales::agreement_terms(&a));
    let (facts, _) = sale_facts(txn, tenant, &inv, today, false).await?;
    let quote = sale::quote(&facts, agreement.as_ref(), today);
    let payout_date = next_banking_day(today);
    let quote_id = sale::quote_id(inv.id, &quote, payout_date);
    Ok(QuoteView {
        invoice: inv,
        quote,
        payout_date,
        quote_id,
    })
}

/// Quotes the sale of an invoice. Refused with `NOT_ELIGIBLE` until invoice sale
/// is activated; otherwise the quote carries its own eligibility and reasons.
#[tracing::instrument(skip(state), fields(company = tenant.company_id()))]
pub async fn quote(state: &AppState, tenant: Tenant, invoice_id: i64) -> AppResult<QuoteView> {
    let txn = state.db.begin().await?;
    let view = quote_in(&txn, state, tenant, invoice_id).await?;
    txn.commit().await?;
    if let Some(r) = view
        .quote
        .reasons
        .iter()
        .find(|r| r.code == "INVOICE_SALE_NOT_ACTIVE")
    {
        return Err(AppError::NotEligible {
            message: r.message.clone(),
            reasons: vec![r.clone()],
        });
    }
    Ok(view)
}

/// Sells an invoice against a quote. The same idempotency key returns the same
/// sale; a second live sale of one invoice is a `CONFLICT`; changed terms are
/// `QUOTE_CHANGED`.
#[tracing::instrument(skip(state), fields(company = tenant.company_id()))]
pub async fn sell(
    state: &AppState,
    tenant: Tenant,
    invoice_id: i64,
    quote_id: &str,
    idempotency_key: &str,
) -> AppResult<invoice_sale::Model> {
    let key = idempotency_key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::validation(
            "idempotencyKey",
            "must be 1 to 100 characters",
        ));
    }
    match sell_once(state, tenant, invoice_id, quote_id, key).await {
        Ok(s) => Ok(s),
        // A concurrent request with the same key may have won the race: its
        // sale, once committed, is the answer to this one too.
        Err(e @ AppError::Conflict(_)) => match sales::by_key(&state.db, tenant, key).await? {
            Some(s) if s.invoice_id == invoice_id => Ok(s),
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}

async fn sell_once(
    state: &AppState,
    tenant: Tenant,
    invoice_id: i64,
    quote_id: &str,
    key: &str,
) -> AppResult<invoice_sale::Model> {
    let now = state.clock.now();
    let txn = begin_ordered(&state.db).await?;
    if let Some(existing) = sales::by_key(&txn, tenant, key).await? {
        if existing.invoice_id == invoice_id {
            return Ok(existing);
        }
        return Err(AppError::Conflict(
            "this idempotency key was used for another invoice".into(),
        ));
    }
    let view = quote_in(&txn, state, tenant, invoice_id).await?;
    if let Some(r) = view.quote.reasons.iter().find(|r| r.code == "ALREADY_SOLD") {
        return Err(AppError::Conflict(r.message.clone()));
    }
    if !view.quote.eligible() {
        return Err(AppError::NotEligible {
            message: format!(
                "the invoice cannot be sold: {}",
                view.quote
                    .reasons
                    .iter()
                    .map(|r| r.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            reasons: view.quote.reasons.clone(),
        });
    }
    if view.quote_id != quote_id {
        return Err(AppError::QuoteChanged(
            "the fees or the payout changed since this quote; ask for a new quote and confirm again".into(),
        ));
    }
    let q = &view.quote;
    let fee = |k: &str| {
        q.fees
            .iter()
            .find(|f| f.kind == k)
            .map_or(0, |f| f.amount_ore)
    };
    let agreement = sales::agreement(&txn, tenant).await?;
    let sale = sales::insert(
        &txn,
        tenant,
        invoice_sale::ActiveModel {
            invoice_id: Set(view.invoice.id),
            customer_id: Set(view.invoice.customer_id),
            amount_ore: Set(q.amount_ore),
            invoice_fee_ore: Set(fee("INVOICE_FEE")),
            factoring_fee_ore: Set(fee("FACTORING_FEE")),
            total_fees_ore: Set(q.total_fees_ore),
            payout_ore: Set(q.payout_ore),
            percentage_bp: Set(agreement.map_or(0, |a| a.percentage_bp)),
            quote_id: Set(view.quote_id.clone()),
            idempotency_key: Set(key.to_string()),
            requested_at: Set(now),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| match e {
        AppError::Conflict(_) => {
            AppError::Conflict("the invoice has already been offered for sale".into())
        }
        other => other,
    })?;
    invoices::hold(&txn, tenant, sale.invoice_id, Holder::Sale(sale.id)).await?;
    let number = &view.invoice.invoice_number;
    let message = format!("Invoice {number} has been sent for sale");
    outbox::notify(
        &txn,
        tenant,
        "SALE_SENT",
        &message,
        Some(sale.invoice_id),
        now,
    )
    .await?;
    record(&txn, tenant, &sale, event::SUBMITTED, &message, now).await?;
    let run_at = now + Duration::seconds(state.settings.sale_processing_delay_secs.max(0));
    jobs::schedule(&txn, tenant, kind::PROCESS_SALE, sale.id, run_at, now).await?;
    txn.commit().await?;
    state.events.wake();
    Ok(sale)
}

async fn record(
    txn: &Ordered,
    tenant: Tenant,
    sale: &invoice_sale::Model,
    kind: &str,
    message: &str,
    at: DateTime<Utc>,
) -> AppResult<()> {
    outbox::record(
        txn,
        tenant,
        NewEvent {
            topic: topic::INVOICE_SALE,
            kind,
            invoice_id: Some(sale.invoice_id),
            subject_id: sale.id,
            message,
        },
        at,
    );
    Ok(())
}

fn status(s: &invoice_sale::Model) -> AppResult<SaleStatus> {
    SaleStatus::parse(&s.status)
        .ok_or_else(|| AppError::Internal(format!("unknown sale status {}", s.status)))
}

async fn load_for_job(
    txn: &Ordered,
    job: &job::Model,
) -> AppResult<Option<(Tenant, invoice_sale::Model)>> {
    let sale = sales::get_any(txn, Operator::system(), job.subject_id).await?;
    Ok(sale.map(|s| (Tenant::trusted(s.company_id), s)))
}

/// Job: selects a spot check or decides at once.
#[tracing::instrument(skip(state, job), fields(job = job.id, sale = job.subject_id))]
pub async fn process(state: &AppState, job: &job::Model) -> AppResult<()> {
    let now = state.clock.now();
    let txn = begin_ordered(&state.db).await?;
    let Some((tenant, sale)) = load_for_job(&txn, job).await? else {
        jobs::finish(&txn, job).await?;
        txn.commit().await?;
        return Ok(());
    };
    if status(&sale)? == SaleStatus::Processing {
        let h = sales::history(&txn, tenant, sale.id, sale.customer_id).await?;
        let facts = SpotCheckFacts {
            previous_sales: h.previous,
            approved_sales: h.approved,
            approved_to_recipient: h.approved_to_recipient,
            average_approved_ore: h.average_approved_ore,
            amount_ore: sale.amount_ore,
            draw: sale::sampling_draw(&state.sampling_key, sale.company_id, sale.id),
        };
        match sale::select_spot_check(&facts) {
            Some(rule) => {
                let deadline = spot_check_due(state);
                let changes = invoice_sale::ActiveModel {
                    status: Set(SaleStatus::SpotCheck.as_str().into()),
                    spot_check_rule: Set(Some(rule.name.into())),
                    spot_check_deadline: Set(Some(deadline)),
                    ..Default::default()
                };
                if let Some(s) = sales::transition(
                    &txn,
                    tenant,
                    sale.id,
                    &allowed_from(SaleStep::StartSpotCheck),
                    changes,
                )
                .await?
                {
                    let message = format!(
                        "Spot check ({}): {} We will call the recipient; the decision may take a day.",
                        rule.name, rule.explanation
                    );
                    record(&txn, tenant, &s, event::SPOT_CHECK_STARTED, &message, now).await?;
                    jobs::schedule(&txn, tenant, kind::SPOT_CHECK_DEADLINE, s.id, deadline, now)
                        .await?;
                }
            }
            None => {
                decide_in(&txn, state, tenant, &sale, None).await?;
            }
        }
    }
    jobs::finish(&txn, job).await?;
    txn.commit().await?;
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
#[tracing::instrument(skip(state, job), fields(job = job.id, sale = job.subject_id))]
pub async fn spot_check_deadline(state: &AppState, job: &job::Model) -> AppResult<()> {
    let txn = begin_ordered(&state.db).await?;
    if let Some((tenant, sale)) = load_for_job(&txn, job).await?
        && status(&sale)? == SaleStatus::SpotCheck
    {
        resolve_in(
            &txn,
            state,
            tenant,
            &sale,
            SpotCheckOutcome::NoAnswer,
            Some("no answer before the deadline".into()),
        )
        .await?;
    }
    jobs::finish(&txn, job).await?;
    txn.commit().await?;
    Ok(())
}

fn outcome_str(o: SpotCheckOutcome) -> &'static str {
    match o {
        SpotCheckOutcome::Confirmed => "CONFIRMED",
        SpotCheckOutcome::Disputed => "DISPUTED",
        SpotCheckOutcome::NoAnswer => "NO_ANSWER",
    }
}

async fn resolve_in(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    sale: &invoice_sale::Model,
    outcome: SpotCheckOutcome,
    note: Option<String>,
) -> AppResult<invoice_sale::Model> {
    let now = state.clock.now();
    let changes = invoice_sale::ActiveModel {
        spot_check_outcome: Set(Some(outcome_str(outcome).into())),
        spot_check_note: Set(note),
        spot_check_resolved_at: Set(Some(now)),
        ..Default::default()
    };
    let resolved = sales::transition(txn, tenant, sale.id, &[SaleStatus::SpotCheck], changes)
        .await?
        .ok_or_else(|| AppError::Conflict("the spot check is already resolved".into()))?;
    let message = format!(
        "Spot check resolved: {}",
        outcome_str(outcome).replace('_', " ").to_lowercase()
    );
    record(
        txn,
        tenant,
        &resolved,
        event::SPOT_CHECK_RESOLVED,
        &message,
        now,
    )
    .await?;
    let rule = resolved.spot_check_rule.clone().unwrap_or_default();
    let rule: &'static str = sale::spot_check_rule(&rule).map_or("ROUTINE_SAMPLE", |r| r.name);
    decide_in(txn, state, tenant, &resolved, Some((rule, outcome))).await
}

/// Operator: records a spot check's outcome and decides the sale.
#[tracing::instrument(skip(state, op, note))]
pub async fn resolve_spot_check(
    state: &AppState,
    op: Operator,
    sale_id: i64,
    outcome: SpotCheckOutcome,
    note: Option<String>,
) -> AppResult<invoice_sale::Model> {
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        return Err(AppError::validation(
            "note",
            "must be at most 1000 characters",
        ));
    }
    let txn = begin_ordered(&state.db).await?;
    let sale = sales::get_any(&txn, Operator::system(), sale_id)
        .await?
        .ok_or_else(|| AppError::not_found("sale", "saleId"))?;
    if status(&sale)? != SaleStatus::SpotCheck {
        return Err(AppError::Conflict(format!(
            "the sale is {}, not waiting for a spot check",
            sale.status
        )));
    }
    let decided = resolve_in(
        &txn,
        state,
        Tenant::trusted(sale.company_id),
        &sale,
        outcome,
        note,
    )
    .await?;
    audit::record(
        &txn,
        op,
        audit::Entry {
            action: "RESOLVE_SPOT_CHECK",
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
    state.events.wake();
    Ok(decided)
}

/// Decides a sale awaiting a decision and writes everything that follows.
async fn decide_in(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    sale: &invoice_sale::Model,
    spot_check: Option<(&'static str, SpotCheckOutcome)>,
) -> AppResult<invoice_sale::Model> {
    let now = state.clock.now();
    let today = state.clock.today();
    let inv = invoices::require(txn, tenant, sale.invoice_id, "invoiceId").await?;
    let agreement: Option<Agreement> = sales::agreement(txn, tenant)
        .await?
        .map(|a| sales::agreement_terms(&a));
    let (facts, overdue) = sale_facts(txn, tenant, &inv, today, true).await?;
    let decision = sale::decide(&DecisionFacts {
        sale: facts,
        agreement,
        amount_ore: sale.amount_ore,
        spot_check,
        recipient_has_overdue_sold: overdue,
    });
    let number = &inv.invoice_number;
    match decision {
        Decision::Approve => {
            let payout_date = next_banking_day(today);
            let changes = invoice_sale::ActiveModel {
                status: Set(SaleStatus::Approved.as_str().into()),
                decided_at: Set(Some(now)),
                payout_date: Set(Some(payout_date)),
                ..Default::default()
            };
            let Some(s) = sales::transition(
                txn,
                tenant,
                sale.id,
                &allowed_from(SaleStep::Approve),
                changes,
            )
            .await?
            else {
                return Err(AppError::Conflict("the sale is already decided".into()));
            };
            let fees = vec![
                sale::FeeLine {
                    kind: "INVOICE_FEE",
                    description: "Invoice fee".into(),
                    amount_ore: s.invoice_fee_ore,
                },
                sale::FeeLine {
                    kind: "FACTORING_FEE",
                    description: format!(
                        "Factoring fee {} %",
                        rust_decimal::Decimal::new(s.percentage_bp, 2).normalize()
                    ),
                    amount_ore: s.factoring_fee_ore,
                },
            ];
            if !invoices::settle_sold(txn, tenant, s.invoice_id, s.amount_ore, now).await? {
                return Err(AppError::Conflict(
                    "the invoice changed while the sale was decided".into(),
                ));
            }
            let (lines, voucher) = ledger::approval(number, s.amount_ore, &fees);
            let refs = Refs {
                invoice_id: Some(s.invoice_id),
                sale_id: Some(s.id),
            };
            book(txn, tenant, &lines, today, refs, now).await?;
            post(txn, tenant, SALE_SERIES, &voucher, today, Some(s.id), now).await?;
            let message = format!(
                "Invoice {number} is approved for sale: {} SEK will be paid out on {payout_date}",
                from_ore(s.payout_ore)
            );
            outbox::notify(
                txn,
                tenant,
                "SALE_APPROVED",
                &message,
                Some(s.invoice_id),
                now,
            )
            .await?;
            record(txn, tenant, &s, event::APPROVED, &message, now).await?;
            let at =
                crate::domain::time::stockholm_instant(payout_date, state.settings.payout_hour);
            jobs::schedule(txn, tenant, kind::PAYOUT, s.id, at, now).await?;
            Ok(s)
        }
        Decision::Deny(reason) => {
            let changes = invoice_sale::ActiveModel {
                status: Set(SaleStatus::Denied.as_str().into()),
                decided_at: Set(Some(now)),
                denial_code: Set(Some(reason.code.into())),
                denial_message: Set(Some(reason.message.clone())),
                ..Default::default()
            };
            let Some(s) =
                sales::transition(txn, tenant, sale.id, &allowed_from(SaleStep::Deny), changes)
                    .await?
            else {
                return Err(AppError::Conflict("the sale is already decided".into()));
            };
            invoices::release(txn, tenant, s.invoice_id, Holder::Sale(s.id)).await?;
            let message = format!(
                "The sale of invoice {number} was denied: {}",
                reason.message
            );
            outbox::notify(
                txn,
                tenant,
                "SALE_DENIED",
                &message,
                Some(s.invoice_id),
                now,
            )
            .await?;
            record(txn, tenant, &s, event::DENIED, &message, now).await?;
            Ok(s)
        }
    }
}

/// Job: pays out an approved sale.
#[tracing::instrument(skip(state, job), fields(job = job.id, sale = job.subject_id))]
pub async fn payout(state: &AppState, job: &job::Model) -> AppResult<()> {
    let now = state.clock.now();
    let today = state.clock.today();
    let txn = begin_ordered(&state.db).await?;
    if let Some((tenant, sale)) = load_for_job(&txn, job).await? {
        let changes = invoice_sale::ActiveModel {
            status: Set(SaleStatus::PaidOut.as_str().into()),
            paid_out_at: Set(Some(now)),
            ..Default::default()
        };
        if let Some(s) = sales::transition(
            &txn,
            tenant,
            sale.id,
            &allowed_from(SaleStep::PayOut),
            changes,
        )
        .await?
        {
            let inv = invoices::require(&txn, tenant, s.invoice_id, "invoiceId").await?;
            let (lines, voucher) = ledger::payout(&inv.invoice_number, s.payout_ore);
            let refs = Refs {
                invoice_id: Some(s.invoice_id),
                sale_id: Some(s.id),
            };
            book(&txn, tenant, &lines, today, refs, now).await?;
            post(&txn, tenant, SALE_SERIES, &voucher, today, Some(s.id), now).await?;
            let message = format!(
                "{} SEK for invoice {} has been paid out to your bank account",
                from_ore(s.payout_ore),
                inv.invoice_number
            );
            outbox::notify(
                &txn,
                tenant,
                "SALE_PAID_OUT",
                &message,
                Some(s.invoice_id),
                now,
            )
            .await?;
            record(&txn, tenant, &s, event::PAID_OUT, &message, now).await?;
        }
    }
    jobs::finish(&txn, job).await?;
    txn.commit().await?;
    Ok(())
}

/// Withdraws a sale before its decision (processing or in spot check): no
/// fees, an event and a notification; the invoice is free to be sold again or
/// handed to Nox Finans.
#[tracing::instrument(skip(state), fields(company = tenant.company_id()))]
pub async fn withdraw(
    state: &AppState,
    tenant: Tenant,
    sale_id: i64,
) -> AppResult<invoice_sale::Model> {
    let now = state.clock.now();
    let txn = begin_ordered(&state.db).await?;
    let sale = sales::get(&txn, tenant, sale_id)
        .await?
        .ok_or_else(|| AppError::not_found("sale", "saleId"))?;
    let changes = invoice_sale::ActiveModel {
        status: Set(SaleStatus::Withdrawn.as_str().into()),
        decided_at: Set(Some(now)),
        ..Default::default()
    };
    let s = sales::transition(
        &txn,
        tenant,
        sale.id,
        &allowed_from(SaleStep::Withdraw),
        changes,
    )
    .await?
    .ok_or_else(|| {
        AppError::Conflict(format!(
            "the sale is {}; only a sale waiting for its decision can be withdrawn",
            sale.status
        ))
    })?;
    invoices::release(&txn, tenant, s.invoice_id, Holder::Sale(s.id)).await?;
    let inv = invoices::require(&txn, tenant, s.invoice_id, "invoiceId").await?;
    let message = format!(
        "The sale of invoice {} was withdrawn; no fees were charged",
        inv.invoice_number
    );
    outbox::notify(
        &txn,
        tenant,
        "SALE_WITHDRAWN",
        &message,
        Some(s.invoice_id),
        now,
    )
    .await?;
    record(&txn, tenant, &s, event::WITHDRAWN, &message, now).await?;
    txn.commit().await?;
    state.events.wake();
    Ok(s)
}

/// Operator: records what the financier collected from the customer of a
/// bought invoice (in full or in part). Collections release credit exposure.
/// The same key records nothing twice.
#[tracing::instrument(skip(state, op))]
pub async fn record_collection(
    state: &AppState,
    op: Operator,
    sale_id: i64,
    amount: rust_decimal::Decimal,
    collected_on: NaiveDate,
    key: &str,
) -> AppResult<invoice_sale::Model> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 {
        return Err(AppError::validation(
            "idempotencyKey",
            "must be 1 to 100 characters",
        ));
    }
    let amount_ore = crate::domain::money::parse_amount("amount", amount, false)?;
    if amount_ore == 0 {
        return Err(AppError::validation("amount", "must be greater than zero"));
    }
    if collected_on > state.clock.today() {
        return Err(AppError::validation(
            "collectedOn",
            "must not be in the future",
        ));
    }
    let now = state.clock.now();
    let txn = begin_ordered(&state.db).await?;
    if let Some(c) = sales::collection_by_key(&txn, op, key).await? {
        if c.sale_id != sale_id || c.amount_ore != amount_ore {
            return Err(AppError::Conflict(
                "this idempotency key was used for another collection".into(),
            ));
        }
        let sale = sales::get_any(&txn, op, sale_id)
            .await?
            .ok_or_else(|| AppError::not_found("sale", "saleId"))?;
        return Ok(sale);
    }
    let sale = sales::get_any(&txn, op, sale_id)
        .await?
        .ok_or_else(|| AppError::not_found("sale", "saleId"))?;
    if !matches!(status(&sale)?, SaleStatus::Approved | SaleStatus::PaidOut) {
        return Err(AppError::Conflict(format!(
            "the sale is {}; only a bought invoice is collected",
            sale.status
        )));
    }
    if !sales::add_collection(&txn, &sale, amount_ore, collected_on, key, now).await? {
        return Err(AppError::validation(
            "amount",
            format!(
                "is more than is left to collect ({} SEK)",
                from_ore(sale.amount_ore - sale.collected_ore)
            ),
        ));
    }
    audit::record(
        &txn,
        op,
        audit::Entry {
            action: "RECORD_COLLECTION",
            company_id: Some(sale.company_id),
            subject: format!("InvoiceSale:{}", sale.id),
            before: Some(
                serde_json::json!({"collected": from_ore(sale.collected_ore).to_string()}),
            ),
            after: Some(serde_json::json!({
                "collected": from_ore(sale.collected_ore + amount_ore).to_string(),
                "amount": from_ore(amount_ore).to_string(),
                "collectedOn": collected_on.to_string(),
                "idempotencyKey": key,
            })),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    let sale = sales::get_any(&state.db, op, sale_id)
        .await?
        .ok_or_else(|| AppError::not_found("sale", "saleId"))?;
    Ok(sale)
}

/// Operator: sets a company's agreement and activates (or deactivates) invoice sale.
#[tracing::instrument(skip(state, op))]
pub async fn activate(
    state: &AppState,
    op: Operator,
    company_id: i64,
    terms: Agreement,
) -> AppResult<entity::invoice_sale_agreement::Model> {
    let checks = [
        ("agreement.fixedFee", terms.fixed_fee_ore),
        ("agreement.minimumFee", terms.minimum_fee_ore),
        ("agreement.customerCreditLimit", terms.customer_limit_ore),
        ("agreement.totalCreditLimit", terms.total_limit_ore),
    ];
    for (field, v) in checks {
        if !(0..=MAX_AMOUNT_ORE).contains(&v) {
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
    let txn = begin_ordered(&state.db).await?;
    let company = entity::company::Entity::find_by_id(company_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("company", "companyId"))?;
    let before = sales::agreement(&txn, Tenant::trusted(company.id)).await?;
    let saved = sales::set_agreement(&txn, op, company.id, terms, now).await?;
    audit::record(
        &txn,
        op,
        audit::Entry {
            action: if terms.active {
                "ACTIVATE_INVOICE_SALE"
            } else {
                "DEACTIVATE_INVOICE_SALE"
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
        Tenant::trusted(company.id),
        "INVOICE_SALE_ACTIVATED",
        message,
        None,
        now,
    )
    .await?;
    txn.commit().await?;
    state.events.wake();
    Ok(saved)
}

/// An agreement's terms as the audit log shows them (amounts in SEK).
fn agreement_json(a: &entity::invoice_sale_agreement::Model) -> serde_json::Value {
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
#[tracing::instrument(skip(state, message), fields(company = tenant.company_id()))]
pub async fn request_contact(
    state: &AppState,
    tenant: Tenant,
    phone: &str,
    message: Option<String>,
) -> AppResult<()> {
    let phone = crate::domain::identifiers::parse_phone("phone", phone)?;
    if message.as_ref().is_some_and(|m| m.chars().count() > 2000) {
        return Err(AppError::validation(
            "message",
            "must be at most 2000 characters",
        ));
    }
    let txn = begin_ordered(&state.db).await?;
    sales::request_contact(&txn, tenant, phone, message, state.clock.now()).await?;
    txn.commit().await?;
    Ok(())
}
