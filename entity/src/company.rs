//! A business that invoices its customers: the tenant every other row belongs to.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "company")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    /// Normalised `NNNNNN-NNNN`, unique.
    #[sea_orm(unique)]
    pub organisation_number: String,
    /// Next invoice number to hand out; bumped inside the creating transaction.
    pub next_invoice_number: i64,
    /// Next generated customer number.
    pub next_customer_number: i64,
    /// Next voucher number.
    pub next_voucher_number: i64,
    /// Balance of the payments account (client funds), kept with each entry.
    pub payments_balance_ore: i64,
    /// Nox Finans fees charged and not yet set off against a payout or invoiced.
    pub nox_fees_due_ore: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
