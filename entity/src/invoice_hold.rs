//! Which service holds an invoice: a sale in progress or made, or an open Nox
//! Finans case. One row per invoice (a unique column), so two services can
//! never hold the same invoice, however requests race.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_hold")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub invoice_id: i64,
    pub company_id: i64,
    /// `SALE` or `NOX_FINANS`.
    pub holder: String,
    /// The sale's or the case's id.
    pub holder_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
