//! Invoice sale use cases: agreement, quote, sell, processing, spot checks,
//! decisions and payouts. Every state change writes its statement entries,
//! voucher, notification and event in the same transaction.
//!
//! - [`sell`](mod@sell): the quote and the sale;
//! - [`decide`]: processing, spot checks and the financier's decision;
//! - [`settle`]: payout, withdrawal and what the financier collected;
//! - [`agreement`]: activating invoice sale and asking to be called.

mod agreement;
mod decide;
mod sell;
mod settle;

use crate::domain::id::SaleId;
use crate::store::by_id;
pub use agreement::{activate, request_contact};
pub use decide::{process, resolve_spot_check, spot_check_deadline, spot_check_due};
pub use sell::{quote, sell};
pub use settle::{payout, record_collection, withdraw};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::ConnectionTrait;

use crate::domain::banking::{add_banking_days, next_banking_day};
use crate::domain::event::Happened;
use crate::domain::invoice::skatteverket_outstanding;
use crate::domain::ledger::{self, SALE_SERIES};
use crate::domain::money::{MAX_AMOUNT_ORE, from_ore};
use crate::domain::sale::{
    self, Agreement, Decision, DecisionFacts, Quote, SaleEvent, SaleFacts, SaleStatus,
    SpotCheckFacts, SpotCheckOutcome,
};
use crate::error::{AppError, AppResult, OrNotFound};
use crate::state::AppState;
use crate::store::invoices::Holder;
use crate::store::invoices::Invoice;
use crate::store::jobs::{self, Job, Task};
use crate::store::ledger::{Entries, Refs, book};
use crate::store::outbox::Ordered;
use crate::store::outbox::{self, NewEvent};
use crate::store::sales::Sale;
use crate::store::sales::{NewSale, SaleChange};
use crate::store::{Operator, Tenant, audit, invoices, sales};

/// A priced offer to buy an invoice.
#[derive(Debug, Clone)]
pub struct QuoteView {
    /// The invoice.
    pub invoice: Invoice,
    /// Amount, fees, payout and reasons.
    pub quote: Quote,
    /// When the payout would arrive if approved today.
    pub payout_date: NaiveDate,
    /// Identity of these exact terms.
    pub quote_id: String,
    /// The agreement the quote was priced under, if any.
    pub agreement: Option<Agreement>,
}

/// Records a step of a sale with its message, and the notification of the
/// step when the company hears of it ([`SaleEvent::notification`]).
async fn record(
    txn: &Ordered,
    tenant: Tenant,
    sale: &Sale,
    kind: SaleEvent,
    message: &str,
    at: DateTime<Utc>,
) -> AppResult<()> {
    if let Some(notification) = kind.notification() {
        outbox::notify(
            txn,
            tenant,
            notification,
            message,
            Some(sale.invoice_id),
            at,
        )
        .await?;
    }
    outbox::record(
        txn,
        tenant,
        NewEvent {
            happened: Happened::Sale(sale.id, kind),
            invoice_id: Some(sale.invoice_id),
            message,
        },
        at,
    );
    Ok(())
}

/// Loads the sale a job acts on, as the job's company.
async fn load_for_job(txn: &Ordered, job: &Job, sale: SaleId) -> AppResult<Option<(Tenant, Sale)>> {
    let sale = by_id::get(txn, job.tenant, sale).await?;
    Ok(sale.map(|s| (job.tenant, s)))
}
