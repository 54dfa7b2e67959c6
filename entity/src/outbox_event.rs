//! The transactional outbox: every event, written with the change it reports,
//! ordered by `seq`. Subscriptions read it as the truth.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub company_id: i64,
    /// `INVOICE_SALE`, `NOTIFICATION`, …
    pub topic: String,
    /// Event kind within the topic, e.g. `APPROVED`.
    pub kind: String,
    pub invoice_id: Option<i64>,
    /// The sale, notification, … the event is about.
    pub subject_id: i64,
    pub message: String,
    /// When it happened, by the app clock.
    pub at: DateTimeUtc,
    /// Wall-clock insert time in milliseconds.
    pub recorded_ms: i64,
    /// Where subscribers receive it: assigned after commit, in the order
    /// events became visible (`None` until then).
    pub position: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
