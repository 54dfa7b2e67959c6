//! An API token, stored as the SHA-256 hash of its secret, never in plain text.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The company a `company` token acts for; `None` for operators.
    pub company_id: Option<i64>,
    /// `company` or `operator`.
    pub role: String,
    /// Lower-case hex SHA-256 of the token secret.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub label: String,
    pub created_at: DateTimeUtc,
    /// After this instant the token is refused; `None`: it does not expire.
    pub expires_at: Option<DateTimeUtc>,
    /// When it was revoked; a revoked token is refused.
    pub revoked_at: Option<DateTimeUtc>,
    /// When it was last seen (updated at most once a minute).
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
