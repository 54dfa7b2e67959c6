//! Live events across instances.

use invoice_finance::domain::notification::NotificationKind;
use serde_json::json;

use crate::helpers::{Backend, TestApp};
use crate::ws::{Protocol, WsClient};

/// Two instances share one PostgreSQL database, with outbox polling slowed to
/// ten minutes: an event committed on B reaches a subscriber on A at once, woken
/// by LISTEN/NOTIFY and read from the outbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_committed_on_one_instance_reaches_subscribers_on_another() {
    let slow = |s: &mut invoice_finance::config::Settings| s.event_poll_ms = 600_000;
    let Some(b) = TestApp::spawn_with(Backend::Postgres, slow).await else {
        return;
    };
    let a = b.spawn_peer(slow).await;
    let mut ws = WsClient::connect(&a.base, Protocol::TransportWs, &b.company).await;
    ws.subscribe(
        "n",
        "subscription { notifications { notification { kind } } }",
        json!({}),
    )
    .await;
    b.listening_at(&a.base, 1, 1).await;
    crate::fixtures::activate(&b, crate::fixtures::agreement()).await;
    assert_eq!(next_kind(&mut ws).await, "INVOICE_SALE_ACTIVATED");
}

/// The kind of the next notification subscription `n` delivers.
async fn next_kind(ws: &mut WsClient) -> String {
    let got = ws.take("n", 1).await;
    got[0]["data"]["notifications"]["notification"]["kind"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Queues a notification of `company` and its event in `t`, at the test
/// clock's now.
async fn queue(
    t: &invoice_finance::store::outbox::Ordered,
    company: invoice_finance::store::Tenant,
    kind: NotificationKind,
    message: &str,
) {
    let now = crate::helpers::default_now();
    invoice_finance::store::outbox::notify(t, company, kind, message, None, now)
        .await
        .unwrap();
}

/// The first company's tenant, read from the database.
pub async fn first_company(db: &sea_orm::DatabaseConnection) -> invoice_finance::store::Tenant {
    use sea_orm::{EntityTrait, QueryOrder};
    let c = entity::company::Entity::find()
        .order_by_asc(entity::company::Column::Id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    invoice_finance::store::companies::tenant(&c.into())
}

/// The other backends of the app's database for which `condition` holds.
async fn backends_where(admin: &sea_orm::DatabaseConnection, condition: &str) -> Vec<i32> {
    use sea_orm::{ConnectionTrait, Statement};
    admin
        .query_all_raw(Statement::from_string(
            admin.get_database_backend(),
            format!(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
                 AND {condition} AND pid <> pg_backend_pid()"
            ),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i32>("", "pid").unwrap())
        .collect()
}

async fn listener_backends(admin: &sea_orm::DatabaseConnection) -> Vec<i32> {
    backends_where(admin, "query ILIKE 'LISTEN%'").await
}

/// Instance A's LISTEN connection is killed and an event is committed on B
/// while it is down, so its NOTIFY is lost to A; polling is slowed to ten
/// minutes. A still delivers it: the listener reconnects and re-reads the
/// outbox. Later events arrive through the restored listener.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_committed_while_the_listener_is_down_is_recovered_from_the_outbox() {
    let slow = |s: &mut invoice_finance::config::Settings| s.event_poll_ms = 600_000;
    let Some(b) = TestApp::spawn_with(Backend::Postgres, slow).await else {
        return;
    };
    let a = b.spawn_peer(slow).await;
    let admin = invoice_finance::db::connect(&b.database_url).await.unwrap();
    let mut ws = WsClient::connect(&a.base, Protocol::TransportWs, &b.company).await;
    ws.subscribe(
        "n",
        "subscription { notifications { notification { kind } } }",
        json!({}),
    )
    .await;
    b.eventually("both listeners are up", || async {
        listener_backends(&admin).await.len() == 2
    })
    .await;
    b.listening_at(&a.base, 1, 1).await;
    {
        use sea_orm::{ConnectionTrait, Statement};
        for pid in listener_backends(&admin).await {
            admin
                .execute_raw(Statement::from_string(
                    admin.get_database_backend(),
                    format!("SELECT pg_terminate_backend({pid})"),
                ))
                .await
                .unwrap();
        }
    }
    crate::fixtures::activate(&b, crate::fixtures::agreement()).await;
    assert_eq!(next_kind(&mut ws).await, "INVOICE_SALE_ACTIVATED");
    b.eventually("the listeners reconnect", || async {
        listener_backends(&admin).await.len() == 2
    })
    .await;
    let customer = b.full_customer(&b.company).await;
    let invoice = crate::fixtures::invoice_of_10k(&b, &customer).await;
    crate::fixtures::sell(&b, &invoice, "after-reconnect").await;
    assert_eq!(next_kind(&mut ws).await, "SALE_SENT");
}

/// Events reach subscribers in the order they became visible, whatever order
/// their `seq`s were drawn in: a writer that drew its `seq` and has not
/// committed holds up nobody, and its event still arrives when it commits
/// (a reader that moved past a lower `seq` does not lose it). A rolled-back
/// event leaves no row, and later events still arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_sequences_commit_in_order_and_holes_are_passed() {
    use invoice_finance::store::begin_ordered;
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let company = first_company(&db).await;
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    ws.subscribe(
        "n",
        "subscription { notifications { notification { kind } } }",
        json!({}),
    )
    .await;
    app.listening(1, 1).await;

    // A writer with an event queued does not hold up another: the second
    // commits (and is delivered) while the first is still open, and the first
    // arrives when it commits. Sequences follow commit order.
    let first = begin_ordered(&db).await.unwrap();
    queue(&first, company, NotificationKind::NoxAccepted, "first").await;
    let db2 = db.clone();
    let second = tokio::spawn(async move {
        let t = begin_ordered(&db2).await.unwrap();
        queue(&t, company, NotificationKind::NoxRejected, "second").await;
        t.commit().await.unwrap();
    });
    tokio::time::timeout(std::time::Duration::from_secs(10), second)
        .await
        .expect("an open writer held up another's commit")
        .unwrap();
    assert_eq!(next_kind(&mut ws).await, "NOX_REJECTED");
    first.commit().await.unwrap();
    assert_eq!(next_kind(&mut ws).await, "NOX_ACCEPTED");
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let kinds = |order: &'static str| {
        let db = db.clone();
        async move {
            db.query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                format!(
                    "SELECT kind FROM outbox_event WHERE kind IN ('NOX_ACCEPTED', 'NOX_REJECTED') ORDER BY {order}"
                ),
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String>("", "kind").unwrap())
            .collect::<Vec<String>>()
        }
    };
    assert_eq!(
        kinds("position").await,
        vec!["NOX_REJECTED", "NOX_ACCEPTED"]
    );

    // A writer caught between drawing its `seq` (its row is inserted) and
    // committing: a later writer's event, with a higher `seq`, is delivered
    // first, and the earlier one is not lost when it commits.
    let early = db.begin().await.unwrap();
    early
        .execute_unprepared(&format!(
            "INSERT INTO notification (company_id, kind, message, read, created_at) \
             VALUES ({c}, 'NOX_FEES_INVOICED', 'early', false, now()); \
             INSERT INTO outbox_event (company_id, topic, kind, subject_id, message, at, recorded_ms) \
             SELECT {c}, 'NOTIFICATION', 'NOX_FEES_INVOICED', MAX(id), 'early', now(), 0 \
             FROM notification WHERE kind = 'NOX_FEES_INVOICED'",
            c = company.company_id()
        ))
        .await
        .unwrap();
    let t = begin_ordered(&db).await.unwrap();
    queue(&t, company, NotificationKind::NoxReturned, "late").await;
    t.commit().await.unwrap();
    assert_eq!(next_kind(&mut ws).await, "NOX_RETURNED");
    early.commit().await.unwrap();
    assert_eq!(next_kind(&mut ws).await, "NOX_FEES_INVOICED");

    // A rolled-back event: its seq is a hole; the next event still arrives.
    let gone = begin_ordered(&db).await.unwrap();
    queue(&gone, company, NotificationKind::SaleWithdrawn, "never").await;
    gone.rollback().await.unwrap();
    let t = begin_ordered(&db).await.unwrap();
    queue(&t, company, NotificationKind::SalePaidOut, "after").await;
    t.commit().await.unwrap();
    assert_eq!(next_kind(&mut ws).await, "SALE_PAID_OUT");

    // An event of a topic this version does not know, as a newer version
    // would write it: no subscription follows it, and the next event arrives.
    db.execute_unprepared(&format!(
        "INSERT INTO outbox_event (company_id, topic, kind, subject_id, message, at, recorded_ms) \
         VALUES ({c}, 'INVOICE_REMINDER', 'SENT', 1, 'newer', now(), 0)",
        c = company.company_id()
    ))
    .await
    .unwrap();
    let t = begin_ordered(&db).await.unwrap();
    queue(
        &t,
        company,
        NotificationKind::SaleWithdrawn,
        "after the newer one",
    )
    .await;
    t.commit().await.unwrap();
    assert_eq!(next_kind(&mut ws).await, "SALE_WITHDRAWN");
}

