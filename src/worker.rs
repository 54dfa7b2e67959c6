//! The durable background worker: claims due jobs from the database and runs
//! them. Safe with several instances (see `store::jobs`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::pin::Pin;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use crate::domain::id::{CompanyId, JobId};
use crate::error::AppResult;
use crate::services::{nox_case, sales};
use crate::state::AppState;
use crate::store::jobs::{self, Job, Task};

/// How long a claimed job stays reserved before another worker may retry it.
pub const LEASE_MS: i64 = 60_000;

/// Runs the worker until `shutdown` fires.
///
/// Jobs flow through without a pause between batches: whenever at most half
/// a batch is in hand, the worker claims more, and each finished job frees
/// its company's turn for the next. A slow job holds up only its own
/// company's later jobs, not every other company's. When nothing is due it
/// polls every `worker_poll_ms`. On shutdown the jobs running are finished
/// and the rest in hand are released for another worker.
pub async fn run(state: AppState, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    let poll = Duration::from_millis(state.settings.worker_poll_ms);
    let mut lanes = Lanes::default();
    let mut running: Running = FuturesUnordered::new();
    let mut claim_now = true;
    loop {
        crate::state::Metrics::beat(&state.metrics.worker_beat_ms);
        if *shutdown.borrow() {
            break;
        }
        let held = lanes.held();
        if claim_now && held <= REFILL_AT {
            match claim(&state, BATCH - held as u64).await {
                Ok(due) => {
                    if due.is_empty() && held == 0 {
                        state.metrics.worker_idle_passes.inc();
                    }
                    lanes.add(due);
                }
                Err(e) => tracing::warn!(error = %e, "worker claim failed"),
            }
        }
        start_ready(&state, &mut lanes, &mut running);
        claim_now = false;
        tokio::select! {
            Some(company) = running.next(), if !running.is_empty() => {
                lanes.done(company);
                claim_now = true;
            }
            () = tokio::time::sleep(poll) => claim_now = true,
            changed = shutdown.changed() => if changed.is_err() {
                // The sender is gone: nobody is left to say stop.
                break;
            },
        }
    }
    if let Err(e) = stop(&state, &mut lanes, &mut running).await {
        tracing::warn!(error = %e, "worker could not release its claimed jobs; they are retried after their lease");
    }
}

/// Claims and runs the jobs due now; returns how many ran.
pub async fn tick(state: &AppState) -> AppResult<usize> {
    let (_keep, never) = tokio::sync::watch::channel(false);
    tick_until(state, &never).await
}

/// Most jobs one worker holds claimed at once.
pub const BATCH: u64 = 32;

/// The worker claims more once it holds at most this many jobs.
const REFILL_AT: usize = BATCH as usize / 2;

/// How many companies' jobs run at once.
pub const COMPANIES_AT_ONCE: usize = 8;

/// Like [`tick`] (one claim, run to the end), but once `shutdown` turns
/// `true` the jobs running are finished and the rest of the claimed batch is
/// released for another worker.
///
/// Claimed jobs wait in one queue per company. Up to [`COMPANIES_AT_ONCE`]
/// companies run a job at a time, and each company runs its jobs one after
/// another in the order they were claimed (the order they fell due): jobs of
/// one company can depend on their order (the month's fee invoice of Nox
/// Finans before a payout that would otherwise set the fee off), while jobs
/// of different companies share no rows but the outbox.
pub async fn tick_until(
    state: &AppState,
    shutdown: &tokio::sync::watch::Receiver<bool>,
) -> AppResult<usize> {
    let mut lanes = Lanes::default();
    lanes.add(claim(state, BATCH).await?);
    let mut running: Running = FuturesUnordered::new();
    let mut ran = 0;
    while !*shutdown.borrow() {
        ran += start_ready(state, &mut lanes, &mut running);
        match running.next().await {
            Some(company) => lanes.done(company),
            None => break,
        }
    }
    stop(state, &mut lanes, &mut running).await?;
    Ok(ran)
}

/// The jobs running, each answering with its company when it ends. Each job
/// runs as a task of its own: it holds a pooled connection for its
/// transaction, and must go on while the worker waits for another (to
/// claim), or the pool runs dry with nobody moving.
type Running = FuturesUnordered<Pin<Box<dyn Future<Output = CompanyId> + Send>>>;

