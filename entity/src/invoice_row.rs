//! One row of an invoice.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_row")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub invoice_id: i64,
    pub position: i32,
    pub description: String,
    /// Quantity in thousandths (1.5 = 1500).
    pub quantity_milli: i64,
    pub unit_price_ore: i64,
    /// VAT rate in basis points (25 % = 2500).
    pub vat_rate_bp: i64,
    /// Net amount of the row, rounded to öre.
    pub amount_ore: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
