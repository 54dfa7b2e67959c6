//! Durable jobs: leases fence completion, failures back off and end dead, and
//! operators list and retry dead jobs.

use chrono::Utc;
use invoice_finance::clock::Clock;
use invoice_finance::domain::id::{CaseId, CompanyId};
use invoice_finance::store::jobs;
use serde_json::json;

use crate::db_test;
use crate::helpers::code;

db_test!(
    a_job_whose_lease_passed_to_another_worker_cannot_finish,
    |app| {
        let db = invoice_finance::db::connect(&app.database_url)
            .await
            .unwrap();
        // Due a year from now on the app clock, so only this test claims it.
        let later = app.clock.now() + chrono::Duration::days(365);
        jobs::schedule(
            &db,
            crate::live::first_company(&db).await,
            jobs::Task::NoxStep(CaseId::new(424_242)),
            later,
            Utc::now(),
        )
        .await
        .unwrap();
        let at = later + chrono::Duration::seconds(1);
        let db = &db;
        let claim = async |lease_ms| {
            use sea_orm::TransactionTrait;
            let txn = db.begin().await.unwrap();
            let claimed = jobs::claim(&txn, at, 10, lease_ms).await.unwrap();
            txn.commit().await.unwrap();
            claimed
        };
        // Worker A's lease has already run out when worker B claims the job.
        let a = claim(-1).await;
        let b = claim(60_000).await;
        assert_eq!((a.len(), b.len()), (1, 1));
        assert_eq!(a[0].id, b[0].id);
        assert_ne!(a[0].lease(), b[0].lease());
        // A's late completion is refused; B's counts once.
        assert!(jobs::finish(db, &a[0]).await.is_err());
        jobs::finish(db, &b[0]).await.unwrap();
        assert!(jobs::finish(db, &b[0]).await.is_err(), "finished once");
        assert!(claim(60_000).await.is_empty());
    }
);

db_test!(
    a_job_that_keeps_failing_is_dead_until_an_operator_retries_it,
    settings = |s| {
        s.job_max_attempts = 2;
        s.job_retry_base_ms = 10;
    },
    |app| {
        let db = invoice_finance::db::connect(&app.database_url)
            .await
            .unwrap();
        let now = app.clock.now();
        // A kind this version does not know, as a newer one might write it.
        use sea_orm::{ActiveModelTrait, Set};
        entity::job::ActiveModel {
            kind: Set("NO_SUCH_KIND".into()),
            company_id: Set(crate::live::first_company(&db).await.company_id().get()),
            subject_id: Set(7),
            run_at_ms: Set(now.timestamp_millis()),
            locked_until_ms: Set(None),
            attempts: Set(0),
            last_error: Set(None),
            done: Set(false),
            lease_token: Set(None),
            dead: Set(false),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&db)
        .await
        .unwrap();
        const DEAD: &str =
            "{ deadJobs { totalCount edges { node { id kind attempts lastError dead } } } }";
        app.eventually("the job is dead", || async {
            app.ok(&app.operator, DEAD, json!({})).await["deadJobs"]["totalCount"] == 1
        })
        .await;
        let r = app.ok(&app.operator, DEAD, json!({})).await;
        let job = r["deadJobs"]["edges"][0]["node"].clone();
        assert_eq!(
            (
                job["kind"].as_str(),
                job["attempts"].as_i64(),
                job["dead"].as_bool()
            ),
            (Some("NO_SUCH_KIND"), Some(2), Some(true))
        );
        assert!(
            job["lastError"]
                .as_str()
                .unwrap()
                .contains("unknown job kind"),
            "{job}"
        );
        let r = app.gql(&app.company, DEAD, json!({})).await;
        assert_eq!(code(&r), "FORBIDDEN");
        // Retried: it runs again (and, still failing, ends dead again).
        const RETRY: &str = "mutation($id: ID!) { retryDeadJob(jobId: $id) { attempts dead } }";
        let r = app
            .ok(&app.operator, RETRY, json!({ "id": job["id"] }))
            .await;
        assert_eq!(r["retryDeadJob"], json!({ "attempts": 0, "dead": false }));
        // The retry is in the audit log, with the job as it was and as it is.
        let audit = app
            .ok(
                &app.operator,
                "{ auditLog(action: \"RETRY_DEAD_JOB\") { nodes { actor subject before after } } }",
                json!({}),
            )
            .await;
        let entry = &audit["auditLog"]["nodes"][0];
        assert_eq!(entry["actor"], "test", "{audit}");
        assert!(
            entry["subject"].as_str().unwrap().starts_with("Job:"),
            "{entry}"
        );
        assert_eq!(entry["before"]["dead"], true, "{entry}");
        // The kind by its stored name, before as after.
        assert!(entry["before"]["kind"].is_string(), "{entry}");
        assert_eq!(entry["before"]["kind"], entry["after"]["kind"], "{entry}");
        assert_eq!(entry["before"]["attempts"], 2, "{entry}");
        assert!(entry["before"]["lastError"].is_string(), "{entry}");
        assert_eq!(entry["after"]["attempts"], 0, "{entry}");
        assert_eq!(entry["after"]["dead"], false, "{entry}");
        let r = app
            .gql(&app.operator, RETRY, json!({ "id": job["id"] }))
            .await;
        assert!(
            code(&r) == "NOT_FOUND" || r["data"]["retryDeadJob"]["attempts"] == 0,
            "{r}"
        );
        app.eventually("dead again", || async {
            let r = app.ok(&app.operator, DEAD, json!({})).await;
            r["deadJobs"]["edges"][0]["node"]["attempts"] == 2
        })
        .await;
    }
);

