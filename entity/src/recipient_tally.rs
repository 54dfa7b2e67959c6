//! Each recipient's bought sales as a running total (migration 18): kept by
//! the store in the transaction that approves a sale or records a
//! collection, next to its company's `sale_tally`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recipient_tally")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub customer_id: i64,
    /// The recipient's bought sales less what the financier has collected,
    /// in öre.
    pub outstanding_ore: i64,
    /// The amounts of the recipient's sales being decided, in öre
    /// (migration 19).
    pub deciding_ore: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
