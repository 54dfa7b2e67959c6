//! Names in a form for the searches, and keys that sort them in Swedish
//! alphabetical order, beyond ASCII.
//!
//! The customer search and the invoice list's search compared `LOWER(name)`
//! with the text sought, lower-cased. SQLite's `LOWER` (and PostgreSQL's
//! under the `C` locale) changes only the letters A to Z, so "Åsa Öberg"
//! stayed as it was and a search for "åsa" or "öberg" found nothing. The
//! list sorted by `COALESCE(customer_name, '')` in the database's collation:
//! on SQLite and under `C`, lower-case names after every upper-case one, and
//! Ä before Å.
//!
//! `customer.name_search` and `invoice.customer_name_search` hold the name
//! lower-cased and without accents but Å, Ä and Ö's
//! ([`entity::text::search_form`]), `invoice.customer_name_sort` its
//! key in Swedish alphabetical order ([`entity::text::sort_key`]; `COLLATE
//! "C"` on PostgreSQL, so that its bytes decide), all written by the store
//! with the name. `up` fills them for the rows there are: `LOWER` in the
//! database for every row, then the server's own function where that wrote
//! something else, a page of rows at a time.
//!
//! The invoice search's trigram index on the printed name (migration 16,
//! PostgreSQL with `pg_trgm`) and the customer-name sort index (migration 6)
//! move to the new columns.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A column derived from another of its table.
pub(crate) struct Derived {
    pub(crate) table: &'static str,
    pub(crate) from: &'static str,
    pub(crate) column: &'static str,
    /// Its type.
    pub(crate) ty: &'static str,
    /// Whether it compares byte by byte on PostgreSQL (`COLLATE "C"`).
    pub(crate) bytewise: bool,
    /// Its value without a name.
    pub(crate) none: Option<&'static str>,
    /// Its value from a name.
    pub(crate) of: fn(&str) -> String,
}

/// The search form of `table`'s `from`, as `column`.
const fn search_form_of(table: &'static str, from: &'static str, column: &'static str) -> Derived {
    Derived {
        table,
        from,
        column,
        ty: "TEXT",
        bytewise: false,
        none: None,
        of: entity::text::search_form,
    }
}

const DERIVED: [Derived; 3] = [
    search_form_of("customer", "name", "name_search"),
    search_form_of("invoice", "customer_name", "customer_name_search"),
    Derived {
        table: "invoice",
        from: "customer_name",
        column: "customer_name_sort",
        ty: "TEXT NOT NULL DEFAULT ''",
        bytewise: true,
        none: Some(""),
        of: entity::text::sort_key,
    },
];

/// Rows read per page while deriving.
const PAGE: i64 = 5_000;

const SEARCH_INDEX_UP: &str = "DO $$ BEGIN \
     IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN \
       DROP INDEX IF EXISTS ix_invoice_search_name; \
       CREATE INDEX ix_invoice_search_name ON invoice USING gin (customer_name_search gin_trgm_ops); \
     END IF; \
     END $$";

const SEARCH_INDEX_DOWN: &str = "DO $$ BEGIN \
     IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN \
       DROP INDEX IF EXISTS ix_invoice_search_name; \
       CREATE INDEX ix_invoice_search_name ON invoice USING gin (LOWER(customer_name) gin_trgm_ops); \
     END IF; \
     END $$";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let pg = m.get_database_backend() == DbBackend::Postgres;
        for d in &DERIVED {
            add_derived(m, d).await?;
        }
        crate::run_all(
            m,
            &[
                "DROP INDEX ix_invoice_sort_customer_name",
                "CREATE INDEX ix_invoice_sort_customer_name \
                 ON invoice (company_id, customer_name_sort, id)",
            ],
        )
        .await?;
        if pg {
            crate::run_all(m, &[SEARCH_INDEX_UP, "ANALYZE invoice"]).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(SEARCH_INDEX_DOWN)
                .await?;
        }
        crate::run_all(
            m,
            &[
                "DROP INDEX ix_invoice_sort_customer_name",
                "CREATE INDEX ix_invoice_sort_customer_name \
                 ON invoice (company_id, (COALESCE(customer_name, '')), id)",
            ],
        )
        .await?;
        for d in &DERIVED {
            let (table, column) = (d.table, d.column);
            crate::run_all(m, &[&format!("ALTER TABLE {table} DROP COLUMN {column}")]).await?;
        }
        Ok(())
    }
}

/// Adds the column `d` and fills it for the rows there are.
pub(crate) async fn add_derived(m: &SchemaManager<'_>, d: &Derived) -> Result<(), DbErr> {
    let pg = m.get_database_backend() == DbBackend::Postgres;
    let collate = if pg && d.bytewise {
        " COLLATE \"C\""
    } else {
        ""
    };
    let (table, from, column, ty) = (d.table, d.from, d.column, d.ty);
    let default = d.none.map_or("NULL".to_string(), |v| format!("'{v}'"));
    crate::run_all(
        m,
        &[
            &format!("ALTER TABLE {table} ADD COLUMN {column} {ty}{collate}"),
            &format!("UPDATE {table} SET {column} = COALESCE(LOWER({from}), {default})"),
        ],
    )
    .await?;
    derive_where_sql_differs(m, d).await
}

/// Writes the server's value of `d` wherever the database's `LOWER` wrote
/// another (letters beyond ASCII, accents, and the sort key's Å, Ä and Ö),
/// reading the table a page at a time by id.
async fn derive_where_sql_differs(m: &SchemaManager<'_>, d: &Derived) -> Result<(), DbErr> {
    let db = m.get_connection();
    let backend = m.get_database_backend();
    let (table, from, column) = (d.table, d.from, d.column);
    let mut after = 0_i64;
    loop {
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT id, {from}, {column} FROM {table} WHERE id > {after} \
                     AND {from} IS NOT NULL ORDER BY id LIMIT {PAGE}"
                ),
            ))
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.try_get_by_index::<i64>(0)?;
        for row in &rows {
            let name: String = row.try_get_by_index(1)?;
            let stored: String = row.try_get_by_index(2)?;
            let derived = (d.of)(&name);
            if derived != stored {
                let id: i64 = row.try_get_by_index(0)?;
                let update = Query::update()
                    .table(Alias::new(table))
                    .value(Alias::new(column), derived)
                    .and_where(Expr::col(Alias::new("id")).eq(id))
                    .to_owned();
                m.exec_stmt(update).await?;
            }
        }
    }
}
