//! An immutable entry on a company's payments account (Kontoutdrag).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "statement_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub booked_on: Date,
    pub kind: String,
    pub description: String,
    /// Into the account (+) or out of it (−).
    pub amount_ore: i64,
    /// The account balance after this entry.
    pub balance_after_ore: i64,
    pub invoice_id: Option<i64>,
    pub sale_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
