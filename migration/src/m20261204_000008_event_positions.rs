//! Event positions: the order subscribers receive events in, assigned after
//! the events commit (see `store::outbox::sequence`), so writers no longer
//! commit one at a time. Events written before this migration keep their
//! `seq` as their position, so cursors clients hold stay valid.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxEvent {
    Table,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(OutboxEvent::Table)
                .add_column(big_integer_null(OutboxEvent::Position))
                .take(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared("UPDATE outbox_event SET position = seq")
            .await?;
        m.create_index(
            Index::create()
                .name("ux_outbox_event_position")
                .table(OutboxEvent::Table)
                .col(OutboxEvent::Position)
                .unique()
                .take(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_outbox_company_position ON outbox_event (company_id, position)",
            )
            .await?;
        // The sequencer's scan: only events still waiting for a position.
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_outbox_event_unpositioned ON outbox_event (seq) \
                 WHERE position IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX ix_outbox_event_unpositioned")
            .await?;
        m.get_connection()
            .execute_unprepared("DROP INDEX ix_outbox_company_position")
            .await?;
        m.drop_index(
            Index::drop()
                .name("ux_outbox_event_position")
                .table(OutboxEvent::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OutboxEvent::Table)
                .drop_column(OutboxEvent::Position)
                .take(),
        )
        .await?;
        Ok(())
    }
}
