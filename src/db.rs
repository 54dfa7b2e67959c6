//! Connecting, migrating and starting write transactions, on SQLite or PostgreSQL.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};

/// Opens a pool on `url`. On SQLite the file is created when missing, runs in WAL
/// mode with foreign keys on and a busy timeout, so that IMMEDIATE write
/// transactions wait for each other instead of failing.
///
/// On PostgreSQL each connection plans a prepared statement once
/// (`plan_cache_mode = force_generic_plan`) instead of choosing, statement by
/// statement, between one generic plan and planning afresh for the bound
/// values. The server's statements are short tenant-scoped reads and writes
/// whose best plan does not depend on the values (an id, a company, a
/// keyset cursor; page limits are written into the text, see
/// [`crate::store::page::limited`]), but PostgreSQL's default picks a custom
/// plan whenever the company's own row estimate makes it look a little
/// cheaper: for an invoice page that was 0.35 ms of planning ahead of
/// 0.18 ms of execution, for every page of every company larger than
/// average. A `DATABASE_URL` that sets `options=-c plan_cache_mode=...`
/// itself keeps its own choice. Connections also read backslashes in string
/// literals literally (`standard_conforming_strings = on`, PostgreSQL's
/// default), which the few values the store writes into its SQL as quoted
/// literals rely on.
///
/// A PostgreSQL pool holds up to `DATABASE_POOL_SIZE` connections at its
/// default; [`connect_sized`] takes another size.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_sized(url, crate::config::Settings::defaults().database_pool_size).await
}

/// [`connect`] with at most `pool_size` connections to PostgreSQL (SQLite's
/// pool keeps 8: one writer at a time, readers beside it).
pub async fn connect_sized(url: &str, pool_size: u32) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10))
        // A pooled connection is pinged before use only after it sat idle
        // for this long: a busy server's statements then cost one round
        // trip, not two (sqlx pings on every acquire by default), and a
        // connection the database dropped while idle is still replaced.
        .test_before_acquire_if_idle_for(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        opts.max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(30))
            });
    } else {
        opts.max_connections(pool_size.max(1)).min_connections(1);
        // Backslashes in string literals are literal characters, whatever
        // the server's default: the store writes a few values into its SQL
        // (a search's pattern, stored names) as quoted literals.
        let mut options = vec![("standard_conforming_strings", "on")];
        if !url.contains("plan_cache_mode") {
            options.push(("plan_cache_mode", "force_generic_plan"));
        }
        opts.map_sqlx_postgres_opts(move |o| o.options(options.clone()));
    }
    Database::connect(opts).await
}

/// Applies every pending migration. On SQLite they run in one transaction on
/// one connection: a migration that drops and recreates a table or index must
/// not have its next statement land on another pooled connection that still
/// reads the old schema (and SQLite's DDL is transactional, so a failed
/// migration leaves nothing half done). PostgreSQL migrations run one
/// transaction each.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        let txn = begin_write(db).await?;
        Migrator::up(&txn, None).await?;
        txn.commit().await
    } else {
        Migrator::up(db, None).await
    }
}

/// Rolls back the last `steps` migrations, on SQLite in one transaction on
/// one connection, as [`migrate`] applies them.
pub async fn migrate_down(db: &DatabaseConnection, steps: u32) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        let txn = begin_write(db).await?;
        Migrator::down(&txn, Some(steps)).await?;
        txn.commit().await
    } else {
        Migrator::down(db, Some(steps)).await
    }
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the
/// write lock is taken at once, so a read-then-write transaction never fails with
/// SQLITE_BUSY halfway; concurrent writers queue on the busy timeout instead.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let opts = TransactionOptions {
        sqlite_transaction_mode: (db.get_database_backend() == DbBackend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    db.begin_with_options(opts).await
}

/// Whether the database answers.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.ping().await
}
