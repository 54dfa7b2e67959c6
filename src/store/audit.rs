//! The audit log of operator actions: who (the token and its label), when,
//! what, on which company and subject, and the values before and after. An
//! entry is written in the transaction of the action it records, so there is
//! never an action without its entry or an entry without its action.

use crate::domain::id::{AuditEntryId, CompanyId, TokenId};
use chrono::{DateTime, Utc};
use entity::{api_token, audit_log};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;

use super::Operator;
use super::page::Listing;
use crate::error::AppResult;

/// What the server calls itself in the log when no token acted (the CLI).
pub const SYSTEM_LABEL: &str = "system (command line)";

/// The actions operators take that the log records.
pub mod action {
    /// A token was issued.
    pub const CREATE_TOKEN: &str = "CREATE_TOKEN";
    /// A token was revoked.
    pub const REVOKE_TOKEN: &str = "REVOKE_TOKEN";
    /// A dead job was given a fresh start.
    pub const RETRY_DEAD_JOB: &str = "RETRY_DEAD_JOB";
    /// A spot check got its outcome.
    pub const RESOLVE_SPOT_CHECK: &str = "RESOLVE_SPOT_CHECK";
    /// The financier's collection on a bought invoice was recorded.
    pub const RECORD_COLLECTION: &str = "RECORD_COLLECTION";
    /// Invoice sale was activated for a company.
    pub const ACTIVATE_INVOICE_SALE: &str = "ACTIVATE_INVOICE_SALE";
    /// Invoice sale was deactivated for a company.
    pub const DEACTIVATE_INVOICE_SALE: &str = "DEACTIVATE_INVOICE_SALE";
    /// A handed-over invoice was rejected on Nox Finans's behalf.
    pub const REJECT_NOX_FINANS_CASE: &str = "REJECT_NOX_FINANS_CASE";
}

/// One action to record.
#[derive(Debug, Clone)]
pub struct Entry {
    /// What was done: one of [`action`].
    pub action: &'static str,
    /// The company concerned.
    pub company_id: Option<CompanyId>,
    /// What was acted on, e.g. `InvoiceSale:42`.
    pub subject: String,
    /// The values before.
    pub before: Option<Value>,
    /// The values after.
    pub after: Option<Value>,
}

/// Writes one entry for the operator `op` (inside the caller's transaction).
pub async fn record<C: ConnectionTrait>(
    db: &C,
    op: Operator,
    entry: Entry,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let label = match op.token_id() {
        Some(id) => api_token::Entity::find_by_id(id.get())
            .one(db)
            .await?
            .map_or_else(|| format!("token {id}"), |t| t.label),
        None => SYSTEM_LABEL.to_string(),
    };
    audit_log::ActiveModel {
        at: Set(now),
        token_id: Set(op.token_id().map(TokenId::get)),
        token_label: Set(label),
        action: Set(entry.action.to_string()),
        company_id: Set(entry.company_id.map(CompanyId::get)),
        subject: Set(entry.subject),
        before: Set(entry.before.map(|v| v.to_string())),
        after: Set(entry.after.map(|v| v.to_string())),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this company's.
    pub company_id: Option<CompanyId>,
    /// Only this action.
    pub action: Option<String>,
}

fn select(filter: &Filter) -> sea_orm::Select<audit_log::Entity> {
    let mut q = audit_log::Entity::find();
    if let Some(c) = filter.company_id {
        q = q.filter(audit_log::Column::CompanyId.eq(c));
    }
    if let Some(a) = &filter.action {
        q = q.filter(audit_log::Column::Action.eq(a.as_str()));
    }
    q
}

record!(
    /// One recorded operator action.
    Recorded from audit_log::Model {
        /// Its id.
        id: AuditEntryId,
        /// When.
        at: DateTime<Utc>,
        /// The token used (`None`: the server itself).
        token_id: Option<TokenId>,
        /// The token's label at the time.
        token_label: String,
        /// One of [`action`].
        action: String,
        /// The company concerned.
        company_id: Option<CompanyId>,
        /// What was acted on, e.g. `InvoiceSale:42`.
        subject: String,
        /// The values before, as JSON text.
        before: Option<String>,
        /// The values after, as JSON text.
        after: Option<String>,
    }
);

/// The entries that `filter` matches, newest first. Operators only.
pub fn listing(_op: Operator, filter: &Filter) -> Listing<Recorded> {
    Listing::keyset(select(filter), audit_log::Column::Id, true)
}

crate::keyed_by_id!(audit_log::Model, Recorded);