db_test!(
    readyz_checks_the_database_migrations_worker_and_hub,
    |app| {
        let ready = || async {
            let r = app
                .client
                .get(format!("{}/readyz", app.base))
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        };
        app.eventually("ready", || async { ready().await.0 == 200 })
            .await;
        let (_, body) = ready().await;
        assert_eq!(
            body,
            json!({ "database": "ok", "migrations": "ok", "worker": "ok", "eventHub": "ok" })
        );
        let live = app
            .client
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(live.status().as_u16(), 200);
    }
);

/// An app on PostgreSQL, its first company and a transaction open on it: one
/// connection, and the plans it keeps, throughout a test. `None` where
/// PostgreSQL is not configured.
async fn one_connection() -> Option<(
    crate::helpers::TestApp,
    invoice_finance::store::Tenant,
    sea_orm::DatabaseTransaction,
)> {
    use sea_orm::TransactionTrait;
    let app = crate::helpers::TestApp::spawn(crate::helpers::Backend::Postgres).await?;
    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let tenant = crate::live::first_company(&db).await;
    let txn = db.begin().await.unwrap();
    Some((app, tenant, txn))
}

/// Adds `n` jobs of other subjects due at `at`: done ones (every job a worker
/// has ever run stays in the table) or live ones.
async fn more_jobs(
    txn: &sea_orm::DatabaseTransaction,
    n: i64,
    done: bool,
    at: chrono::DateTime<Utc>,
) {
    use sea_orm::ConnectionTrait;
    txn.execute_unprepared(&format!(
        "INSERT INTO job (kind, company_id, subject_id, run_at_ms, attempts, done, dead, created_at) \
         SELECT 'NOX_STEP', (SELECT MIN(id) FROM company), 1000000 + g, {ms}, 0, {done}, FALSE, now() \
         FROM generate_series(1, {n}) g",
        ms = at.timestamp_millis()
    ))
    .await
    .unwrap();
}

/// The worker's claim reads the jobs that are due, not every job ever run,
/// however the table has grown since its connection first claimed: the
/// connections plan their statements once and keep the plan
/// (`db::connect`), and a plan made while the table was small scanned all
/// of it on every claim.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_reads_the_due_jobs_not_every_job_ever_run() {
    let Some((app, tenant, txn)) = one_connection().await else {
        return;
    };
    let later = app.clock.now() + chrono::Duration::days(730);
    let at = later + chrono::Duration::seconds(1);
    more_jobs(&txn, 400, true, later).await;
    jobs::claim(&txn, at, 10, 60_000).await.unwrap();
    more_jobs(&txn, 50_000, true, later).await;
    jobs::schedule(
        &txn,
        tenant,
        jobs::Task::NoxStep(CaseId::new(7)),
        later,
        Utc::now(),
    )
    .await
    .unwrap();
    let before = crate::helpers::rows_read(&txn, "job").await;
    let claimed = jobs::claim(&txn, at, 10, 60_000).await.unwrap();
    let read = crate::helpers::rows_read(&txn, "job").await - before;
    assert_eq!(claimed.len(), 1);
    assert!(read < 1_000, "one claim read {read} job rows");
}

