//! Hand-written SQL for the few statements the query builder does not express
//! well (atomic increments with guards, aggregates). Placeholders are written
//! `?` and numbered for PostgreSQL here, in one place.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use crate::domain::money::Ore;
use crate::error::AppResult;

/// `column = TRUE` or `column = FALSE`, the value written into the SQL text
/// rather than bound. PostgreSQL connections keep one generic plan per
/// statement ([`crate::db::connect`]); a bound flag would leave that plan
/// guessing that half the rows match, where unfinished jobs, unread
/// notifications or cancelled invoices are few among many, and an index on
/// the flag is worth walking only when the plan knows which side it reads.
pub fn flag<C: ColumnTrait>(column: C, value: bool) -> Expr {
    use sea_orm::sea_query::ExprTrait;
    Expr::col((column.entity_name(), column)).eq(Expr::cust(if value { "TRUE" } else { "FALSE" }))
}

/// A statement for `db`'s backend from SQL with `?` placeholders.
pub fn stmt<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Statement {
    let backend = db.get_database_backend();
    let sql = if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        out
    } else {
        sql.to_string()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Runs a write; returns the number of rows it changed.
pub async fn exec<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> AppResult<u64> {
    Ok(db.execute_raw(stmt(db, sql, values)).await?.rows_affected())
}

/// Runs a query that returns at most one row.
pub async fn one<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> AppResult<Option<QueryResult>> {
    Ok(db.query_one_raw(stmt(db, sql, values)).await?)
}

/// An `i64` column of a row (aggregates are cast to BIGINT in the SQL).
pub fn int(row: &QueryResult, col: &str) -> AppResult<i64> {
    Ok(row.try_get::<i64>("", col)?)
}

/// An amount column of a row, in öre (sums are cast to BIGINT in the SQL).
pub fn ore(row: &QueryResult, col: &str) -> AppResult<Ore> {
    int(row, col).map(Ore::new)
}

/// What `/metrics` reads from the database when scraped.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueStats {
    /// Jobs not done and not dead.
    pub jobs: i64,
    /// Seconds the oldest due job has waited (0 when none is due).
    pub oldest_due_seconds: f64,
    /// Sales in spot check.
    pub spot_checks: i64,
    /// The newest committed outbox event.
    pub outbox_head: i64,
}

/// One statement of four aggregates over every company (an operator's view).
pub async fn queue_stats<C: ConnectionTrait>(
    db: &C,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<QueueStats> {
    let now_ms = now.timestamp_millis();
    let sql = "SELECT \
        (SELECT CAST(COUNT(*) AS BIGINT) FROM job WHERE done = ? AND dead = ?) AS jobs, \
        (SELECT CAST(COALESCE(MIN(run_at_ms), 0) AS BIGINT) FROM job WHERE done = ? AND dead = ? AND run_at_ms <= ?) AS oldest, \
        (SELECT CAST(COUNT(*) AS BIGINT) FROM invoice_sale WHERE status = ?) AS spot_checks, \
        (SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM outbox_event) AS head";
    let row = one(
        db,
        sql,
        [
            false.into(),
            false.into(),
            false.into(),
            false.into(),
            now_ms.into(),
            crate::domain::sale::SaleStatus::SpotCheck.as_str().into(),
        ],
    )
    .await?;
    let Some(row) = row else {
        return Ok(QueueStats::default());
    };
    let oldest = int(&row, "oldest")?;
    Ok(QueueStats {
        jobs: int(&row, "jobs")?,
        oldest_due_seconds: if oldest > 0 {
            (now_ms - oldest).max(0) as f64 / 1000.0
        } else {
            0.0
        },
        spot_checks: int(&row, "spot_checks")?,
        outbox_head: int(&row, "head")?,
    })
}

#[cfg(test)]
mod tests {
    use entity::job;
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    use super::flag;

    #[test]
    fn a_flag_is_written_into_the_statement_not_bound() {
        for backend in [DbBackend::Postgres, DbBackend::Sqlite] {
            let stmt = job::Entity::find()
                .filter(flag(job::Column::Done, false))
                .filter(flag(job::Column::Dead, true))
                .build(backend);
            assert!(
                stmt.sql.contains(r#""job"."done" = (FALSE)"#),
                "{}",
                stmt.sql
            );
            assert!(
                stmt.sql.contains(r#""job"."dead" = (TRUE)"#),
                "{}",
                stmt.sql
            );
            assert!(
                stmt.values.as_ref().is_none_or(|v| v.0.is_empty()),
                "{stmt:?}"
            );
        }
    }
}
