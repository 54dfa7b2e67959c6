//! An invoice handed to Nox Finans, from submission to paid or recalled.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nox_case")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    /// At most one open case per invoice (a partial unique index).
    pub invoice_id: i64,
    pub customer_id: i64,
    /// `INVOICE_SERVICE` or `REMINDER_SERVICE`.
    pub service: String,
    /// `LETTER` or `EMAIL`.
    pub delivery: String,
    /// SUBMITTED, REJECTED, ACCEPTED, DELIVERED, OVERDUE_NOTICE_SENT,
    /// REMINDER_SENT, DEBT_COLLECTION, LONG_TERM_MONITORING, PAID, RECALLED.
    pub status: String,
    pub idempotency_key: String,
    pub submitted_at: DateTimeUtc,
    pub paused_until: Option<Date>,
    pub next_event: Option<String>,
    pub next_event_date: Option<Date>,
    /// What the customer still owes of the invoice.
    pub capital_ore: i64,
    /// Reminder and collection fees the customer owes.
    pub fees_ore: i64,
    /// Collected money booked on the payments account and not yet paid out.
    pub payout_pending_ore: i64,
    pub closed_at: Option<DateTimeUtc>,
    /// The customer's part of the invoice when it was handed over.
    pub claim_ore: i64,
    /// Collected through Nox Finans: towards the invoice.
    pub capital_collected_ore: i64,
    /// Collected through Nox Finans: the customer's fees.
    pub fees_collected_ore: i64,
    /// Collected through Nox Finans: late-payment interest.
    pub interest_collected_ore: i64,
    /// Kept by Nox Finans from collections (long-term monitoring's share).
    pub kept_ore: i64,
    /// Paid out to the company.
    pub paid_out_ore: i64,
    /// At the end of the reminder steps, recall instead of long-term monitoring.
    pub recall_instead_of_monitoring: bool,
    /// Days of pause used (at most 60 per case).
    pub pause_days_used: i32,
    /// Why Nox Finans rejected the invoice.
    pub rejection_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
