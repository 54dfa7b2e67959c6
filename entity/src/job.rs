//! A durable background job, claimed with a lease.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: String,
    pub company_id: i64,
    pub subject_id: i64,
    /// Due time by the app clock, epoch milliseconds.
    pub run_at_ms: i64,
    /// Lease end by the wall clock, epoch milliseconds.
    pub locked_until_ms: Option<i64>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub done: bool,
    /// The token of the current lease: only its holder may finish the job.
    pub lease_token: Option<String>,
    /// Failed too often: left for an operator to look at and retry.
    pub dead: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