/// Keeping one live job per case (`schedule_once`, `reschedule`) looks the
/// case's job up by its subject, not through every live job of every
/// company.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cases_live_job_is_found_without_reading_the_others() {
    let Some((app, tenant, txn)) = one_connection().await else {
        return;
    };
    let now = app.clock.now();
    let step = |at| {
        jobs::schedule_once(
            &txn,
            tenant,
            jobs::Task::NoxStep(CaseId::new(7)),
            at,
            Utc::now(),
        )
    };
    // Other cases' steps, due before this one.
    more_jobs(&txn, 50_000, false, now + chrono::Duration::days(1)).await;
    step(now + chrono::Duration::days(3)).await.unwrap();
    let before = crate::helpers::rows_read(&txn, "job").await;
    step(now + chrono::Duration::days(2)).await.unwrap();
    let read = crate::helpers::rows_read(&txn, "job").await - before;
    assert!(read < 1_000, "finding the case's job read {read} job rows");
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let live = entity::job::Entity::find()
        .filter(entity::job::Column::SubjectId.eq(7))
        .all(&txn)
        .await
        .unwrap();
    assert_eq!(live.len(), 1, "one live job, moved to the earlier day");
    assert_eq!(
        live[0].run_at_ms,
        (now + chrono::Duration::days(2)).timestamp_millis()
    );
}

/// Jobs of many companies run side by side on fewer pooled connections than
/// the worker runs jobs at once, while it claims more between them: none
/// waits for a connection until the pool gives up (10 s), so each is done
/// at its first attempt. A worker that stopped driving its running jobs
/// while it waited for a connection to claim more left them holding the
/// pool, and jobs failed with the pool's timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_flow_on_a_pool_smaller_than_the_worker() {
    use entity::job;
    use invoice_finance::store::companies;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let Some(app) = crate::helpers::TestApp::spawn_with(crate::helpers::Backend::Postgres, |s| {
        s.database_pool_size = 2;
    })
    .await
    else {
        return;
    };
    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let now = app.clock.now();
    for n in 0..10 {
        let c = companies::create(
            &db,
            &format!("Company {n} AB"),
            &format!("5590{n:02}-1234"),
            now,
        )
        .await
        .unwrap();
        fee_invoice_jobs(&db, companies::tenant(&c), 5, now).await;
    }
    let kind = job::Column::Kind.eq(jobs::JobKind::NoxFeeInvoice.as_str());
    let rows = async || {
        job::Entity::find()
            .filter(kind.clone())
            .all(&db)
            .await
            .unwrap()
    };
    // (done, failed) of the 50
    crate::helpers::until(
        "the fee invoice jobs are done",
        || async {
            let rows = rows().await;
            let count = |f: fn(&job::Model) -> bool| rows.iter().filter(|j| f(j)).count();
            (count(|j| j.done), count(|j| j.last_error.is_some()))
        },
        |(done, failed)| done + failed >= 50,
    )
    .await;
    let rows = rows().await;
    assert_eq!(rows.len(), 50);
    for j in rows {
        assert_eq!(
            (j.done, j.attempts, j.last_error.as_deref()),
            (true, 1, None),
            "job {}",
            j.id
        );
    }
}