/// A sequencer pass reads only the events waiting for a position, however
/// large the outbox has grown since the connection planned the statement. A
/// connection plans it once, at its first pass, often while the outbox is
/// nearly empty, and keeps that plan; the plan must not scan the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sequencer_pass_reads_only_the_waiting_events_as_the_outbox_grows() {
    use invoice_finance::store::outbox::SEQUENCE_PASS;
    use sqlx::{Connection, Row};
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let mut c = sqlx::PgConnection::connect(&app.database_url)
        .await
        .unwrap();
    // Positions far above any the app itself gives while the test runs.
    let events = |from: i64, to: i64, placed: bool| {
        let position = if placed { "g + 1000000" } else { "NULL" };
        format!(
            "INSERT INTO outbox_event (company_id, topic, kind, subject_id, message, at, recorded_ms, position) \
             SELECT 1, 'INVOICE_SALE', 'APPROVED', g, 'Invoice 1 is approved for sale', now(), 0, {position} \
             FROM generate_series({from}, {to}) g"
        )
    };
    let scans = async |c: &mut sqlx::PgConnection| -> Vec<String> {
        let rows = sqlx::query("EXPLAIN (COSTS OFF) EXECUTE pass")
            .fetch_all(&mut *c)
            .await
            .unwrap();
        rows.iter()
            .map(|r| r.get::<String, _>(0))
            .filter(|line| line.contains("Seq Scan"))
            .collect()
    };
    for sql in [events(1, 400, true), events(401, 405, false)] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .unwrap();
    }
    // A statement without parameters keeps the plan it is prepared with.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "PREPARE pass AS {SEQUENCE_PASS}"
    )))
    .execute(&mut c)
    .await
    .unwrap();
    assert_eq!(scans(&mut c).await, Vec::<String>::new(), "a small outbox");
    sqlx::query(sqlx::AssertSqlSafe(events(1_000, 40_000, true)))
        .execute(&mut c)
        .await
        .unwrap();
    assert_eq!(
        scans(&mut c).await,
        Vec::<String>::new(),
        "the same plan once the outbox has grown"
    );
}

