//! An invoice handed to Nox Finans, from submission to paid or recalled.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nox_case")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    #[sea_orm(unique)]
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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
