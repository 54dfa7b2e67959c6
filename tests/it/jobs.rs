//! Durable jobs: leases fence completion, failures back off and end dead, and
//! operators list and retry dead jobs.

use chrono::Utc;
use invoice_finance::clock::Clock;
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
            jobs::JobKind::NoxStep,
            424_242,
            later,
            Utc::now(),
        )
        .await
        .unwrap();
        let at = later + chrono::Duration::seconds(1);
        // Worker A's lease has already run out when worker B claims the job.
        let a = jobs::claim(&db, at, 10, -1).await.unwrap();
        let b = jobs::claim(&db, at, 10, 60_000).await.unwrap();
        assert_eq!((a.len(), b.len()), (1, 1));
        assert_eq!(a[0].id, b[0].id);
        assert_ne!(a[0].lease(), b[0].lease());
        // A's late completion is refused; B's counts once.
        assert!(jobs::finish(&db, &a[0]).await.is_err());
        jobs::finish(&db, &b[0]).await.unwrap();
        assert!(jobs::finish(&db, &b[0]).await.is_err(), "finished once");
        assert!(jobs::claim(&db, at, 10, 60_000).await.unwrap().is_empty());
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
