//! The database itself finishes an event's insert, so a transaction that
//! records events sends no statement for it besides the insert: on
//! PostgreSQL a statement-level trigger sends the wake-up (`pg_notify` on the
//! channel the event hubs listen on, delivered at commit, never for a
//! rolled-back transaction); on SQLite, which has one writer at a time, a row
//! trigger gives each event its `seq` as its position.
//!
//! Migration 11 drops the PostgreSQL trigger again: a `NOTIFY` makes every
//! writer's commit wait for the one before it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

use crate::OUTBOX_CHANNEL as CHANNEL;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => create_notify(db).await?,
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER outbox_event_position AFTER INSERT ON outbox_event \
                     FOR EACH ROW WHEN NEW.position IS NULL BEGIN \
                     UPDATE outbox_event SET position = NEW.seq WHERE seq = NEW.seq; END",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        match db.get_database_backend() {
            DbBackend::Postgres => drop_notify(db).await?,
            _ => {
                db.execute_unprepared("DROP TRIGGER outbox_event_position")
                    .await?;
            }
        }
        Ok(())
    }
}

/// PostgreSQL: the statement trigger that sends the wake-up.
pub(crate) async fn create_notify(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    db.execute_unprepared(&format!(
        "CREATE OR REPLACE FUNCTION outbox_event_notify() RETURNS trigger \
         LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('{CHANNEL}', ''); \
         RETURN NULL; END $$"
    ))
    .await?;
    db.execute_unprepared(
        "CREATE TRIGGER outbox_event_notify AFTER INSERT ON outbox_event \
         FOR EACH STATEMENT EXECUTE FUNCTION outbox_event_notify()",
    )
    .await?;
    Ok(())
}

/// PostgreSQL: drops [`create_notify`]'s trigger and function.
pub(crate) async fn drop_notify(db: &SchemaManagerConnection<'_>) -> Result<(), DbErr> {
    db.execute_unprepared("DROP TRIGGER outbox_event_notify ON outbox_event")
        .await?;
    db.execute_unprepared("DROP FUNCTION outbox_event_notify()")
        .await?;
    Ok(())
}
