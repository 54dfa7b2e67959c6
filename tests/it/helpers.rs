//! `TestApp`: one real server per test, with its own database.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use invoice_finance::app::{Application, open_state};
use invoice_finance::clock::ManualClock;
use invoice_finance::config::Settings;
use invoice_finance::store::{Role, companies, tokens};
use serde_json::{Value, json};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database that is removed when dropped.
pub enum TestDb {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop from a thread with its own runtime: Drop cannot be async.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin_url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        )))
                        .execute(&mut c)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// The PostgreSQL admin URL, or `None` (with a notice) when the test should skip.
/// With `CI=true` a missing URL fails the test instead.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests must run in CI");
            }
            eprintln!(
                "notice: TEST_DATABASE_URL not set; skipping the PostgreSQL variant of this test"
            );
            None
        }
    }
}

pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestDb {
    pub async fn create(backend: Backend) -> Option<(TestDb, String)> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("test.sqlite").display()
                );
                Some((TestDb::Sqlite { _dir: dir }, url))
            }
            Backend::Postgres => {
                use sqlx::Connection;
                let admin_url = postgres_url()?;
                let name = format!("it_{}", uuid::Uuid::new_v4().simple());
                let mut c = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("TEST_DATABASE_URL must reach PostgreSQL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut c)
                    .await
                    .unwrap();
                let url = with_database(&admin_url, &name);
                Some((TestDb::Postgres { admin_url, name }, url))
            }
        }
    }

    /// A new database of `backend` with every migration applied: it, its
    /// URL and a connection; `None` where PostgreSQL is not configured.
    pub async fn migrated(
        backend: Backend,
    ) -> Option<(TestDb, String, sea_orm::DatabaseConnection)> {
        let (db, url) = TestDb::create(backend).await?;
        let conn = invoice_finance::db::connect(&url).await.unwrap();
        invoice_finance::db::migrate(&conn).await.unwrap();
        Some((db, url, conn))
    }
}

/// A running server with two companies and an operator.
pub struct TestApp {
    pub url: String,
    pub base: String,
    pub client: reqwest::Client,
    pub clock: ManualClock,
    pub company: String,
    pub other: String,
    pub operator: String,
    pub database_url: String,
    settings: Settings,
    server: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<std::io::Result<()>>,
    )>,
    _db: TestDb,
}

/// Rolls the app's database back to before the migration whose name starts
/// with `prefix`, then applies every migration again: what a database made
/// before that migration gets when it is migrated.
pub async fn migrate_again_from(app: &TestApp, prefix: &str) {
    let db = invoice_finance::db::connect(&app.database_url)
        .await
        .unwrap();
    invoice_finance::db::migrate_down(&db, migrations_from(prefix))
        .await
        .unwrap();
    invoice_finance::db::migrate(&db).await.unwrap();
}

/// How many migrations, counted from the last, roll the schema back to
/// before the migration whose name starts with `prefix`.
pub fn migrations_from(prefix: &str) -> u32 {
    use migration::MigratorTrait;
    let names: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    let at = names
        .iter()
        .position(|n| n.starts_with(prefix))
        .unwrap_or_else(|| panic!("no migration {prefix}"));
    u32::try_from(names.len() - at).unwrap()
}

/// 2026-11-22 12:00 in Stockholm.
pub fn default_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 11, 0, 0).unwrap()
}

impl TestApp {
    /// Starts an app on `backend`, or `None` when that backend is unavailable here.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts an app with adjusted settings.
    pub async fn spawn_with(
        backend: Backend,
        adjust: impl FnOnce(&mut Settings),
    ) -> Option<TestApp> {
        // RUST_LOG=invoice_finance=debug shows the server's logs in a test.
        if std::env::var("RUST_LOG").is_ok() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .with_test_writer()
                .try_init();
        }
        let (db, database_url) = TestDb::create(backend).await?;
        let mut settings = Settings::for_database(&database_url);
        adjust(&mut settings);
        let clock = ManualClock::new(default_now());
        let state = open_state(settings.clone(), Arc::new(clock.clone()))
            .await
            .unwrap();
        let now = default_now();
        let a = companies::create(&state.db, "Norrlands Snickeri AB", "559012-3450", now)
            .await
            .unwrap();
        let b = companies::create(&state.db, "Café Blomman AB", "559234-5671", now)
            .await
            .unwrap();
        let company = tokens::create_simple(&state.db, Some(a.id), Role::Company, "test", now)
            .await
            .unwrap();
        let other = tokens::create_simple(&state.db, Some(b.id), Role::Company, "test", now)
            .await
            .unwrap();
        let operator = tokens::create_simple(&state.db, None, Role::Operator, "test", now)
            .await
            .unwrap();
        let app = Application::with_state(state, settings.bind_addr)
            .await
            .unwrap();
        let base = format!("http://{}", app.addr());
        let server = Some(serve(app));