/// A job that waits (here on a row lock) holds up only its own company's
/// later jobs: the worker goes on claiming and running other companies' jobs
/// that fall due meanwhile. Before, the worker ran a claimed batch to its end
/// before claiming again, so every company waited for the slowest job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_job_does_not_hold_up_other_companies() {
    use crate::fixtures::{activate, agreement, sell_as};
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let Some(app) = crate::helpers::TestApp::spawn(crate::helpers::Backend::Postgres).await else {
        return;
    };
    activate(&app, agreement()).await;
    let other = app.ok(&app.other, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    app.ok(
        &app.operator,
        crate::fixtures::ACTIVATE,
        json!({ "c": other, "a": agreement() }),
    )
    .await;
    let mine = app.full_customer(&app.company).await;
    let theirs = app.full_customer(&app.other).await;
    let mine = app.invoice(&app.company, &mine, "8000").await;
    let theirs = app.invoice(&app.other, &theirs, "8000").await;
    let status = async |token: &str, invoice: &str| {
        let q = "query($id: ID!) { invoice(id: $id) { sale { status } } }";
        app.ok(token, q, json!({ "id": invoice })).await["invoice"]["sale"]["status"].clone()
    };

    // The first company's sale is sent; before its processing falls due, a
    // transaction elsewhere locks its row.
    let r = sell_as(&app, &app.company, &mine, "mine").await;
    assert!(r.get("errors").is_none(), "{r}");
    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let lock = db.begin().await.unwrap();
    lock.execute_unprepared("SELECT id FROM invoice_sale FOR UPDATE")
        .await
        .unwrap();
    app.clock.advance(chrono::Duration::seconds(10));
    let claimed = "SELECT COUNT(*) AS n FROM job WHERE kind = 'PROCESS_SALE' AND attempts > 0";
    let count = async |sql: &str| {
        db.query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            sql,
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
    };
    app.eventually("the worker has taken the sale's processing", || async {
        count(claimed).await == 1
    })
    .await;

    // The other company's sale falls due while that job waits on the lock,
    // and is processed.
    let r = sell_as(&app, &app.other, &theirs, "theirs").await;
    assert!(r.get("errors").is_none(), "{r}");
    app.clock.advance(chrono::Duration::seconds(10));
    app.eventually("the other company's sale is processed", || async {
        status(&app.other, &theirs).await == "SPOT_CHECK"
    })
    .await;
    assert_eq!(status(&app.company, &mine).await, "PROCESSING");

    // Once the lock goes, the first company's sale is processed too.
    lock.rollback().await.unwrap();
    app.eventually("the first company's sale is processed", || async {
        status(&app.company, &mine).await == "SPOT_CHECK"
    })
    .await;
}

/// Schedules `count` of the company's month-end fee invoice jobs (subjects 1
/// to `count`), due at `at`: a job every company can run, with or without
/// fees.
pub async fn fee_invoice_jobs(
    db: &sea_orm::DatabaseConnection,
    tenant: invoice_finance::store::Tenant,
    count: i64,
    at: chrono::DateTime<Utc>,
) {
    for subject in 1..=count {
        let task = jobs::Task::NoxFeeInvoice(CompanyId::new(subject));
        jobs::schedule(db, tenant, task, at, at).await.unwrap();
    }
}

/// A job whose connection the database drops under it (a restart, a
/// failover) has not failed on its own account: it is tried again without
/// spending one of its attempts, so an outage cannot leave it dead. With one
/// attempt allowed, the sale's processing job meets a dropped connection
/// while it waits for the sale's row, and still decides the sale.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_connection_is_dropped_keeps_its_attempts() {
    use crate::fixtures::*;
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    let Some(app) = crate::helpers::TestApp::spawn_with(crate::helpers::Backend::Postgres, |s| {
        s.sale_processing_delay_secs = 60;
        s.job_max_attempts = 1;
        s.job_retry_base_ms = 100;
    })
    .await
    else {
        return;
    };
    activate(&app, agreement()).await;
    let customer = app.full_customer(&app.company).await;
    let invoice = invoice_of_10k(&app, &customer).await;
    sell(&app, &invoice, "dropped").await;
    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let pids = async |sql: &str| -> Vec<i32> {
        let statement = Statement::from_string(sea_orm::DbBackend::Postgres, sql);
        db.query_all_raw(statement)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get_by_index::<i32>(0).unwrap())
            .collect()
    };
    // Another session holds the sale's row; the job reads the sale, then
    // waits for the row to change it.
    let holder = db.begin().await.unwrap();
    holder
        .execute_unprepared("SELECT id FROM invoice_sale FOR UPDATE")
        .await
        .unwrap();
    app.clock.advance(chrono::Duration::seconds(61));
    const WAITING: &str = "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
         AND query LIKE 'UPDATE \"invoice_sale\"%'";
    app.eventually("the job waits for the sale's row", || async {
        !pids(WAITING).await.is_empty()
    })
    .await;
    let waiting = pids(WAITING).await;
    let dropped = pids(&format!("SELECT pg_terminate_backend({})::int", waiting[0])).await;
    assert_eq!(dropped, vec![1], "the job's connection is dropped");
    holder.rollback().await.unwrap();
    // Tried again, and the sale decided (the first sales are spot-checked).
    wait_for_status(&app, &invoice, "SPOT_CHECK").await;
    let dead = pids("SELECT COUNT(*)::int FROM job WHERE dead").await;
    assert_eq!(dead, vec![0], "no job is dead");
}
