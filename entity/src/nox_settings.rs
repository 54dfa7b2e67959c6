//! A company's Nox Finans settings.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "nox_settings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub company_id: i64,
    /// Terms-of-payment codes active in Nox Finans, comma-separated.
    pub active_terms: String,
    /// `LETTER` or `EMAIL`.
    pub default_delivery: String,
    /// Recall instead of long-term monitoring at the end of the reminder steps.
    pub recall_instead_of_monitoring: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