        Some(TestApp {
            url: format!("{base}/graphql"),
            base,
            client: reqwest::Client::new(),
            clock,
            company,
            other,
            operator,
            database_url,
            settings,
            server,
            _db: db,
        })
    }

    /// Stops the server (finishing in-flight work) and starts a new one on the
    /// same database, address and clock, as a restart in production would.
    pub async fn restart(&mut self) {
        self.stop().await;
        let mut settings = self.settings.clone();
        settings.bind_addr = self.base.trim_start_matches("http://").parse().unwrap();
        let state = open_state(settings.clone(), Arc::new(self.clock.clone()))
            .await
            .unwrap();
        let app = Application::with_state(state, settings.bind_addr)
            .await
            .unwrap();
        self.server = Some(serve(app));
    }

    /// Starts a second instance on the same database and clock (as a second
    /// server behind a load balancer would run); it stops when dropped.
    pub async fn spawn_peer(&self, adjust: impl FnOnce(&mut Settings)) -> Peer {
        let mut settings = self.settings.clone();
        settings.bind_addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        adjust(&mut settings);
        let state = open_state(settings.clone(), Arc::new(self.clock.clone()))
            .await
            .unwrap();
        let app = Application::with_state(state, settings.bind_addr)
            .await
            .unwrap();
        let base = format!("http://{}", app.addr());
        Peer {
            base,
            _server: serve(app).0,
        }
    }

    /// Stops the server.
    pub async fn stop(&mut self) {
        if let Some((tx, handle)) = self.server.take() {
            let _ = tx.send(());
            handle.await.unwrap().unwrap();
        }
    }

    /// Waits until `check` holds ([`eventually`]).
    pub async fn eventually<F, Fut>(&self, what: &str, check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        eventually(what, check).await
    }

    /// A gauge of the server's `/metrics` (0 when absent).
    pub async fn gauge(&self, name: &str) -> i64 {
        self.gauge_at(&self.base, name).await
    }

    /// A gauge of the `/metrics` of the instance at `base` (this one or a peer).
    pub async fn gauge_at(&self, base: &str, name: &str) -> i64 {
        let text = self
            .client
            .get(format!("{base}/metrics"))
            .bearer_auth(&self.operator)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let prefix = format!("invoice_finance_{name} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map_or(0, |v| v as i64)
    }

    /// Waits until the server runs `subscriptions` WebSocket subscriptions
    /// and the event hub has `executions` listeners: from then on every
    /// committed event reaches them (identical subscriptions that share an
    /// execution listen once). Replaces a guessed sleep before the first event.
    pub async fn listening(&self, subscriptions: i64, executions: i64) {
        self.listening_at(&self.base, subscriptions, executions)
            .await;
    }

    /// [`Self::listening`] on the instance at `base` (this one or a peer).
    pub async fn listening_at(&self, base: &str, subscriptions: i64, executions: i64) {
        self.eventually("the subscriptions are listening", || async {
            self.gauge_at(base, "ws_subscriptions").await >= subscriptions
                && self.gauge_at(base, "event_listeners").await >= executions
        })
        .await;
    }

    /// Waits until the worker has run a whole pass that began after this call
    /// and found no job due: whatever the clock made due is done. Replaces a
    /// guessed sleep before asserting that nothing (more) happened.
    pub async fn worker_settled(&self) {
        let start = self.gauge("worker_idle_passes_total").await;
        self.eventually("the worker finds nothing due", || async {
            self.gauge("worker_idle_passes_total").await >= start + 2
        })
        .await;
    }

    /// Runs a GraphQL operation with a token and returns the whole JSON response.
    pub async fn gql(&self, token: &str, query: &str, variables: Value) -> Value {
        serde_json::from_str(&self.gql_text(token, query, variables).await).unwrap()
    }

    /// Like [`gql`] but returns the response's text as it came.
    pub async fn gql_text(&self, token: &str, query: &str, variables: Value) -> String {
        self.client
            .post(&self.url)
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Like [`gql`] but asserts success and returns `data`.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let resp = self.gql(token, query, variables).await;
        assert!(resp.get("errors").is_none(), "unexpected errors: {resp:#}");
        resp["data"].clone()
    }
}

