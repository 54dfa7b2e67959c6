//! A Nox Finans case after hand-over: acceptance or rejection, delivery, the
//! timeline, payments (through Nox Finans or directly), payouts with the
//! company's fees set off, the monthly invoice of fees no payout covered,
//! pause, resume and recall.
//!
//! Every use case reads the case under its row lock (`store::nox::locked`), so payments,
//! steps and payouts of one case run one after another, and applies status
//! changes through the transition table in `domain::nox_case`.

mod accept;
mod control;
mod payments;
mod timeline;

pub use accept::{accept, reject};
pub use control::{pause, recall, resume};
pub use payments::{
    Owed, claims_interest, collect, invoice_fees, owed, owed_from, payout, raise, reduce,
};
pub use timeline::step;

use crate::domain::id::{CaseId, InvoiceId};
use chrono::{Datelike, Days, NaiveDate};

use crate::domain::invoice::Payer;
use crate::domain::ledger::{self, NOX_SERIES};
use crate::domain::money::{Ore, from_ore};
use crate::domain::nox::{self, RECALL_VAT_BP, ReferenceRates, price};
use crate::domain::nox_case::{
    Allocation, CaseEvent, CaseFacts, MAX_PAUSE_DAYS, NoxStatus, Reduction, Step,
    accrued_interest_ore, allowed_from, kept_of_collection, next_step, payout_split,
};
use crate::error::{AppError, AppResult, OrNotFound};
use crate::services::nox::{announce, assess_with, record};
use crate::state::AppState;
use crate::store::invoices::Holder;
use crate::store::invoices::Invoice;
use crate::store::jobs::{self, Job, Task};
use crate::store::ledger::{self as books, Entries, Refs, book};
use crate::store::nox::Case;
use crate::store::nox::{self as store, CaseChange, CaseMoney};
use crate::store::outbox;
use crate::store::outbox::Ordered;
use crate::store::{Operator, Tenant, invoices};

fn morning(state: &AppState, day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    crate::domain::time::stockholm_instant(day, state.settings.payout_hour)
}

fn is_business(c: Option<&crate::store::customers::Customer>) -> bool {
    use crate::domain::identifiers::{IdentityKind, identity_kind_of_normalised};
    c.and_then(|c| c.organisation_number.as_deref())
        .is_some_and(|n| identity_kind_of_normalised(n) == IdentityKind::Organisation)
}

fn facts(
    inv: &Invoice,
    c: Option<&crate::store::customers::Customer>,
    case: &Case,
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

/// Loads the case a job acts on, locked, as the job's company.
async fn load_locked(txn: &Ordered, job: &Job, case: CaseId) -> AppResult<Option<(Tenant, Case)>> {
    let case = store::locked(txn, job.tenant, case).await?;
    Ok(case.map(|c| (job.tenant, c)))
}

/// Charges a Nox Finans fee to the company: a statement entry and a voucher
/// now; it is set off against the next Nox Finans payout, or invoiced on the
/// first of next month if no payout covers it.
async fn charge_company_fee(
    txn: &Ordered,
    state: &AppState,
    tenant: Tenant,
    invoice_id: InvoiceId,
    description: String,
    fee_ore: Ore,
    vat_ore: Ore,
) -> AppResult<()> {
    if (fee_ore + vat_ore).is_zero() {
        return Ok(());
    }
    let now = state.clock.now();
    let today = state.clock.today();
    let (line, voucher) = ledger::nox_fee(description, fee_ore, vat_ore);
    let lines = [line];
    let entries = Entries::new(NOX_SERIES, &lines, &voucher);
    book(txn, tenant, entries, today, Refs::invoice(invoice_id), now).await?;
    books::add_nox_fees_due(txn, tenant, fee_ore + vat_ore).await?;
    let first_of_next = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
        .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
        .unwrap_or(today);
    jobs::schedule_once(
        txn,
        tenant,
        Task::NoxFeeInvoice(tenant.company_id()),
        morning(state, first_of_next),
        now,
    )
    .await
}
