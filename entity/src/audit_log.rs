//! One operator action: who, when, what, and the values before and after.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    /// The token that acted; `None` for the server itself (CLI).
    pub token_id: Option<i64>,
    /// The token's label at the time, so the entry reads well after a revocation.
    pub token_label: String,
    /// What was done, e.g. `ACTIVATE_AGREEMENT`.
    pub action: String,
    /// The company concerned, if any.
    pub company_id: Option<i64>,
    /// What was acted on, e.g. `InvoiceSale:42`.
    pub subject: String,
    /// JSON of the values before the action.
    pub before: Option<String>,
    /// JSON of the values after the action.
    pub after: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