/// On shutdown the worker finishes the jobs in hand and gives the rest of its
/// claimed batch back at once (no lease left, attempt not counted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_worker_releases_the_jobs_it_claimed() {
    use invoice_finance::store::{companies, jobs};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    // No server on this database: its own worker would claim the jobs too.
    let (_db, url) = crate::helpers::TestDb::create(Backend::Sqlite)
        .await
        .unwrap();
    let state = invoice_finance::app::open_state(
        invoice_finance::config::Settings::for_database(&url),
        std::sync::Arc::new(invoice_finance::clock::ManualClock::new(
            crate::helpers::default_now(),
        )),
    )
    .await
    .unwrap();
    let c = companies::create(
        &state.db,
        "Norrlands Snickeri AB",
        "559012-3450",
        crate::helpers::default_now(),
    )
    .await
    .unwrap();
    let company = companies::tenant(&c);
    let now = crate::helpers::default_now();
    crate::jobs::fee_invoice_jobs(&state.db, company, 3, now).await;
    let (_tx, stopping) = tokio::sync::watch::channel(true);
    let ran = invoice_finance::worker::tick_until(&state, &stopping)
        .await
        .unwrap();
    assert_eq!(ran, 0);
    let rows = entity::job::Entity::find()
        .filter(entity::job::Column::Kind.eq(jobs::JobKind::NoxFeeInvoice.as_str()))
        .all(&state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    for j in rows {
        assert!(!j.done);
        assert_eq!(j.locked_until_ms, None, "job {} still leased", j.id);
        assert_eq!(j.attempts, 0);
    }
}

