//! The durable background worker: claims due jobs from the database and runs
//! them. Safe with several instances (see `store::jobs`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;

use crate::error::AppResult;
use crate::services::sales;
use crate::state::AppState;
use crate::store::jobs::{self, Job, JobKind};

/// How long a claimed job stays reserved before another worker may retry it.
pub const LEASE_MS: i64 = 60_000;

/// Runs the worker until `shutdown` fires.
pub async fn run(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let poll = Duration::from_millis(state.settings.worker_poll_ms);
    loop {
        crate::state::Metrics::beat(&state.metrics.worker_beat_ms);
        match tick_until(&state, &shutdown).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => state.metrics.worker_idle_passes.inc(),
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

/// How many companies' jobs run at once.
pub const COMPANIES_AT_ONCE: usize = 8;

/// Like [`tick`], but once `shutdown` turns `true` the jobs in hand are
/// finished and the rest of the claimed batch is released for another worker.
///
/// The claimed jobs are grouped by company. Groups run side by side, and each
/// group runs its jobs one after another in the order they fell due: jobs of
/// one company can depend on their order (the month's fee invoice of Nox
/// Finans before a payout that would otherwise set the fee off), while jobs
/// of different companies share no rows but the outbox.
pub async fn tick_until(
    state: &AppState,
    shutdown: &tokio::sync::watch::Receiver<bool>,
) -> AppResult<usize> {
    let txn = crate::db::begin_write(&state.db).await?;
    let due = jobs::claim(&txn, state.clock.now(), BATCH, LEASE_MS).await?;
    txn.commit().await?;
    tracing::debug!(claimed = due.len(), "worker tick");
    let ran = AtomicUsize::new(0);
    let released = std::sync::Mutex::new(Vec::new());
    futures_util::stream::iter(by_company(due))
        .for_each_concurrent(COMPANIES_AT_ONCE, |group| {
            let (ran, released) = (&ran, &released);
            async move {
                for (i, job) in group.iter().enumerate() {
                    if *shutdown.borrow() {
                        let rest = group[i..].iter().map(|j| j.id);
                        if let Ok(mut r) = released.lock() {
                            r.extend(rest);
                        }
                        return;
                    }
                    ran.fetch_add(1, Ordering::Relaxed);
                    run_job(state, job.clone()).await;
                }
            }
        })
        .await;
    let rest = released.into_inner().unwrap_or_default();
    if !rest.is_empty() {
        tracing::info!(
            released = rest.len(),
            "shutting down: releasing claimed jobs"
        );
        jobs::release(&state.db, &rest).await?;
    }
    Ok(ran.into_inner())
}

/// Splits claimed jobs into one group per company, each in claim order (the
/// order the jobs fell due), groups ordered by their first job.
fn by_company(due: Vec<Job>) -> Vec<Vec<Job>> {
    let mut groups: Vec<Vec<Job>> = Vec::new();
    for job in due {
        match groups.iter_mut().find(|g| g[0].tenant == job.tenant) {
            Some(g) => g.push(job),
            None => groups.push(vec![job]),
        }
    }
    groups
}

/// Runs one claimed job and records a failure for retry (or as dead after
/// the last attempt).
async fn run_job(state: &AppState, job: Job) {
    let span = tracing::info_span!(
        "job",
        otel.name = %format!("job {}", job.kind_name()),
        job.id = job.id,
        job.kind = %job.kind_name(),
    );
    let result = tracing::Instrument::instrument(
        async {
            match &job.kind {
                Ok(JobKind::ProcessSale) => sales::process(state, &job).await,
                Ok(JobKind::SpotCheckDeadline) => sales::spot_check_deadline(state, &job).await,
                Ok(JobKind::Payout) => sales::payout(state, &job).await,
                Ok(JobKind::NoxAccept) => crate::services::nox_case::accept(state, &job).await,
                Ok(JobKind::NoxStep) => crate::services::nox_case::step(state, &job).await,
                Ok(JobKind::NoxPayout) => crate::services::nox_case::payout(state, &job).await,
                Ok(JobKind::NoxFeeInvoice) => {
                    crate::services::nox_case::invoice_fees(state, &job).await
                }
                Err(other) => Err(crate::error::AppError::Internal(format!(
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
            tracing::error!(job = job.id, kind = %job.kind_name(), attempts = job.attempts, error = %e, "job failed for the last time; it is dead until an operator retries it")
        }
        Ok(false) => {
            tracing::warn!(job = job.id, kind = %job.kind_name(), attempts = job.attempts, error = %e, "job failed; it will be retried")
        }
        Err(f) => {
            tracing::error!(job = job.id, error = %e, record_error = %f, "job failed and the failure could not be recorded; it is retried after its lease")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::id::CompanyId;

    fn job(id: i64, company_id: CompanyId) -> Job {
        Job::claimed(id, JobKind::NoxPayout, company_id, id, id)
    }

    #[test]
    fn a_companys_jobs_stay_together_in_the_order_they_fell_due() {
        let due = [(1, 7), (2, 8), (3, 7), (4, 9), (5, 8)]
            .map(|(id, company)| job(id, CompanyId::new(company)))
            .to_vec();
        let ids: Vec<Vec<(i64, i64)>> = by_company(due)
            .iter()
            .map(|g| {
                g.iter()
                    .map(|j| (j.tenant.company_id().get(), j.id))
                    .collect()
            })
            .collect();
        assert_eq!(
            ids,
            vec![vec![(7, 1), (7, 3)], vec![(8, 2), (8, 5)], vec![(9, 4)],]
        );
    }
}
