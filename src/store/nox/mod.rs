//! Nox Finans settings, hidden send-view rows and cases of the tenant.

use crate::domain::id::{CaseId, CompanyId, CustomerId, InvoiceId};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{nox_hidden, nox_settings};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select, Set,
};

use super::page::Listing;
use super::{Operator, Tenant, companies};
use crate::domain::money::Ore;
use crate::domain::nox::{Delivery, Service};
use crate::domain::nox_case::NoxStatus;
use crate::error::AppResult;

pub(super) mod cases;
mod send_view;

pub use cases::{
    CaseChange, CaseMoney, NewCase, add_money, cases_of, insert_case, locked, open_case_locked,
    open_case_of, raise_claim, take_payout, transition,
};
pub use send_view::{
    CandidateFilter, SendViewPage, SendViewRow, ViewSettings, send_view, send_view_count,
};

record!(
    /// An invoice handed to Nox Finans, and where its collection stands.
    Case try_from entity::nox_case::Model {
        /// Its id.
        id: CaseId,
        /// The company that handed it over.
        company_id: CompanyId,
        /// The invoice.
        invoice_id: InvoiceId,
        /// Its customer.
        customer_id: CustomerId,
        /// The service it was handed to.
        service: Service as stored,
        /// How Nox Finans delivers it.
        delivery: Delivery as stored,
        /// Where its collection stands.
        status: NoxStatus as stored,
        /// The client's key: the same key hands over once.
        idempotency_key: String,
        /// When it was handed over.
        submitted_at: DateTime<Utc>,
        /// Paused until this date.
        paused_until: Option<NaiveDate>,
        /// The timeline's next step.
        next_event: Option<String>,
        /// When the next step falls due.
        next_event_date: Option<NaiveDate>,
        /// Capital outstanding, in öre.
        capital_ore: Ore,
        /// The customer's fees charged so far, in öre.
        fees_ore: Ore,
        /// Collected and not yet paid out, in öre.
        payout_pending_ore: Ore,
        /// When it was closed.
        closed_at: Option<DateTime<Utc>>,
        /// The capital claimed, in öre.
        claim_ore: Ore,
        /// Capital collected, in öre.
        capital_collected_ore: Ore,
        /// Fees collected, in öre.
        fees_collected_ore: Ore,
        /// Interest collected, in öre.
        interest_collected_ore: Ore,
        /// Kept by Nox Finans, in öre.
        kept_ore: Ore,
        /// Paid out to the company, in öre.
        paid_out_ore: Ore,
        /// Recall the invoice instead of long-term monitoring.
        recall_instead_of_monitoring: bool,
        /// Days of pause used (at most 60 per case).
        pause_days_used: i32,
        /// Why Nox Finans rejected the invoice.
        rejection_reason: Option<String>,
    }
);

crate::keyed_by_id!(entity::nox_case::Model, Case);

/// Cases handed over and not yet accepted or rejected by Nox Finans, of every
/// company or of `company`, oldest first (operator, acting for Nox Finans).
pub fn submitted(_op: Operator, company: Option<CompanyId>) -> Listing<Case> {
    use entity::nox_case::{Column, Entity};
    let mut select = Entity::find().filter(super::record::stored_in(
        "nox_case.status",
        &[NoxStatus::Submitted.as_str()],
    ));
    if let Some(company) = company {
        select = select.filter(Column::CompanyId.eq(company));
    }
    Listing::keyset(select, Column::Id, false)
}

/// A company's Nox Finans settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoxSettings {
    /// Active terms-of-payment codes.
    pub active_terms: Vec<String>,
    /// How invoices are delivered unless the hand-over says otherwise.
    pub default_delivery: Delivery,
    /// Recall instead of long-term monitoring at the end of the reminder steps.
    pub recall_instead_of_monitoring: bool,
}

/// The tenant's settings; without a saved row, every term except cash (`0`) is
/// active and delivery is by letter.
pub async fn settings<C: ConnectionTrait>(db: &C, tenant: Tenant) -> AppResult<NoxSettings> {
    let row = nox_settings::Entity::find()
        .filter(nox_settings::Column::CompanyId.eq(tenant.company_id()))
        .one(db)
        .await?;
    Ok(match row {
        Some(r) => NoxSettings {
            active_terms: stored_terms(&r.active_terms),
            default_delivery: stored_delivery(r.default_delivery)?,
            recall_instead_of_monitoring: r.recall_instead_of_monitoring,
        },
        None => NoxSettings {
            active_terms: companies::terms(db, tenant)
                .await?
                .into_iter()
                .filter(|t| t.days > 0)
                .map(|t| t.code)
                .collect(),
            default_delivery: Delivery::Letter,
            recall_instead_of_monitoring: false,
        },
    })
}

/// Terms-of-payment codes as stored: joined with commas (the send view's
/// statement also sets them between commas).
fn stored_terms(joined: &str) -> Vec<String> {
    joined
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A delivery as stored.
fn stored_delivery(name: String) -> AppResult<Delivery> {
    crate::store::record::stored("NoxSettings", "default_delivery", name)
}

/// Saves the tenant's settings.
pub async fn save_settings<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    s: &NoxSettings,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let existing = nox_settings::Entity::find()
        .filter(nox_settings::Column::CompanyId.eq(tenant.company_id()))
        .one(db)
        .await?;
    let terms = s.active_terms.join(",");
    match existing {
        Some(row) => {
            let mut am: nox_settings::ActiveModel = row.into();
            am.active_terms = Set(terms);
            am.default_delivery = Set(s.default_delivery.as_str().to_string());
            am.recall_instead_of_monitoring = Set(s.recall_instead_of_monitoring);
            am.updated_at = Set(now);
            am.update(db).await?;
        }
        None => {
            nox_settings::ActiveModel {
                company_id: Set(tenant.company_id().get()),
                active_terms: Set(terms),
                default_delivery: Set(s.default_delivery.as_str().to_string()),
                recall_instead_of_monitoring: Set(s.recall_instead_of_monitoring),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// Whether the tenant has hidden `invoice_id` from the send view: one row
/// looked up, however many the company has hidden.
pub async fn is_hidden<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: InvoiceId,
) -> AppResult<bool> {
    Ok(nox_hidden::Entity::find()
        .filter(nox_hidden::Column::CompanyId.eq(tenant.company_id()))
        .filter(nox_hidden::Column::InvoiceId.eq(invoice_id))
        .one(db)
        .await?
        .is_some())
}

/// Hides or unhides one of the tenant's invoices (the caller has checked it is
/// the tenant's).
pub async fn set_hidden<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    invoice_id: InvoiceId,
    hide: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    nox_hidden::Entity::delete_many()
        .filter(nox_hidden::Column::CompanyId.eq(tenant.company_id()))
        .filter(nox_hidden::Column::InvoiceId.eq(invoice_id))
        .exec(db)
        .await?;
    if hide {
        nox_hidden::ActiveModel {
            company_id: Set(tenant.company_id().get()),
            invoice_id: Set(invoice_id.get()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
