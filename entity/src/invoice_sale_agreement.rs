//! A company's invoice-sale agreement: fee terms and limits, set by an operator.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_sale_agreement")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub company_id: i64,
    pub active: bool,
    pub fixed_fee_ore: i64,
    /// Factoring fee in basis points (290 = 2.90 %).
    pub percentage_bp: i64,
    pub minimum_fee_ore: i64,
    pub customer_limit_ore: i64,
    pub total_limit_ore: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
