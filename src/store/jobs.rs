//! Durable jobs: due by the app clock, claimed with a wall-clock lease.
//!
//! On PostgreSQL a claim takes due rows `FOR UPDATE SKIP LOCKED`, so several
//! instances share the work without taking the same job; on SQLite the claim runs
//! in an IMMEDIATE transaction, which serialises claimers. A job is finished in the
//! same transaction as the work it does, so a crash before commit leaves it to be
//! claimed again when its lease expires.

use chrono::{DateTime, Utc};
use entity::job;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Set,
    Statement,
};

use super::Tenant;
use crate::error::AppResult;

/// Job kinds.
pub mod kind {
    /// Run spot-check selection and, without a check, the decision.
    pub const PROCESS_SALE: &str = "PROCESS_SALE";
    /// Apply the default outcome to a spot check that was not resolved in time.
    pub const SPOT_CHECK_DEADLINE: &str = "SPOT_CHECK_DEADLINE";
    /// Pay out an approved sale on its payout date.
    pub const PAYOUT: &str = "PAYOUT";
    /// Nox Finans accepts (and delivers) a submitted case.
    pub const NOX_ACCEPT: &str = "NOX_ACCEPT";
    /// Take a case's next timeline step when it is due.
    pub const NOX_STEP: &str = "NOX_STEP";
    /// Pay out money Nox Finans collected, on the next banking day.
    pub const NOX_PAYOUT: &str = "NOX_PAYOUT";
    /// Invoice the Nox Finans fees of a month that no payout covered.
    pub const NOX_FEE_INVOICE: &str = "NOX_FEE_INVOICE";
}

/// Schedules a job. Call inside the transaction that makes it necessary.
pub async fn schedule<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    kind: &str,
    subject_id: i64,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    job::ActiveModel {
        kind: Set(kind.to_string()),
        company_id: Set(tenant.company_id()),
        subject_id: Set(subject_id),
        run_at_ms: Set(run_at.timestamp_millis()),
        locked_until_ms: Set(None),
        attempts: Set(0),
        last_error: Set(None),
        done: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Schedules a job unless one of this kind for this subject is still to run
/// (then that one is moved to `run_at` if `run_at` is earlier). Keeps one live
/// job per case for steps and payouts, however often they are asked for.
pub async fn schedule_once<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    kind: &str,
    subject_id: i64,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let live = job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::SubjectId.eq(subject_id))
        .filter(job::Column::CompanyId.eq(tenant.company_id()))
        .filter(job::Column::Done.eq(false))
        .one(db)
        .await?;
    match live {
        Some(j) => {
            if run_at.timestamp_millis() < j.run_at_ms {
                move_to(db, j.id, run_at).await?;
            }
            Ok(())
        }
        None => schedule(db, tenant, kind, subject_id, run_at, now).await,
    }
}

/// Moves the live job of this kind and subject to `run_at` (earlier or later),
/// or schedules one.
pub async fn reschedule<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    kind: &str,
    subject_id: i64,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let live = job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::SubjectId.eq(subject_id))
        .filter(job::Column::CompanyId.eq(tenant.company_id()))
        .filter(job::Column::Done.eq(false))
        .one(db)
        .await?;
    match live {
        Some(j) => move_to(db, j.id, run_at).await,
        None => schedule(db, tenant, kind, subject_id, run_at, now).await,
    }
}

async fn move_to<C: ConnectionTrait>(db: &C, id: i64, run_at: DateTime<Utc>) -> AppResult<()> {
    job::Entity::update_many()
        .col_expr(
            job::Column::RunAtMs,
            sea_orm::sea_query::Expr::value(run_at.timestamp_millis()),
        )
        .filter(job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Claims up to `limit` due jobs for `lease_ms` of wall-clock time.
pub async fn claim<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    limit: u64,
    lease_ms: i64,
) -> AppResult<Vec<job::Model>> {
    let backend = db.get_database_backend();
    let wall = Utc::now().timestamp_millis();
    let (lock, p) = match backend {
        DbBackend::Postgres => ("FOR UPDATE SKIP LOCKED", ["$1", "$2", "$3", "$4"]),
        _ => ("", ["?", "?", "?", "?"]),
    };
    let sql = format!(
        "UPDATE job SET locked_until_ms = {p0}, attempts = attempts + 1 WHERE id IN (\
           SELECT id FROM job WHERE done = false AND run_at_ms <= {p1} \
           AND (locked_until_ms IS NULL OR locked_until_ms < {p2}) \
           ORDER BY run_at_ms, id LIMIT {p3} {lock}) RETURNING id",
        p0 = p[0],
        p1 = p[1],
        p2 = p[2],
        p3 = p[3],
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [
                (wall + lease_ms).into(),
                now.timestamp_millis().into(),
                wall.into(),
                i64::try_from(limit).unwrap_or(10).into(),
            ],
        ))
        .await?;
    let ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.try_get::<i64>("", "id").ok())
        .collect();
    Ok(job::Entity::find()
        .filter(job::Column::Id.is_in(ids))
        .all(db)
        .await?)
}

/// Marks a job done. Call inside the transaction of its work.
pub async fn finish<C: ConnectionTrait>(db: &C, id: i64) -> AppResult<()> {
    job::Entity::update_many()
        .col_expr(job::Column::Done, sea_orm::sea_query::Expr::value(true))
        .filter(job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failure; the job is retried after its lease.
pub async fn fail<C: ConnectionTrait>(db: &C, id: i64, error: &str) -> AppResult<()> {
    job::Entity::update_many()
        .col_expr(
            job::Column::LastError,
            sea_orm::sea_query::Expr::value(error.to_string()),
        )
        .filter(job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Gives claimed, not started jobs back (on shutdown), so that another worker
/// may run them at once instead of after the lease. `attempts` is restored too:
/// the job never ran.
pub async fn release<C: ConnectionTrait>(db: &C, ids: &[i64]) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    job::Entity::update_many()
        .col_expr(
            job::Column::LockedUntilMs,
            sea_orm::sea_query::Expr::value(Option::<i64>::None),
        )
        .col_expr(
            job::Column::Attempts,
            sea_orm::sea_query::ExprTrait::sub(
                sea_orm::sea_query::Expr::col(job::Column::Attempts),
                1,
            ),
        )
        .filter(job::Column::Id.is_in(ids.iter().copied()))
        .filter(job::Column::Done.eq(false))
        .exec(db)
        .await?;
    Ok(())
}
