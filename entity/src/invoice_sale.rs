//! The sale of one invoice to the financier, from request to payout.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_sale")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub invoice_id: i64,
    pub customer_id: i64,
    /// PROCESSING, SPOT_CHECK, APPROVED, DENIED, PAID_OUT.
    pub status: String,
    pub amount_ore: i64,
    pub invoice_fee_ore: i64,
    pub factoring_fee_ore: i64,
    pub total_fees_ore: i64,
    pub payout_ore: i64,
    /// Factoring percentage of the quote, in basis points (for the fee text).
    pub percentage_bp: i64,
    pub quote_id: String,
    pub idempotency_key: String,
    pub requested_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub payout_date: Option<Date>,
    pub paid_out_at: Option<DateTimeUtc>,
    pub spot_check_rule: Option<String>,
    /// CONFIRMED, DISPUTED, NO_ANSWER.
    pub spot_check_outcome: Option<String>,
    pub spot_check_note: Option<String>,
    pub spot_check_resolved_at: Option<DateTimeUtc>,
    pub spot_check_deadline: Option<DateTimeUtc>,
    pub denial_code: Option<String>,
    pub denial_message: Option<String>,
    /// What the financier has collected from the customer.
    pub collected_ore: i64,
    /// The invoice's due date, copied when sold (an invoice on sale cannot
    /// change).
    pub due_date: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