async fn claim(state: &AppState, limit: u64) -> AppResult<Vec<Job>> {
    let txn = crate::db::begin_write(&state.db).await?;
    let due = jobs::claim(&txn, state.clock.now(), limit, LEASE_MS).await?;
    txn.commit().await?;
    tracing::debug!(claimed = due.len(), "worker claim");
    Ok(due)
}

/// Starts the next job of each company whose turn it is, while fewer than
/// [`COMPANIES_AT_ONCE`] run; returns how many started.
fn start_ready(state: &AppState, lanes: &mut Lanes, running: &mut Running) -> usize {
    let mut started = 0;
    while running.len() < COMPANIES_AT_ONCE
        && let Some(job) = lanes.next()
    {
        let company = job.tenant.company_id();
        let (id, state) = (job.id, state.clone());
        let task = tokio::spawn(async move { run_job(&state, job).await });
        running.push(Box::pin(async move {
            if let Err(e) = task.await {
                // Its lease runs out and another pass retries it.
                tracing::error!(job = id.get(), error = %e, "job task ended without finishing");
            }
            company
        }));
        started += 1;
    }
    started
}

/// Releases the jobs in hand that have not started and waits for the
/// running ones.
async fn stop(state: &AppState, lanes: &mut Lanes, running: &mut Running) -> AppResult<()> {
    let rest = lanes.drain();
    let released = if rest.is_empty() {
        Ok(())
    } else {
        tracing::info!(
            released = rest.len(),
            "shutting down: releasing claimed jobs"
        );
        jobs::release(&state.db, &rest).await
    };
    while let Some(company) = running.next().await {
        lanes.done(company);
    }
    released
}

/// Claimed jobs not yet finished: a queue per company, and whose turn it is.
#[derive(Default)]
struct Lanes {
    /// Each company's jobs not started, in claim order.
    queued: HashMap<CompanyId, VecDeque<Job>>,
    /// Companies with a job queued and none running, in the order they get
    /// their turn.
    ready: VecDeque<CompanyId>,
    /// Companies with a job running.
    running: HashSet<CompanyId>,
}

impl Lanes {
    /// Jobs claimed and not finished: queued, or running (one a company).
    fn held(&self) -> usize {
        self.queued.values().map(VecDeque::len).sum::<usize>() + self.running.len()
    }

    /// Queues claimed jobs behind their company's earlier ones.
    fn add(&mut self, due: Vec<Job>) {
        for job in due {
            let company = job.tenant.company_id();
            let queue = self.queued.entry(company).or_default();
            if queue.is_empty() && !self.running.contains(&company) {
                self.ready.push_back(company);
            }
            queue.push_back(job);
        }
    }

    /// The next job to start: the first queued job of the company whose
    /// turn it is; that company then runs until [`Self::done`].
    fn next(&mut self) -> Option<Job> {
        let company = self.ready.pop_front()?;
        let job = self.queued.get_mut(&company)?.pop_front()?;
        self.running.insert(company);
        Some(job)
    }

    /// A job of `company` ended: its next job, if any, waits for its turn
    /// behind the other companies' (one job a turn, so a company with many
    /// due does not keep the others waiting).
    fn done(&mut self, company: CompanyId) {
        self.running.remove(&company);
        match self.queued.get(&company) {
            Some(q) if !q.is_empty() => self.ready.push_back(company),
            _ => {
                self.queued.remove(&company);
            }
        }
    }

    /// Takes every job not started out of the queues; returns their ids.
    fn drain(&mut self) -> Vec<JobId> {
        self.ready.clear();
        self.queued
            .drain()
            .flat_map(|(_, q)| q.into_iter().map(|j| j.id))
            .collect()
    }
}

