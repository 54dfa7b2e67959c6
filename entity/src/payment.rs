//! A payment registered against an invoice.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub invoice_id: i64,
    pub amount_ore: i64,
    pub paid_on: Date,
    /// `CUSTOMER`, `NOX_FINANS` (the customer through Nox Finans), `SKATTEVERKET`
    /// or `CREDIT_NOTE`.
    pub payer: String,
    /// The client's key: a retry records nothing twice.
    pub idempotency_key: Option<String>,
    /// The part that paid the invoice.
    pub capital_ore: i64,
    /// The part that paid the customer's reminder and collection fees.
    pub fees_ore: i64,
    /// The part that paid late-payment interest.
    pub interest_ore: i64,
    /// The credit note that made a `CREDIT_NOTE` payment.
    pub credit_note_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