fn serve(
    app: Application,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    (tx, handle)
}

/// Another instance of the app on the same database.
pub struct Peer {
    pub base: String,
    _server: tokio::sync::oneshot::Sender<()>,
}

/// The `extensions.code` of the first error.
/// Reads with `read` every 50 ms until `done` holds for the reading, and
/// returns that reading; after 10 s panics with `what` and the last one.
pub async fn until<T, F, Fut>(what: &str, mut read: F, done: impl Fn(&T) -> bool) -> T
where
    T: std::fmt::Debug,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut last = read().await;
    for _ in 0..200 {
        if done(&last) {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        last = read().await;
    }
    panic!("timed out waiting for {what}; last read: {last:?}");
}

/// Waits until `check` holds (polling every 50 ms), or panics after 10 s.
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    until(what, check, |ok| *ok).await;
}

pub fn code(resp: &Value) -> &str {
    resp["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

/// The nodes of a connection's `edges`, in order.
pub fn nodes(connection: &Value) -> Vec<Value> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection with edges: {connection}"))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The `extensions.field` of the first error.
pub fn field(resp: &Value) -> &str {
    resp["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or("<none>")
}

/// Declares a test body run once on SQLite and once on PostgreSQL, optionally
/// with adjusted settings.
#[macro_export]
macro_rules! db_test {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::db_test!($name, settings = |_s| {}, |$app| $body);
    };
    ($name:ident, settings = |$s:ident| $adjust:block, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::helpers::{Backend, TestApp};

            async fn run($app: TestApp) $body

            fn adjust($s: &mut invoice_finance::config::Settings) $adjust

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(TestApp::spawn_with(Backend::Sqlite, adjust).await.unwrap()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = TestApp::spawn_with(Backend::Postgres, adjust).await {
                    run(app).await;
                }
            }
        }
    };
}

/// Declares a test of `body` (an async function of the [`Backend`]) run once
/// on SQLite and once on PostgreSQL, as `name::sqlite` and `name::postgres`;
/// the body skips PostgreSQL where it is not configured.
#[macro_export]
macro_rules! backend_test {
    ($name:ident) => {
        $crate::backend_test!($name, $name);
    };
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body($crate::helpers::Backend::Postgres).await;
            }
        }
    };
}

/// The cursor before the first event: replays everything.
pub fn cursor_zero() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("c:0")
}

/// Rows and index entries PostgreSQL read from `table` and its indexes in
/// the current transaction.
pub async fn rows_read(txn: &sea_orm::DatabaseTransaction, table: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let sql = format!(
        "SELECT CAST(pg_stat_get_xact_tuples_returned('{table}'::regclass) \
         + pg_stat_get_xact_tuples_fetched('{table}'::regclass) \
         + (SELECT COALESCE(SUM(pg_stat_get_xact_tuples_returned(indexrelid)), 0) \
            FROM pg_index WHERE indrelid = '{table}'::regclass) AS BIGINT) AS n"
    );
    let row = txn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// Holds the customers' write lock until released, so that a write to them
/// waits: on PostgreSQL a lock of the table (reads of it wait too), on
/// SQLite the file's write lock (reads go on).
pub enum Blocker {
    Postgres(sqlx::PgConnection),
    Sqlite(sqlx::SqliteConnection),
}

impl Blocker {
    pub async fn hold(app: &TestApp) -> Blocker {
        use sqlx::Connection;
        if app.database_url.starts_with("postgres") {
            let mut c = sqlx::PgConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query("BEGIN").execute(&mut c).await.unwrap();
            sqlx::query("LOCK TABLE customer IN ACCESS EXCLUSIVE MODE")
                .execute(&mut c)
                .await
                .unwrap();
            Blocker::Postgres(c)
        } else {
            let mut c = sqlx::SqliteConnection::connect(&app.database_url)
                .await
                .unwrap();
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut c)
                .await
                .unwrap();
            Blocker::Sqlite(c)
        }
    }

    pub async fn release(self) {
        match self {
            Blocker::Postgres(mut c) => {
                sqlx::query("ROLLBACK").execute(&mut c).await.unwrap();
            }
            Blocker::Sqlite(mut c) => {
                sqlx::query("ROLLBACK").execute(&mut c).await.unwrap();
            }
        }
    }
}
