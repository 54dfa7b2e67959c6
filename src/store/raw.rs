//! Hand-written SQL for the few statements the query builder does not express
//! well (atomic increments with guards, aggregates). Placeholders are written
//! `?` and numbered for PostgreSQL here, in one place.

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};

use crate::error::AppResult;

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