/// The outbox's triggers and migration 11, which drops PostgreSQL's again,
/// roll back and apply again on both databases. Migrated, a commit that
/// records events finishes them with the insert alone on SQLite (the event
/// has its position) and sends no `NOTIFY` on PostgreSQL (the instance that
/// commits wakes its hub afterwards, so writers do not queue behind each
/// other's commits); with migration 11 rolled back the insert's trigger
/// sends it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_triggers_roll_back_and_apply_again() {
    use invoice_finance::store::{begin_ordered, outbox};
    use sea_orm::ConnectionTrait;
    for backend in [
        crate::helpers::Backend::Sqlite,
        crate::helpers::Backend::Postgres,
    ] {
        let Some((_db, url, db)) = crate::helpers::TestDb::migrated(backend).await else {
            continue;
        };
        invoice_finance::db::migrate_down(&db, crate::helpers::migrations_from("m20261205_000011"))
            .await
            .unwrap();
        invoice_finance::db::migrate(&db).await.unwrap();
        let company = invoice_finance::store::companies::create(
            &db,
            "Triggerprov AB",
            "5566778899",
            crate::helpers::default_now(),
        )
        .await
        .unwrap();
        let company = invoice_finance::store::companies::tenant(&company);
        let commit_one = |kind: NotificationKind| {
            let db = db.clone();
            async move {
                let t = begin_ordered(&db).await.unwrap();
                outbox::notify(
                    &t,
                    company,
                    kind,
                    "check",
                    None,
                    crate::helpers::default_now(),
                )
                .await
                .unwrap();
                t.commit().await.unwrap();
            }
        };
        if backend == crate::helpers::Backend::Sqlite {
            commit_one(NotificationKind::SaleDenied).await;
            let row = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    "SELECT COUNT(*) AS n FROM outbox_event WHERE kind = 'SALE_DENIED' AND position IS NOT NULL",
                ))
                .await
                .unwrap()
                .unwrap();
            let positioned: i64 = row.try_get("", "n").unwrap();
            assert_eq!(
                positioned, 1,
                "SQLite gives the event its position at insert"
            );
            continue;
        }
        let mut l = sqlx::postgres::PgListener::connect(&url).await.unwrap();
        l.listen(outbox::NOTIFY_CHANNEL).await.unwrap();
        let wait = std::time::Duration::from_millis(500);
        commit_one(NotificationKind::SaleDenied).await;
        let woken = tokio::time::timeout(wait, l.recv()).await;
        assert!(woken.is_err(), "a writer's commit sent a NOTIFY: {woken:?}");
        invoice_finance::db::migrate_down(&db, crate::helpers::migrations_from("m20261205_000011"))
            .await
            .unwrap();
        commit_one(NotificationKind::SaleApproved).await;
        let woken = tokio::time::timeout(std::time::Duration::from_secs(5), l.recv()).await;
        assert!(
            matches!(woken, Ok(Ok(_))),
            "no wake-up from migration 9's trigger: {woken:?}"
        );
        invoice_finance::db::migrate(&db).await.unwrap();
        commit_one(NotificationKind::SalePaidOut).await;
        let woken = tokio::time::timeout(wait, l.recv()).await;
        assert!(
            woken.is_err(),
            "migrated again, a writer's commit sent a NOTIFY: {woken:?}"
        );
    }
}

