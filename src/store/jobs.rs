//! Durable jobs: due by the app clock, claimed with a wall-clock lease.
//!
//! On PostgreSQL a claim takes due rows `FOR UPDATE SKIP LOCKED`, so several
//! instances share the work without taking the same job; on SQLite the claim runs
//! in an IMMEDIATE transaction, which serialises claimers. A job is finished in the
//! same transaction as the work it does, so a crash before commit leaves it to be
//! claimed again when its lease expires.

use crate::domain::id::{CompanyId, JobId};
use chrono::{DateTime, Utc};
use entity::job;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::Tenant;
use super::raw::flag;
use crate::error::{AppError, AppResult};

pub use crate::domain::job::{JobKind, Task};

/// A background job, as the worker runs it and an operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// What it does, on which row; `Err` holds a stored kind this version
    /// does not know (the worker fails such a job, so that it goes dead
    /// where an operator sees it, rather than failing the claim of every
    /// job).
    pub task: Result<Task, String>,
    /// The company it acts for, from the job's own row.
    pub tenant: Tenant,
    /// The key of the row it acts on, as stored (known kind or not).
    subject_key: i64,
    /// When it falls due, by the app clock.
    pub run_at_ms: i64,
    /// How many times it was tried.
    pub attempts: i32,
    /// The last failure.
    pub last_error: Option<String>,
    /// Failed too often: it waits for an operator.
    pub dead: bool,
    /// The lease it was claimed under: only its holder may finish it.
    lease_token: Option<String>,
}

impl From<job::Model> for Job {
    fn from(m: job::Model) -> Self {
        Self {
            id: JobId::new(m.id),
            task: JobKind::parse(&m.kind)
                .map(|k| Task::of(k, m.subject_id))
                .ok_or(m.kind),
            tenant: Tenant(CompanyId::new(m.company_id)),
            subject_key: m.subject_id,
            run_at_ms: m.run_at_ms,
            attempts: m.attempts,
            last_error: m.last_error,
            dead: m.dead,
            lease_token: m.lease_token,
        }
    }
}

impl Job {
    /// Its kind's stored name, known or not.
    pub fn kind_name(&self) -> &str {
        match &self.task {
            Ok(t) => t.kind().as_str(),
            Err(name) => name,
        }
    }

    /// The key of the row it acts on, as stored (for operators' eyes).
    pub fn subject_key(&self) -> i64 {
        self.subject_key
    }

    /// The lease it was claimed under.
    pub fn lease(&self) -> Option<&str> {
        self.lease_token.as_deref()
    }

    /// A job as claimed, for tests of code that takes claimed jobs.
    #[cfg(test)]
    pub fn claimed(id: JobId, task: Task, company_id: CompanyId, run_at_ms: i64) -> Self {
        Self {
            id,
            task: Ok(task),
            tenant: Tenant(company_id),
            subject_key: task.key(),
            run_at_ms,
            attempts: 1,
            last_error: None,
            dead: false,
            lease_token: Some("test".into()),
        }
    }
}

/// Schedules a job. Call inside the transaction that makes it necessary.
pub async fn schedule<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    task: Task,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    job::ActiveModel {
        kind: Set(task.kind().as_str().to_string()),
        company_id: Set(tenant.company_id().get()),
        subject_id: Set(task.key()),
        run_at_ms: Set(run_at.timestamp_millis()),
        locked_until_ms: Set(None),
        attempts: Set(0),
        last_error: Set(None),
        done: Set(false),
        lease_token: Set(None),
        dead: Set(false),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Schedules a job unless the same task is still to run (then that one is
/// moved to `run_at` if `run_at` is earlier). Keeps one live job per case for
/// steps and payouts, however often they are asked for.
pub async fn schedule_once<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    task: Task,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    place(db, tenant, task, run_at, now, true).await
}

/// Moves the live job of this task to `run_at` (earlier or later), or
/// schedules one.
pub async fn reschedule<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    task: Task,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    place(db, tenant, task, run_at, now, false).await
}

/// Moves the live job of `task` to `run_at` (only to an earlier time when
/// `only_earlier`), or schedules one.
async fn place<C: ConnectionTrait>(
    db: &C,
    tenant: Tenant,
    task: Task,
    run_at: DateTime<Utc>,
    now: DateTime<Utc>,
    only_earlier: bool,
) -> AppResult<()> {
    let live = job::Entity::find()
        .filter(job::Column::Kind.eq(task.kind().as_str()))
        .filter(job::Column::SubjectId.eq(task.key()))
        .filter(job::Column::CompanyId.eq(tenant.company_id()))
        .filter(flag(job::Column::Done, false))
        .one(db)
        .await?;
    match live {
        Some(j) if only_earlier && run_at.timestamp_millis() >= j.run_at_ms => Ok(()),
        Some(j) => move_to(db, j.id, run_at).await,
        None => schedule(db, tenant, task, run_at, now).await,
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

/// Claims up to `limit` due jobs for `lease_ms` of wall-clock time, under a new
/// lease token: only the holder of the current lease can finish a job, so a
/// worker whose lease ran out (and whose job another worker took) cannot
/// commit its work too.
///
/// On PostgreSQL the claim is planned afresh each time, in its transaction
/// (hence the type): the table keeps every job ever run, and a plan made
/// while it was small, which the connection would keep
/// ([`crate::db::connect`]), matched the due jobs against all of it.
pub async fn claim(
    db: &sea_orm::DatabaseTransaction,
    now: DateTime<Utc>,
    limit: u64,
    lease_ms: i64,
) -> AppResult<Vec<Job>> {
    let backend = db.get_database_backend();
    let wall = Utc::now().timestamp_millis();
    let token = uuid::Uuid::new_v4().simple().to_string();
    let postgres = backend == DbBackend::Postgres;
    if postgres {
        db.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
            .await?;
    }
    let lock = if postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE job SET locked_until_ms = ?, attempts = attempts + 1, lease_token = ? WHERE id IN (\
           SELECT id FROM job WHERE done = FALSE AND dead = FALSE AND run_at_ms <= ? \
           AND (locked_until_ms IS NULL OR locked_until_ms < ?) \
           ORDER BY run_at_ms, id LIMIT {limit} {lock}) RETURNING id"
    );
    let rows = db
        .query_all_raw(super::raw::stmt(
            db,
            &sql,
            [
                (wall + lease_ms).into(),
                token.clone().into(),
                now.timestamp_millis().into(),
                wall.into(),
            ],
        ))
        .await?;
    let ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.try_get::<i64>("", "id").ok())
        .collect();
    crate::store::record::all(
        db,
        job::Entity::find()
            .filter(job::Column::Id.is_in(ids))
            .filter(job::Column::LeaseToken.eq(token))
            .order_by_asc(job::Column::RunAtMs)
            .order_by_asc(job::Column::Id),
    )
    .await
}

