//! Writers no longer send the outbox's wake-up from inside their
//! transaction: the statement trigger of migration 9 goes on PostgreSQL.
//!
//! A transaction that has called `NOTIFY` takes a lock on the whole database
//! as it commits and holds it until its commit record is flushed, so every
//! transaction that recorded an event committed one after another, each
//! waiting out the flush of the one before it, where they could share one
//! flush. The instance that commits now wakes its own event hub after the
//! commit (`store::outbox::Ordered::commit`); the hub's sequencer pass, one
//! at a time, gives the events their positions and sends the one `NOTIFY`
//! that wakes the other instances. SQLite's position trigger stays.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::m20261204_000009_outbox_triggers as m9;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            m9::drop_notify(m.get_connection()).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            m9::create_notify(m.get_connection()).await?;
        }
        Ok(())
    }
}