/// `DATABASE_POOL_SIZE` bounds the server's connections to PostgreSQL:
/// with 3, ten statements at once run three at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_holds_at_most_database_pool_size_connections() {
    use sea_orm::{ConnectionTrait, Statement};
    let Some((_db, url)) = crate::helpers::TestDb::create(Backend::Postgres).await else {
        return;
    };
    let mut settings = invoice_finance::config::Settings::for_database(&url);
    settings.database_pool_size = 3;
    let state = invoice_finance::app::open_state(
        settings,
        std::sync::Arc::new(invoice_finance::clock::SystemClock),
    )
    .await
    .unwrap();
    let sleepers: Vec<_> = (0..10)
        .map(|_| {
            let db = state.db.clone();
            tokio::spawn(async move {
                db.execute_unprepared("SELECT pg_sleep(0.4)").await.unwrap();
            })
        })
        .collect();
    let admin = invoice_finance::db::connect(&url).await.unwrap();
    let sleeping = || async {
        let row = admin
            .query_one_raw(Statement::from_string(
                admin.get_database_backend(),
                "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
                 AND state = 'active' AND query LIKE 'SELECT pg_sleep%'",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    };
    let mut most = 0;
    for _ in 0..10 {
        most = most.max(sleeping().await);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for s in sleepers {
        s.await.unwrap();
    }
    assert_eq!(most, 3, "statements running at once through a pool of 3");
}

/// The database drops every connection of the server (a restart, a
/// failover): requests recover without restarting the server. A pooled
/// connection is pinged before use only after it sat idle, so a request that
/// draws one the database dropped a moment ago gets a clean `UNAVAILABLE`
/// error, saying to try again (never `INTERNAL`, a 500 or a hang), and the
/// pool replaces the connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_recover_after_the_database_drops_the_servers_connections() {
    use sea_orm::{ConnectionTrait, Statement};
    let Some(app) = TestApp::spawn_with(Backend::Postgres, |_| {}).await else {
        return;
    };
    const Q: &str = "{ viewer { name } }";
    for _ in 0..5 {
        app.ok(&app.company, Q, json!({})).await;
    }
    let admin = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let dropped = admin
        .query_all_raw(Statement::from_string(
            admin.get_database_backend(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ))
        .await
        .unwrap();
    assert!(!dropped.is_empty(), "the server held connections");
    let (mut failed, mut in_a_row) = (0, 0);
    for _ in 0..100 {
        let resp = app.gql(&app.company, Q, json!({})).await;
        if resp.get("errors").is_none() {
            in_a_row += 1;
            if in_a_row == 10 {
                break;
            }
        } else {
            assert_eq!(
                resp["errors"][0]["extensions"]["code"], "UNAVAILABLE",
                "{resp}"
            );
            assert!(resp.to_string().contains("try again"), "{resp}");
            failed += 1;
            in_a_row = 0;
        }
    }
    assert_eq!(in_a_row, 10, "requests did not recover ({failed} failed)");
    // At least the first request meets a dropped connection, and at most one
    // per pooled connection does.
    assert!((1..=20).contains(&failed), "{failed} requests failed");
}

/// A token the server has not checked yet meets a dropped connection when
/// it is checked: the client is told to try again (HTTP 503 `UNAVAILABLE`,
/// a WebSocket closed 1013), never that its token is refused (401, 4403),
/// and the same token works once the pool has reconnected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_checked_while_the_database_drops_connections_is_not_refused() {
    use sea_orm::{ConnectionTrait, Statement};
    use tokio_tungstenite::tungstenite::Message;
    let Some(app) = TestApp::spawn_with(Backend::Postgres, |_| {}).await else {
        return;
    };
    let company =
        app.ok(&app.company, "{ viewer { id } }", json!({})).await["viewer"]["id"].clone();
    let mut fresh = Vec::new();
    for i in 0..24 {
        let r = app
            .ok(
                &app.operator,
                "mutation($c: ID, $l: String!) { createApiToken(companyId: $c, label: $l) { secret } }",
                json!({ "c": company, "l": format!("fresh {i}") }),
            )
            .await;
        fresh.push(r["createApiToken"]["secret"].as_str().unwrap().to_string());
    }
    let admin = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let drop_all = || async {
        admin
            .query_all_raw(Statement::from_string(
                admin.get_database_backend(),
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            ))
            .await
            .unwrap()
    };
    // Over HTTP: each fresh token is checked on a pooled connection, the
    // first ones on connections the database dropped.
    assert!(!drop_all().await.is_empty(), "the server held connections");
    let mut told_to_wait = 0;
    for token in &fresh[..12] {
        let resp = app
            .client
            .post(&app.url)
            .bearer_auth(token)
            .json(&json!({ "query": "{ viewer { id } }" }))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().await.unwrap();
        match crate::helpers::code(&body) {
            "<none>" => assert_eq!(body["data"]["viewer"]["id"], company, "{body}"),
            "UNAVAILABLE" => {
                assert_eq!(status, 503, "{body}");
                told_to_wait += 1;
            }
            other => panic!("{other} ({status}) for a good token: {body}"),
        }
    }
    assert!(told_to_wait >= 1, "no check met a dropped connection");
    // Over a WebSocket: the same, at connection_init.
    assert!(!drop_all().await.is_empty());
    let mut closed_to_retry = 0;
    for token in &fresh[12..] {
        let (_c, first) = WsClient::connect_raw(
            &app.base,
            Protocol::TransportWs,
            json!({ "Authorization": format!("Bearer {token}") }),
        )
        .await;
        match first {
            Some(Message::Text(t)) if t.contains("connection_ack") => {}
            Some(Message::Close(Some(f))) if u16::from(f.code) == 1013 => closed_to_retry += 1,
            other => panic!("a good token at connection_init: {other:?}"),
        }
    }
    assert!(closed_to_retry >= 1, "no check met a dropped connection");
    // Every token works now.
    for token in &fresh {
        app.ok(token, "{ viewer { id } }", json!({})).await;
    }
}

crate::db_test!(
    a_notification_of_a_kind_a_newer_version_wrote_reads_as_its_name,
    |app| {
        use sea_orm::ConnectionTrait;
        let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
        ws.subscribe(
            "n",
            "subscription($after: String) { notifications(after: $after) { notification { kind message read } } }",
            json!({ "after": crate::helpers::cursor_zero() }),
        )
        .await;
        crate::fixtures::activate(&app, crate::fixtures::agreement()).await;
        assert_eq!(next_kind(&mut ws).await, "INVOICE_SALE_ACTIVATED");
        // A newer version, running beside this one during an upgrade, wrote
        // a notification of a kind this one does not know, and its event.
        let db = invoice_finance::db::connect(&app.database_url)
            .await
            .unwrap();
        db.execute_unprepared(
            "INSERT INTO notification (company_id, kind, message, read, created_at) \
             SELECT company_id, 'INVOICE_REMINDED', 'A reminder went out for invoice 1001', read, created_at \
             FROM notification WHERE kind = 'INVOICE_SALE_ACTIVATED'; \
             INSERT INTO outbox_event (company_id, topic, kind, subject_id, message, at, recorded_ms) \
             SELECT company_id, 'NOTIFICATION', kind, id, message, created_at, 0 \
             FROM notification WHERE kind = 'INVOICE_REMINDED'",
        )
        .await
        .unwrap();
        // The subscriber gets it by the name it was written with.
        let got = ws.take("n", 1).await;
        assert_eq!(
            got[0]["data"]["notifications"]["notification"],
            json!({ "kind": "INVOICE_REMINDED", "message": "A reminder went out for invoice 1001", "read": false }),
            "{got:?}"
        );
        // So does the notification bar, which counts it and marks it read.
        let bar = "{ unreadNotificationCount notifications { nodes { id kind message } } }";
        let r = app.ok(&app.company, bar, json!({})).await;
        assert_eq!(r["unreadNotificationCount"], 2, "{r}");
        let nodes = r["notifications"]["nodes"].as_array().unwrap();
        assert_eq!(nodes[0]["kind"], "INVOICE_REMINDED", "newest first: {r}");
        assert_eq!(nodes[1]["kind"], "INVOICE_SALE_ACTIVATED");
        let r = app
            .ok(
                &app.company,
                "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }",
                json!({ "ids": [nodes[0]["id"]] }),
            )
            .await;
        assert_eq!(r["markNotificationsRead"], 1, "{r}");
        let r = app.ok(&app.company, bar, json!({})).await;
        assert_eq!(r["unreadNotificationCount"], 1, "{r}");
    }
);

crate::db_test!(
    a_statement_entry_of_a_kind_a_newer_version_wrote_reads_as_other,
    |app| {
        use sea_orm::ConnectionTrait;
        crate::fixtures::activate(&app, crate::fixtures::agreement()).await;
        // A newer version, running beside this one during an upgrade, booked
        // an entry of a kind this one does not know.
        let db = invoice_finance::db::connect(&app.database_url)
            .await
            .unwrap();
        db.execute_unprepared(
            "INSERT INTO statement_entry (company_id, booked_on, kind, description, amount_ore, balance_after_ore, created_at) \
             SELECT company_id, '2026-11-20', 'REFUND', 'Refund of an overpayment', 12345, 12345, created_at \
             FROM notification WHERE kind = 'INVOICE_SALE_ACTIVATED'",
        )
        .await
        .unwrap();
        // The statement shows it as OTHER, with its text and amount, and
        // its balances count it.
        let r = app
            .ok(
                &app.company,
                "{ statement(from: \"2026-01-01\", to: \"2026-12-31\") { closingBalance entries { nodes { kind description amount balanceAfter } } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            r["statement"],
            json!({ "closingBalance": "123.45", "entries": { "nodes": [
                { "kind": "OTHER", "description": "Refund of an overpayment", "amount": "123.45", "balanceAfter": "123.45" }
            ] } }),
            "{r}"
        );
    }
);

/// The backends of the app's database that wait on a lock.
async fn lock_waiters(admin: &sea_orm::DatabaseConnection) -> Vec<i32> {
    backends_where(admin, "wait_event_type = 'Lock'").await
}

/// Has the database drop the connections of `pids`.
async fn terminate(admin: &sea_orm::DatabaseConnection, pids: &[i32]) {
    use sea_orm::ConnectionTrait;
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM unnest(ARRAY{pids:?}::int[]) AS pid"
        ))
        .await
        .unwrap();
}

