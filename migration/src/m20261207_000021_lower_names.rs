//! Names lower-cased for the searches, beyond ASCII.
//!
//! The customer search and the invoice list's search compared `LOWER(name)`
//! with the text sought, lower-cased. SQLite's `LOWER` (and PostgreSQL's
//! under the `C` locale) changes only the letters A to Z, so "Åsa Öberg"
//! stayed as it was and a search for "åsa" or "öberg" found nothing.
//!
//! `customer.name_lower` and `invoice.customer_name_lower` hold the name
//! lower-cased by the server (Rust's `str::to_lowercase`, the same that
//! lower-cases the text sought), written with the name. `up` fills them for
//! the rows there are: `LOWER` in the database for every row, then the
//! server's own lower-casing where that wrote something else (letters
//! beyond ASCII on SQLite), a page of rows at a time.
//!
//! On PostgreSQL the invoice search's trigram index on the printed name
//! (migration 16) moves to the new column, where `pg_trgm` is installed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables and the name column each lower-cases, with its new column.
const NAMES: [(&str, &str, &str); 2] = [
    ("customer", "name", "name_lower"),
    ("invoice", "customer_name", "customer_name_lower"),
];

/// Rows read per page while lower-casing.
const PAGE: i64 = 5_000;

const INDEX_UP: &str = "DO $$ BEGIN \
     IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN \
       DROP INDEX IF EXISTS ix_invoice_search_name; \
       CREATE INDEX ix_invoice_search_name ON invoice USING gin (customer_name_lower gin_trgm_ops); \
       ANALYZE invoice; \
     END IF; \
     END $$";

const INDEX_DOWN: &str = "DO $$ BEGIN \
     IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN \
       DROP INDEX IF EXISTS ix_invoice_search_name; \
       CREATE INDEX ix_invoice_search_name ON invoice USING gin (LOWER(customer_name) gin_trgm_ops); \
     END IF; \
     END $$";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, name, lower) in NAMES {
            crate::run_all(
                m,
                &[
                    &format!("ALTER TABLE {table} ADD COLUMN {lower} TEXT"),
                    &format!("UPDATE {table} SET {lower} = LOWER({name})"),
                ],
            )
            .await?;
            lower_beyond_ascii(m, table, name, lower).await?;
        }
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection().execute_unprepared(INDEX_UP).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection().execute_unprepared(INDEX_DOWN).await?;
        }
        for (table, _, lower) in NAMES {
            crate::run_all(m, &[&format!("ALTER TABLE {table} DROP COLUMN {lower}")]).await?;
        }
        Ok(())
    }
}

/// Writes `to_lowercase` of `name` into `lower` wherever the database's
/// `LOWER` wrote something else (letters beyond ASCII), reading the table a
/// page at a time by id.
async fn lower_beyond_ascii(
    m: &SchemaManager<'_>,
    table: &str,
    name: &str,
    lower: &str,
) -> Result<(), DbErr> {
    let db = m.get_connection();
    let backend = m.get_database_backend();
    let mut after = 0_i64;
    loop {
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT id, {name}, {lower} FROM {table} WHERE id > {after} \
                     AND {name} IS NOT NULL ORDER BY id LIMIT {PAGE}"
                ),
            ))
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get_by_index::<i64>(0)?;
        for row in &rows {
            let value: String = row.try_get_by_index(1)?;
            let stored: String = row.try_get_by_index(2)?;
            let folded = value.to_lowercase();
            if folded != stored {
                let id: i64 = row.try_get_by_index(0)?;
                let update = Query::update()
                    .table(Alias::new(table))
                    .value(Alias::new(lower), folded)
                    .and_where(Expr::col(Alias::new("id")).eq(id))
                    .to_owned();
                m.exec_stmt(update).await?;
            }
        }
    }
}