/// Does a job's work in one transaction that also marks the job done: the work
/// commits with it, or rolls back and leaves the job to be retried. The job is
/// marked first, so a lease that has passed to another worker is a `CONFLICT`
/// before any work, and a step that schedules its successor finds no live job
/// of its own in the way.
async fn run_task(state: &AppState, job: &Job) -> crate::error::AppResult<()> {
    let txn = state.begin_ordered().await?;
    jobs::finish(&txn, job).await?;
    match &job.task {
        Ok(Task::ProcessSale(id)) => sales::process(state, &txn, job, *id).await,
        Ok(Task::SpotCheckDeadline(id)) => sales::spot_check_deadline(state, &txn, job, *id).await,
        Ok(Task::Payout(id)) => sales::payout(state, &txn, job, *id).await,
        Ok(Task::NoxAccept(id)) => nox_case::accept(state, &txn, job, *id).await,
        Ok(Task::NoxStep(id)) => nox_case::step(state, &txn, job, *id).await,
        Ok(Task::NoxPayout(id)) => nox_case::payout(state, &txn, job, *id).await,
        // The company it invoices is the job's own.
        Ok(Task::NoxFeeInvoice(_)) => nox_case::invoice_fees(state, &txn, job).await,
        Err(other) => Err(crate::error::AppError::Internal(format!(
            "unknown job kind {other}"
        ))),
    }?;
    txn.commit().await?;
    Ok(())
}

/// Runs one claimed job and records a failure for retry (or as dead after
/// the last attempt).
async fn run_job(state: &AppState, job: Job) {
    let span = tracing::info_span!(
        "job",
        otel.name = %format!("job {}", job.kind_name()),
        job.id = job.id.get(),
        job.kind = %job.kind_name(),
    );
    let result = tracing::Instrument::instrument(run_task(state, &job), span).await;
    let Err(e) = result else {
        return;
    };
    let settings = &state.settings;
    let failure = if e.is_unavailable() {
        jobs::Failure::Unavailable
    } else {
        jobs::Failure::Counted
    };
    match jobs::fail(
        &state.db,
        &job,
        &e.to_string(),
        failure,
        settings.job_max_attempts,
        settings.job_retry_base_ms,
    )
    .await
    {
        Ok(true) => {
            tracing::error!(job = job.id.get(), kind = %job.kind_name(), attempts = job.attempts, error = %e, "job failed for the last time; it is dead until an operator retries it")
        }
        Ok(false) => {
            tracing::warn!(job = job.id.get(), kind = %job.kind_name(), attempts = job.attempts, error = %e, "job failed; it will be retried")
        }
        Err(f) => {
            tracing::error!(job = job.id.get(), error = %e, record_error = %f, "job failed and the failure could not be recorded; it is retried after its lease")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::id::CaseId;

    fn job(id: i64, company_id: CompanyId) -> Job {
        Job::claimed(
            JobId::new(id),
            Task::NoxPayout(CaseId::new(id)),
            company_id,
            id,
        )
    }

    fn ids(lanes: &mut Lanes) -> Vec<(i64, i64)> {
        std::iter::from_fn(|| lanes.next())
            .map(|j| (j.tenant.company_id().get(), j.id.get()))
            .collect()
    }

    #[test]
    fn a_company_runs_one_job_at_a_time_in_the_order_they_fell_due() {
        let mut lanes = Lanes::default();
        lanes.add(
            [(1, 7), (2, 8), (3, 7), (4, 9), (5, 8)]
                .map(|(id, company)| job(id, CompanyId::new(company)))
                .to_vec(),
        );
        assert_eq!(lanes.held(), 5);
        // One job of each company starts; the later ones wait for their turn.
        assert_eq!(ids(&mut lanes), vec![(7, 1), (8, 2), (9, 4)]);
        // A job claimed later queues behind its company's running one.
        lanes.add(vec![job(6, CompanyId::new(9))]);
        assert!(lanes.next().is_none());
        lanes.done(CompanyId::new(8));
        lanes.done(CompanyId::new(7));
        assert_eq!(ids(&mut lanes), vec![(8, 5), (7, 3)]);
        lanes.done(CompanyId::new(9));
        assert_eq!(ids(&mut lanes), vec![(9, 6)]);
        assert_eq!(lanes.held(), 3);
        assert!(lanes.drain().is_empty());
    }

    #[test]
    fn stopping_hands_back_every_job_not_started() {
        let mut lanes = Lanes::default();
        lanes.add(
            [(1, 7), (2, 7), (3, 8), (4, 7)]
                .map(|(id, company)| job(id, CompanyId::new(company)))
                .to_vec(),
        );
        assert_eq!(lanes.next().map(|j| j.id.get()), Some(1));
        let mut rest = lanes.drain();
        rest.sort_unstable();
        assert_eq!(rest, [2, 3, 4].map(JobId::new));
        assert!(lanes.next().is_none());
        lanes.done(CompanyId::new(7));
        assert_eq!(lanes.held(), 0);
        assert!(lanes.next().is_none());
    }
}
