//! Typed settings, parsed from flags and environment. No global state: tests build
//! as many independent [`Settings`] as they like.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Everything the server can be configured with.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database URL: `sqlite://FILE?mode=rwc` (embedded, the default) or
    /// `postgres://user@host:port/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://invoice-finance.sqlite?mode=rwc",
        global = true
    )]
    pub database_url: String,

    /// Most connections the server holds to PostgreSQL (SQLite keeps 8).
    /// Every instance holds up to this many, so instances times this must
    /// stay under the database's `max_connections`. More is not faster once
    /// the database's cores are busy: on 2 cores, 10 served every read 5 to
    /// 11 % faster than 20 and decided 6 % more sales, and 40 decided 8 %
    /// fewer (BENCHMARKS.md).
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 10, global = true)]
    pub database_pool_size: u32,

    /// Address the HTTP server listens on. Port 0 picks a free port.
    #[arg(
        long,
        env = "BIND_ADDR",
        default_value = "127.0.0.1:8000",
        global = true
    )]
    pub bind_addr: SocketAddr,

    /// Log filter, e.g. `info` or `invoice_finance=debug,sea_orm=warn`.
    #[arg(long, env = "LOG_LEVEL", default_value = "info", global = true)]
    pub log_level: String,

    /// Log format.
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Origins allowed by CORS, comma-separated (e.g. `https://app.example.se`).
    /// Empty: no cross-origin access.
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,

    /// Reference rates (Riksbanken's referensränta) beyond those this version
    /// knows, each `YYYY-MM-DD=PERCENT` from the day it takes effect,
    /// comma-separated (e.g. `2027-01-01=2.25`); one for a known day
    /// replaces it. Late-payment interest is the rate in force plus 8
    /// percentage points.
    #[arg(long, env = "REFERENCE_RATES", value_delimiter = ',', global = true)]
    pub reference_rates: Vec<String>,

    /// Largest accepted request body, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 256 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Time allowed for one HTTP request, in seconds.
    #[arg(
        long,
        env = "REQUEST_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub request_timeout_secs: u64,

    /// Deepest query nesting accepted.
    #[arg(long, env = "MAX_QUERY_DEPTH", default_value_t = 16, global = true)]
    pub max_query_depth: usize,

    /// Highest query complexity accepted (each field counts 1, lists count
    /// their page size times their children).
    #[arg(
        long,
        env = "MAX_QUERY_COMPLEXITY",
        default_value_t = 5000,
        global = true
    )]
    pub max_query_complexity: usize,

    /// Largest page (`first`/`last`) a connection serves.
    #[arg(long, env = "MAX_PAGE_SIZE", default_value_t = 100, global = true)]
    pub max_page_size: u32,

    /// Most operations in one batched HTTP request.
    #[arg(long, env = "MAX_BATCH_SIZE", default_value_t = 10, global = true)]
    pub max_batch_size: usize,

    /// Delay before a requested sale is processed, in seconds (seconds in the
    /// demo; minutes or hours in production).
    #[arg(
        long,
        env = "SALE_PROCESSING_DELAY_SECS",
        default_value_t = 5,
        global = true
    )]
    pub sale_processing_delay_secs: i64,

    /// How many banking days a spot check may wait for an answer before its
    /// default outcome (NO_ANSWER) applies: the deadline is that many banking
    /// days (Swedish calendar) after the check starts, at
    /// SPOT_CHECK_DEADLINE_HOUR in Stockholm.
    #[arg(
        long,
        env = "SPOT_CHECK_DEADLINE_BANKING_DAYS",
        default_value_t = 1,
        global = true
    )]
    pub spot_check_deadline_banking_days: u32,

    /// Hour (Europe/Stockholm) of the spot-check deadline on its banking day.
    #[arg(
        long,
        env = "SPOT_CHECK_DEADLINE_HOUR",
        default_value_t = 16,
        global = true
    )]
    pub spot_check_deadline_hour: u32,

    /// Hour of the payout date (Europe/Stockholm) at which payouts leave.
    #[arg(long, env = "PAYOUT_HOUR", default_value_t = 6, global = true)]
    pub payout_hour: u32,

    /// Delay before Nox Finans accepts a submitted invoice, in seconds ("it can
    /// take a few minutes").
    #[arg(
        long,
        env = "NOX_ACCEPTANCE_DELAY_SECS",
        default_value_t = 120,
        global = true
    )]
    pub nox_acceptance_delay_secs: i64,

    /// How often the background worker looks for due jobs, in milliseconds.
    #[arg(long, env = "WORKER_POLL_MS", default_value_t = 500, global = true)]
    pub worker_poll_ms: u64,

    /// How many times a job is tried before it is dead (left for an operator
    /// to retry with `retryDeadJob`).
    #[arg(long, env = "JOB_MAX_ATTEMPTS", default_value_t = 8, global = true)]
    pub job_max_attempts: i32,

    /// The first retry delay of a failed job, in milliseconds; it doubles with
    /// each attempt, up to an hour.
    #[arg(
        long,
        env = "JOB_RETRY_BASE_MS",
        default_value_t = 5_000,
        global = true
    )]
    pub job_retry_base_ms: i64,

    /// How often the event hub polls the outbox for events of other instances,
    /// in milliseconds (commits in this instance wake it at once).
    #[arg(long, env = "EVENT_POLL_MS", default_value_t = 500, global = true)]
    pub event_poll_ms: u64,

    /// How long a subscription keeps trying to read an event's subject while
    /// the database fails, in milliseconds; then it ends, before that event,
    /// and its client resumes with `after`.
    #[arg(
        long,
        env = "EVENT_READ_RETRY_MS",
        default_value_t = 30_000,
        global = true
    )]
    pub event_read_retry_ms: u64,

    /// How many times faster than real time the app's clock runs (1: real
    /// time). With 1440 a demo lives a day per minute.
    #[arg(long, env = "CLOCK_SPEED", default_value_t = 1, global = true)]
    pub clock_speed: u32,

    /// Where the GraphiQL assets are installed (`npm ci --prefix web`).
    #[arg(
        long,
        env = "GRAPHIQL_ASSETS_DIR",
        default_value = "web/node_modules",
        global = true
    )]
    pub graphiql_assets_dir: String,

    /// WebSocket: time a client has to send `connection_init`, in milliseconds.
    #[arg(
        long,
        env = "WS_INIT_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub ws_init_timeout_ms: u64,

    /// WebSocket: interval of server pings (and legacy `ka` keep-alives), in
    /// milliseconds.
    #[arg(
        long,
        env = "WS_PING_INTERVAL_MS",
        default_value_t = 15_000,
        global = true
    )]
    pub ws_ping_interval_ms: u64,

    /// WebSocket: extra time after a ping interval in which a silent peer must
    /// answer before it is closed, in milliseconds.
    #[arg(
        long,
        env = "WS_PONG_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub ws_pong_timeout_ms: u64,

    /// WebSocket: longest a write may stay blocked by a client that does not read
    /// before the connection is closed (4503), in milliseconds.
    #[arg(
        long,
        env = "WS_SEND_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub ws_send_timeout_ms: u64,

    /// WebSocket: most subscriptions on one connection.
    #[arg(
        long,
        env = "WS_MAX_SUBSCRIPTIONS",
        default_value_t = 100,
        global = true
    )]
    pub ws_max_subscriptions: usize,

    /// Requests per second allowed to one API token (a burst of
    /// RATE_LIMIT_BURST may come at once); over it the answer is 429 with
    /// `Retry-After` and the code `RATE_LIMITED`. 0: no limit.
    #[arg(
        long,
        env = "RATE_LIMIT_PER_SECOND",
        default_value_t = 50,
        global = true
    )]
    pub rate_limit_per_second: u32,

    /// Requests one API token may send at once before the per-second rate
    /// applies.
    #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 200, global = true)]
    pub rate_limit_burst: u32,

    /// Requests per second allowed to one client address without a valid
    /// token (and WebSocket upgrades per address). 0: no limit.
    #[arg(
        long,
        env = "ANON_RATE_LIMIT_PER_SECOND",
        default_value_t = 10,
        global = true
    )]
    pub anon_rate_limit_per_second: u32,

    /// Requests one client address without a token may send at once.
    #[arg(
        long,
        env = "ANON_RATE_LIMIT_BURST",
        default_value_t = 50,
        global = true
    )]
    pub anon_rate_limit_burst: u32,

    /// Take the client address for the per-address rate limit from the last
    /// entry of `X-Forwarded-For` (the one the proxy in front added). Only
    /// behind a proxy that sets it; otherwise clients could pick their address.
    #[arg(long, env = "TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set, global = true)]
    pub trust_forwarded_for: bool,

    /// Time a client has to send a request's headers, which is also the
    /// longest a keep-alive connection may stay idle between requests, in
    /// seconds (slowloris).
    #[arg(
        long,
        env = "HEADER_READ_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    pub header_read_timeout_secs: u64,

    /// Most open client connections (HTTP and WebSocket); one more is
    /// answered 503 and closed.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 16_384, global = true)]
    pub max_connections: usize,

    /// Serve `/metrics` on this address instead of the API's (e.g.
    /// `127.0.0.1:9100`). Unset: `/metrics` on the API address needs an
    /// operator token.
    #[arg(long, env = "METRICS_ADDR", global = true)]
    pub metrics_addr: Option<SocketAddr>,

    /// Answer introspection queries (`__schema`, `__type`). GraphiQL and
    /// client generators need it; switch it off to hide the schema.
    #[arg(long, env = "INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set, global = true)]
    pub introspection: bool,

    /// Key of the routine spot-check draw (at least 32 characters), so that
    /// companies cannot predict which sales are checked. Unset: a key is
    /// generated on first start and kept in the database.
    #[arg(long, env = "SPOT_CHECK_SECRET", hide_env_values = true, global = true)]
    pub spot_check_secret: Option<String>,

    /// Seed the demo companies, customers and invoices (and print demo tokens)
    /// when the database is empty. Unset: yes on the embedded SQLite database,
    /// never on PostgreSQL (seed one deliberately with `seed-demo`).
    #[arg(long, env = "SEED_DEMO", action = clap::ArgAction::Set, global = true)]
    pub seed_demo: Option<bool>,
}

