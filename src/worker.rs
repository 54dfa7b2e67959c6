//! The durable background worker: claims due jobs from the database and runs
//! them. Safe with several instances (see `store::jobs`).

use std::time::Duration;

use crate::error::AppResult;
use crate::services::sales;
use crate::state::AppState;
use crate::store::jobs::{self, kind};

/// How long a claimed job stays reserved before another worker may retry it.
pub const LEASE_MS: i64 = 60_000;

/// Runs the worker until `shutdown` fires.
pub async fn run(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let poll = Duration::from_millis(state.settings.worker_poll_ms);
    loop {
        crate::state::Metrics::beat(&state.metrics.worker_beat_ms);
        match tick_until(&state, &shutdown).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "worker tick failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Claims and runs the jobs due now; returns how many ran.
pub async fn tick(state: &AppState) -> AppResult<usize> {
    let (_keep, never) = tokio::sync::watch::channel(false);
    tick_until(state, &never).await
}

/// How many jobs one tick claims.
pub const BATCH: u64 = 32;

/// Like [`tick`], but once `shutdown` turns `true` the job in hand is
/// finished and the rest of the claimed batch is released for another worker.
///
/// Jobs run one after another: jobs of one Nox Finans case that fall due
/// together depend on their order (the month's fee invoice before a payout
/// that would otherwise set the fee off), and side by side they raced.
pub async fn tick_until(
    state: &AppState,
    shutdown: &tokio::sync::watch::Receiver<bool>,
) -> AppResult<usize> {
    let txn = crate::db::begin_write(&state.db).await?;
    let due = jobs::claim(&txn, state.clock.now(), BATCH, LEASE_MS).await?;
    txn.commit().await?;
    tracing::debug!(claimed = due.len(), "worker tick");
    let mut n = 0;
    for (i, job) in due.iter().enumerate() {
        if *shutdown.borrow() {
            let rest: Vec<i64> = due[i..].iter().map(|j| j.id).collect();
            tracing::info!(
                released = rest.len(),
                "shutting down: releasing claimed jobs"
            );
            jobs::release(&state.db, &rest).await?;
            break;
        }
        n += 1;
        run_job(state, job.clone()).await;
    }
    if n > 0 {
        state.events.wake();
    }
    Ok(n)
}

/// Runs one claimed job and records a failure for retry (or as dead after
/// the last attempt).
async fn run_job(state: &AppState, job: entity::job::Model) {
    let span = tracing::info_span!(
        "job",
        otel.name = %format!("job {}", job.kind),
        job.id = job.id,
        job.kind = %job.kind,
    );
    let result = tracing::Instrument::instrument(
        async {
            match job.kind.as_str() {
                kind::PROCESS_SALE => sales::process(state, &job).await,
                kind::SPOT_CHECK_DEADLINE => sales::spot_check_deadline(state, &job).await,
                kind::PAYOUT => sales::payout(state, &job).await,
                kind::NOX_ACCEPT => crate::services::nox_case::accept(state, &job).await,
                kind::NOX_STEP => crate::services::nox_case::step(state, &job).await,
                kind::NOX_PAYOUT => crate::services::nox_case::payout(state, &job).await,
                kind::NOX_FEE_INVOICE => crate::services::nox_case::invoice_fees(state, &job).await,
                other => Err(crate::error::AppError::Internal(format!(
                    "unknown job kind {other}"
                ))),
            }
        },
        span,
    )
    .await;
    let Err(e) = result else {
        return;
    };
    let settings = &state.settings;
    match jobs::fail(
        &state.db,
        &job,
        &e.to_string(),
        settings.job_max_attempts,
        settings.job_retry_base_ms,
    )
    .await
    {
        Ok(true) => {
            tracing::error!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %e, "job failed for the last time; it is dead until an operator retries it")
        }
        Ok(false) => {
            tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %e, "job failed; it will be retried")
        }
        Err(f) => {
            tracing::error!(job = job.id, error = %e, record_error = %f, "job failed and the failure could not be recorded; it is retried after its lease")
        }
    }
}
