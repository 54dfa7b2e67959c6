//! Schema migrations of invoice-finance. The same code creates the tables on SQLite
//! and on PostgreSQL; amounts are integer öre columns on both (see `entity`).

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_foundation;
mod m20261122_000002_invoice_sale;
mod m20261122_000003_nox_finans;
mod m20261123_000004_money_closes;
mod m20261123_000005_job_leases;
mod m20261201_000006_invoice_sort;
mod m20261202_000007_safe_deploy;
mod m20261204_000008_event_positions;
mod m20261204_000009_outbox_triggers;
mod m20261204_000010_sale_exposure;
mod m20261205_000011_outbox_wake_after_commit;
mod m20261205_000012_sale_tally;
mod m20261205_000013_event_history_index;
mod m20261205_000014_rare_invoice_states;
mod m20261205_000015_sale_due_date;
mod m20261205_000016_invoice_search;
mod m20261205_000017_live_job_index;
mod m20261205_000018_recipient_tally;
mod m20261205_000019_tally_in_progress;
mod m20261206_000020_credit_note_payment;
mod m20261207_000021_name_search_and_sort;
mod m20261207_000022_nox_submissions;
mod m20261207_000023_invoice_ocr;
mod m20261207_000024_customer_sort;

/// Runs `statements` one after another on the migration's connection.
async fn run_all(m: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for sql in statements {
        m.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

/// The PostgreSQL channel on which an event hub's sequencer pass wakes every
/// instance's hub, and the hubs listen on.
pub const OUTBOX_CHANNEL: &str = "invoice_finance_outbox";

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_invoice_sale::Migration),
            Box::new(m20261122_000003_nox_finans::Migration),
            Box::new(m20261123_000004_money_closes::Migration),
            Box::new(m20261123_000005_job_leases::Migration),
            Box::new(m20261201_000006_invoice_sort::Migration),
            Box::new(m20261202_000007_safe_deploy::Migration),
            Box::new(m20261204_000008_event_positions::Migration),
            Box::new(m20261204_000009_outbox_triggers::Migration),
            Box::new(m20261204_000010_sale_exposure::Migration),
            Box::new(m20261205_000011_outbox_wake_after_commit::Migration),
            Box::new(m20261205_000012_sale_tally::Migration),
            Box::new(m20261205_000013_event_history_index::Migration),
            Box::new(m20261205_000014_rare_invoice_states::Migration),
            Box::new(m20261205_000015_sale_due_date::Migration),
            Box::new(m20261205_000016_invoice_search::Migration),
            Box::new(m20261205_000017_live_job_index::Migration),
            Box::new(m20261205_000018_recipient_tally::Migration),
            Box::new(m20261205_000019_tally_in_progress::Migration),
            Box::new(m20261206_000020_credit_note_payment::Migration),
            Box::new(m20261207_000021_name_search_and_sort::Migration),
            Box::new(m20261207_000022_nox_submissions::Migration),
            Box::new(m20261207_000023_invoice_ocr::Migration),
            Box::new(m20261207_000024_customer_sort::Migration),
        ]
    }
}
