//! Writing sales: a new sale as quoted, and each step of its life as one
//! typed change.

use crate::domain::id::{CustomerId, InvoiceId, SaleId};
use chrono::{DateTime, NaiveDate, Utc};
use entity::invoice_sale;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::super::{Ordered, Tenant};
use crate::domain::money::Ore;
use crate::domain::sale::{SaleStatus, SaleStep, SpotCheckOutcome, allowed_from};
use crate::error::AppResult;

/// A new sale, as quoted: what the financier pays and charges.
#[derive(Debug, Clone)]
pub struct NewSale {
    /// The invoice sold.
    pub invoice_id: InvoiceId,
    /// Its customer, the sale's recipient.
    pub customer_id: CustomerId,
    /// Its due date, by which the recipient's overdue bought invoices are
    /// found (`ix_sale_overdue`).
    pub due_date: NaiveDate,
    /// The amount sold.
    pub amount_ore: Ore,
    /// The invoice fee.
    pub invoice_fee_ore: Ore,
    /// The factoring fee.
    pub factoring_fee_ore: Ore,
    /// Both fees.
    pub total_fees_ore: Ore,
    /// What the company is paid.
    pub payout_ore: Ore,
    /// The agreement's percentage, in basis points, at the time of sale.
    pub percentage_bp: i64,
    /// The quote the company accepted.
    pub quote_id: String,
    /// The client's key: the same key sells once.
    pub idempotency_key: String,
    /// When the company sold.
    pub requested_at: DateTime<Utc>,
}

/// Inserts a new sale in PROCESSING.
pub async fn insert(db: &Ordered, tenant: Tenant, new: NewSale) -> AppResult<super::Sale> {
    let am = invoice_sale::ActiveModel {
        company_id: Set(tenant.company_id().get()),
        status: Set(SaleStatus::Processing.as_str().to_string()),
        invoice_id: Set(new.invoice_id.get()),
        customer_id: Set(new.customer_id.get()),
        due_date: Set(Some(new.due_date)),
        amount_ore: Set(new.amount_ore.get()),
        invoice_fee_ore: Set(new.invoice_fee_ore.get()),
        factoring_fee_ore: Set(new.factoring_fee_ore.get()),
        total_fees_ore: Set(new.total_fees_ore.get()),
        payout_ore: Set(new.payout_ore.get()),
        percentage_bp: Set(new.percentage_bp),
        quote_id: Set(new.quote_id),
        idempotency_key: Set(new.idempotency_key),
        requested_at: Set(new.requested_at),
        ..Default::default()
    };
    let sale: super::Sale = am.insert(db).await?.try_into()?;
    super::tally::adjust(db, &sale, super::tally::Deltas::sent(&sale));
    Ok(sale)
}

/// A change of a sale: each moves it from the states its step allows
/// (`domain::sale::allowed_from`) and writes what the step records.
#[derive(Debug, Clone)]
pub enum SaleChange {
    /// Spot-check selection picked the sale under `rule`.
    StartSpotCheck {
        /// The rule's name.
        rule: &'static str,
        /// When the default outcome applies.
        deadline: DateTime<Utc>,
    },
    /// The spot check's outcome (the sale stays in SPOT_CHECK until decided).
    ResolveSpotCheck {
        /// What the recipient said.
        outcome: SpotCheckOutcome,
        /// The operator's note.
        note: Option<String>,
        /// When.
        at: DateTime<Utc>,
    },
    /// Approved, to be paid out on `payout_date`.
    Approve {
        /// When.
        at: DateTime<Utc>,
        /// The payout's banking day.
        payout_date: NaiveDate,
    },
    /// Denied for a reason.
    Deny {
        /// When.
        at: DateTime<Utc>,
        /// The reason's stable code.
        code: &'static str,
        /// The reason as the company reads it.
        message: String,
    },
    /// Withdrawn by the company before the decision.
    Withdraw {
        /// When.
        at: DateTime<Utc>,
    },
    /// Paid out.
    PayOut {
        /// When.
        at: DateTime<Utc>,
    },
}

impl SaleChange {
    /// The states the change applies from, and the columns it writes.
    fn columns(self) -> (Vec<SaleStatus>, invoice_sale::ActiveModel) {
        let status = |s: SaleStatus| Set(s.as_str().to_string());
        let mut am = <invoice_sale::ActiveModel as Default>::default();
        let step = match self {
            Self::StartSpotCheck { rule, deadline } => {
                am.status = status(SaleStatus::SpotCheck);
                am.spot_check_rule = Set(Some(rule.to_string()));
                am.spot_check_deadline = Set(Some(deadline));
                SaleStep::StartSpotCheck
            }
            Self::ResolveSpotCheck { outcome, note, at } => {
                am.spot_check_outcome = Set(Some(outcome.as_str().to_string()));
                am.spot_check_note = Set(note);
                am.spot_check_resolved_at = Set(Some(at));
                return (vec![SaleStatus::SpotCheck], am);
            }
            Self::Approve { at, payout_date } => {
                am.status = status(SaleStatus::Approved);
                am.decided_at = Set(Some(at));
                am.payout_date = Set(Some(payout_date));
                SaleStep::Approve
            }
            Self::Deny { at, code, message } => {
                am.status = status(SaleStatus::Denied);
                am.decided_at = Set(Some(at));
                am.denial_code = Set(Some(code.to_string()));
                am.denial_message = Set(Some(message));
                SaleStep::Deny
            }
            Self::Withdraw { at } => {
                am.status = status(SaleStatus::Withdrawn);
                am.decided_at = Set(Some(at));
                SaleStep::Withdraw
            }
            Self::PayOut { at } => {
                am.status = status(SaleStatus::PaidOut);
                am.paid_out_at = Set(Some(at));
                SaleStep::PayOut
            }
        };
        (allowed_from(step), am)
    }
}

/// Applies `change` to the tenant's sale only while its status allows it;
/// returns the updated sale, or `None` when the sale had moved on (so a
/// transition happens exactly once even if two workers race for it).
pub async fn transition(
    db: &Ordered,
    tenant: Tenant,
    id: SaleId,
    change: SaleChange,
) -> AppResult<Option<super::Sale>> {
    // What the change does to the running totals (`tally`).
    use super::tally::Deltas;
    let counted: Option<fn(&super::Sale) -> Deltas> = match change {
        SaleChange::Approve { .. } => Some(Deltas::bought),
        SaleChange::Deny { .. } | SaleChange::Withdraw { .. } => Some(Deltas::left),
        _ => None,
    };
    let (from, changes) = change.columns();
    // One statement: the row as updated comes back with the update.
    let moved = invoice_sale::Entity::update_many()
        .set(changes)
        .filter(invoice_sale::Column::Id.eq(id))
        .filter(invoice_sale::Column::CompanyId.eq(tenant.company_id()))
        .filter(invoice_sale::Column::Status.is_in(from.iter().map(|s| s.as_str())))
        .exec_with_returning(db)
        .await?;
    let Some(sale) = moved
        .into_iter()
        .next()
        .map(super::Sale::try_from)
        .transpose()?
    else {
        return Ok(None);
    };
    if let Some(deltas) = counted {
        super::tally::adjust(db, &sale, deltas(&sale));
    }
    Ok(Some(sale))
}