/// Marks a job done. Call inside the transaction of its work: when the lease
/// has passed to another worker this is a `CONFLICT`, and the work rolls back.
pub async fn finish<C: ConnectionTrait>(db: &C, job: &Job) -> AppResult<()> {
    let res = job::Entity::update_many()
        .col_expr(job::Column::Done, sea_orm::sea_query::Expr::value(true))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::LeaseToken.eq(job.lease_token.clone()))
        .filter(flag(job::Column::Done, false))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::conflict(format!(
            "job {} is no longer leased to this worker",
            job.id
        )));
    }
    Ok(())
}

/// How a job's run failed, for [`fail`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// On its own account: the attempt counts.
    Counted,
    /// The database was out of reach (`AppError::is_unavailable`): the job
    /// gets its attempt back, so an outage cannot leave it dead.
    Unavailable,
}

/// Records a failure. The job is retried after a back-off that doubles with
/// each attempt (from `retry_base_ms`, at most an hour); after `max_attempts`
/// it is dead: left for an operator (`deadJobs`, `retryDeadJob`). A
/// [`Failure::Unavailable`] is retried after `retry_base_ms` and is never
/// the last attempt.
pub async fn fail<C: ConnectionTrait>(
    db: &C,
    job: &Job,
    error: &str,
    failure: Failure,
    max_attempts: i32,
    retry_base_ms: i64,
) -> AppResult<bool> {
    let counted = failure == Failure::Counted;
    let dead = counted && job.attempts >= max_attempts;
    let shift = if counted {
        u32::try_from(job.attempts.clamp(1, 20) - 1).unwrap_or(0)
    } else {
        0
    };
    let backoff = retry_base_ms.saturating_mul(1i64 << shift).min(3_600_000);
    let error: String = error.chars().take(2000).collect();
    let mut update = job::Entity::update_many();
    if !counted {
        // The claim counted this run; it did not happen on the job's account.
        update = update.col_expr(
            job::Column::Attempts,
            sea_orm::ExprTrait::sub(sea_orm::sea_query::Expr::col(job::Column::Attempts), 1),
        );
    }
    update
        .col_expr(
            job::Column::LastError,
            sea_orm::sea_query::Expr::value(error),
        )
        .col_expr(job::Column::Dead, sea_orm::sea_query::Expr::value(dead))
        .col_expr(
            job::Column::LockedUntilMs,
            sea_orm::sea_query::Expr::value(Utc::now().timestamp_millis() + backoff),
        )
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::LeaseToken.eq(job.lease_token.clone()))
        .filter(flag(job::Column::Done, false))
        .exec(db)
        .await?;
    Ok(dead)
}

/// Dead jobs, oldest first (operator).
pub fn dead(_op: super::Operator) -> super::page::Listing<Job> {
    let q = job::Entity::find()
        .filter(flag(job::Column::Dead, true))
        .filter(flag(job::Column::Done, false));
    super::page::Listing::keyset(q, job::Column::Id, false)
}

/// Gives a dead job a fresh start (operator): due now, attempts from zero.
pub async fn revive<C: ConnectionTrait>(
    db: &C,
    _op: super::Operator,
    id: JobId,
) -> AppResult<Option<(Job, Job)>> {
    let Some(before) = job::Entity::find_by_id(id.get()).one(db).await? else {
        return Ok(None);
    };
    let res = job::Entity::update_many()
        .col_expr(job::Column::Dead, sea_orm::sea_query::Expr::value(false))
        .col_expr(job::Column::Attempts, sea_orm::sea_query::Expr::value(0))
        .col_expr(
            job::Column::LockedUntilMs,
            sea_orm::sea_query::Expr::value(Option::<i64>::None),
        )
        .filter(job::Column::Id.eq(id))
        .filter(flag(job::Column::Dead, true))
        .filter(flag(job::Column::Done, false))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Ok(None);
    }
    Ok(job::Entity::find_by_id(id.get())
        .one(db)
        .await?
        .map(|after| (before.into(), after.into())))
}

/// Gives claimed, not started jobs back (on shutdown), so that another worker
/// may run them at once instead of after the lease. `attempts` is restored too:
/// the job never ran.
pub async fn release<C: ConnectionTrait>(db: &C, ids: &[JobId]) -> AppResult<()> {
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
        .filter(job::Column::Id.is_in(ids.iter().map(|id| id.get())))
        .filter(flag(job::Column::Done, false))
        .exec(db)
        .await?;
    Ok(())
}

crate::keyed_by_id!(job::Model, Job);
