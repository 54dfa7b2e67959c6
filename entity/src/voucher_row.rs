//! One row of a voucher: a BAS account with a debit or a credit.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher_row")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub voucher_id: i64,
    pub account: i32,
    pub debit_ore: i64,
    pub credit_ore: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