/// Two notifications of the first company (NOX_ACCEPTED, then NOX_REJECTED)
/// and their events, committed; then the notification table locked by the
/// transaction returned, so every read of a notification waits. With a
/// connection of the test's own to the app's database.
async fn notifications_behind_a_lock(
    app: &TestApp,
) -> (sea_orm::DatabaseTransaction, sea_orm::DatabaseConnection) {
    use invoice_finance::store::begin_ordered;
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    let company = first_company(&db).await;
    let t = begin_ordered(&db).await.unwrap();
    queue(&t, company, NotificationKind::NoxAccepted, "first").await;
    queue(&t, company, NotificationKind::NoxRejected, "second").await;
    t.commit().await.unwrap();
    let lock = db.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE notification IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    (lock, db)
}

/// The kinds of the notifications in subscription payloads.
fn notification_kinds(payloads: &[serde_json::Value]) -> Vec<serde_json::Value> {
    payloads
        .iter()
        .map(|p| p["data"]["notifications"]["notification"]["kind"].clone())
        .collect()
}

const RESUMING: &str = "subscription($after: String) { notifications(after: $after) { notification { kind message } } }";

/// An event whose subject cannot be read for a moment (the database drops
/// the connection reading it, as in a restart) is delivered when the
/// database answers again, in its place. Answering an error for it and going
/// on would move the subscriber's cursor past it for good: a notification bar
/// that resumes with `after` would never see it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_whose_subject_cannot_be_read_for_a_moment_is_not_skipped() {
    let Some(app) = TestApp::spawn_with(Backend::Postgres, |_| {}).await else {
        return;
    };
    // The subscriber replays both; reading the first one's notification
    // waits behind a lock, and the database drops the connection that waits.
    let (lock, admin) = notifications_behind_a_lock(&app).await;
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    ws.subscribe(
        "n",
        RESUMING,
        json!({ "after": crate::helpers::cursor_zero() }),
    )
    .await;
    let waiting = async {
        loop {
            let pids = lock_waiters(&admin).await;
            if !pids.is_empty() {
                return pids;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    let dropped = tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
        .await
        .expect("a read of the notification waits on the lock");
    terminate(&admin, &dropped).await;
    // The stream reads again (the first event, or, were it skipped, the
    // second) and waits on the lock once more; then the lock goes.
    app.eventually("a read on a new connection waits on the lock", || async {
        lock_waiters(&admin)
            .await
            .iter()
            .any(|pid| !dropped.contains(pid))
    })
    .await;
    lock.rollback().await.unwrap();

    let got = ws.take("n", 2).await;
    assert_eq!(
        notification_kinds(&got),
        [json!("NOX_ACCEPTED"), json!("NOX_REJECTED")],
        "{got:?}"
    );
}

/// An event whose subject the database cannot read for all of
/// `EVENT_READ_RETRY_MS` ends the subscription with an error before it
/// (`UNAVAILABLE`: the database ended each connection that tried): nothing after it is delivered in its stead, and the subscriber,
/// resuming with its last cursor, gets it once the database answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_ends_before_an_event_the_database_will_not_give() {
    let quick = |s: &mut invoice_finance::config::Settings| s.event_read_retry_ms = 1_000;
    let Some(app) = TestApp::spawn_with(Backend::Postgres, quick).await else {
        return;
    };
    // Every read of the first event's notification waits behind a lock, and
    // the database drops each connection that waits, for longer than the
    // subscription retries.
    let (lock, admin) = notifications_behind_a_lock(&app).await;
    let mut ws = WsClient::connect(&app.base, Protocol::TransportWs, &app.company).await;
    let from_start = json!({ "after": crate::helpers::cursor_zero() });
    ws.subscribe("n", RESUMING, from_start.clone()).await;
    let mut messages = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    while tokio::time::Instant::now() < deadline {
        terminate(&admin, &lock_waiters(&admin).await).await;
        if let Some(m) = ws.recv_json(std::time::Duration::from_millis(50)).await {
            let done = m["type"] == "complete";
            messages.push(m);
            if done {
                break;
            }
        }
    }
    let kinds: Vec<_> = messages.iter().map(|m| m["type"].clone()).collect();
    assert_eq!(kinds, [json!("next"), json!("complete")], "{messages:#?}");
    assert_eq!(messages[0]["payload"]["data"], serde_json::Value::Null);
    assert_eq!(
        messages[0]["payload"]["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{messages:#?}"
    );

    // Once the database answers, resuming from the last cursor (none was
    // delivered) brings both, in order.
    lock.rollback().await.unwrap();
    ws.subscribe("m", RESUMING, from_start).await;
    let got = ws.take("m", 2).await;
    assert_eq!(
        notification_kinds(&got),
        [json!("NOX_ACCEPTED"), json!("NOX_REJECTED")],
        "{got:?}"
    );
}
