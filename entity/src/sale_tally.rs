//! A company's bought sales as running totals (migration 12): kept by the
//! store in the transaction that approves a sale or records a collection.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sale_tally")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub company_id: i64,
    /// Sales approved (and perhaps paid out).
    pub bought_sales: i64,
    /// Their amounts, in öre.
    pub bought_ore: i64,
    /// Their amounts less what the financier has collected, in öre.
    pub outstanding_ore: i64,
    /// The amounts of the sales being decided (processing or in a spot
    /// check), in öre (migration 19).
    pub deciding_ore: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