impl Settings {
    /// The reference rates interest is counted at: the built-in ones with
    /// `REFERENCE_RATES`; the first entry that does not read, named.
    pub fn reference_rates(&self) -> Result<crate::domain::nox::ReferenceRates, String> {
        let mut more = Vec::new();
        for entry in self.reference_rates.iter().filter(|e| !e.trim().is_empty()) {
            more.push(
                crate::domain::nox::parse_reference_rate(entry)
                    .map_err(|why| format!("`{entry}`: {why}"))?,
            );
        }
        Ok(crate::domain::nox::ReferenceRates::built_in().with(more))
    }

    /// The request timeout as a [`Duration`].
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// Settings for an app on `database_url`, listening on a free local port, with
    /// every other value at its default. Used by tests and tools.
    pub fn for_database(database_url: impl Into<String>) -> Self {
        let mut s = Self::defaults();
        s.database_url = database_url.into();
        // What differs from the defaults, for tests and tools: any free port,
        // quiet logs, no demo, no rate limits (one client at full speed),
        // quicker background loops and Nox Finans acceptance, and the assets
        // directory wherever the tests run from.
        s.bind_addr = SocketAddr::from(([127, 0, 0, 1], 0));
        s.log_level = "warn".into();
        s.seed_demo = Some(false);
        s.rate_limit_per_second = 0;
        s.anon_rate_limit_per_second = 0;
        s.worker_poll_ms = 50;
        s.event_poll_ms = 200;
        s.nox_acceptance_delay_secs = 5;
        s.graphiql_assets_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/web/node_modules").into();
        s
    }

    /// Every setting at its documented default: the values of the command
    /// line's definitions, the one source of defaults, read without the
    /// environment.
    #[allow(clippy::expect_used)] // the definitions' own defaults always parse
    pub fn defaults() -> Self {
        use clap::FromArgMatches;
        let command = Self::augment_args(clap::Command::new("invoice-finance"))
            .mut_args(|a| a.env(None::<&str>));
        let matches = command
            .try_get_matches_from(["invoice-finance"])
            .expect("the defaults parse");
        Self::from_arg_matches(&matches).expect("the defaults make settings")
    }
}

mod validate;

pub use validate::{SettingsError, parse_duration};

#[cfg(test)]
mod tests;
