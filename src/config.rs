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
    /// The request timeout as a [`Duration`].
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// Checks every value and names each bad one with what it should be.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let mut bad = Vec::new();
        let mut range = |name: &str, v: u64, lo: u64, hi: u64, unit: &str| {
            if !(lo..=hi).contains(&v) {
                bad.push(format!("{name}={v}: must be between {lo} and {hi}{unit}"));
            }
        };
        let s = self;
        range(
            "MAX_BODY_BYTES",
            s.max_body_bytes as u64,
            1024,
            64 << 20,
            " bytes",
        );
        range(
            "REQUEST_TIMEOUT_SECS",
            s.request_timeout_secs,
            1,
            3_600,
            " seconds",
        );
        range("MAX_QUERY_DEPTH", s.max_query_depth as u64, 2, 256, "");
        range(
            "MAX_QUERY_COMPLEXITY",
            s.max_query_complexity as u64,
            10,
            10_000_000,
            "",
        );
        range("MAX_PAGE_SIZE", u64::from(s.max_page_size), 1, 10_000, "");
        range("MAX_BATCH_SIZE", s.max_batch_size as u64, 1, 1_000, "");
        range(
            "SPOT_CHECK_DEADLINE_BANKING_DAYS",
            u64::from(s.spot_check_deadline_banking_days),
            0,
            30,
            "",
        );
        range(
            "SPOT_CHECK_DEADLINE_HOUR",
            u64::from(s.spot_check_deadline_hour),
            0,
            23,
            "",
        );
        range("PAYOUT_HOUR", u64::from(s.payout_hour), 0, 23, "");
        range("WORKER_POLL_MS", s.worker_poll_ms, 10, 60_000, " ms");
        range(
            "JOB_RETRY_BASE_MS",
            u64::try_from(s.job_retry_base_ms).unwrap_or(0),
            1,
            3_600_000,
            " ms",
        );
        range(
            "JOB_MAX_ATTEMPTS",
            u64::try_from(s.job_max_attempts).unwrap_or(0),
            1,
            100,
            "",
        );
        range("EVENT_POLL_MS", s.event_poll_ms, 10, 60_000, " ms");
        range("CLOCK_SPEED", u64::from(s.clock_speed), 1, 100_000, "");
        range(
            "WS_INIT_TIMEOUT_MS",
            s.ws_init_timeout_ms,
            100,
            600_000,
            " ms",
        );
        range(
            "WS_PING_INTERVAL_MS",
            s.ws_ping_interval_ms,
            100,
            3_600_000,
            " ms",
        );
        range(
            "WS_PONG_TIMEOUT_MS",
            s.ws_pong_timeout_ms,
            100,
            600_000,
            " ms",
        );
        range(
            "WS_SEND_TIMEOUT_MS",
            s.ws_send_timeout_ms,
            100,
            600_000,
            " ms",
        );
        range(
            "WS_MAX_SUBSCRIPTIONS",
            s.ws_max_subscriptions as u64,
            1,
            10_000,
            "",
        );
        range(
            "HEADER_READ_TIMEOUT_SECS",
            s.header_read_timeout_secs,
            1,
            3_600,
            " seconds",
        );
        range(
            "MAX_CONNECTIONS",
            s.max_connections as u64,
            1,
            1_000_000,
            "",
        );
        range(
            "RATE_LIMIT_BURST",
            u64::from(s.rate_limit_burst),
            1,
            1_000_000,
            "",
        );
        range(
            "ANON_RATE_LIMIT_BURST",
            u64::from(s.anon_rate_limit_burst),
            1,
            1_000_000,
            "",
        );
        let days = 30 * 86_400;
        range(
            "SALE_PROCESSING_DELAY_SECS",
            u64::try_from(s.sale_processing_delay_secs).unwrap_or(u64::MAX),
            0,
            days,
            " seconds",
        );
        range(
            "NOX_ACCEPTANCE_DELAY_SECS",
            u64::try_from(s.nox_acceptance_delay_secs).unwrap_or(u64::MAX),
            0,
            days,
            " seconds",
        );
        for origin in &s.cors_origins {
            if let Err(why) = check_origin(origin.trim()) {
                bad.push(format!("CORS_ORIGINS `{origin}`: {why}"));
            }
        }
        if tracing_subscriber::EnvFilter::try_new(&s.log_level).is_err() {
            bad.push(format!(
                "LOG_LEVEL=`{}`: not a log filter (e.g. `info` or `invoice_finance=debug,sea_orm=warn`)",
                s.log_level
            ));
        }
        if !(s.database_url.starts_with("sqlite:")
            || s.database_url.starts_with("postgres://")
            || s.database_url.starts_with("postgresql://"))
        {
            bad.push("DATABASE_URL: must start with sqlite: or postgres://".to_string());
        }
        if let Some(secret) = &s.spot_check_secret
            && secret.trim().chars().count() < 32
        {
            bad.push(
                "SPOT_CHECK_SECRET: must be at least 32 characters (e.g. `openssl rand -hex 32`)"
                    .to_string(),
            );
        }
        if let Some(m) = s.metrics_addr
            && m == s.bind_addr
            && m.port() != 0
        {
            bad.push(format!("METRICS_ADDR={m}: must differ from BIND_ADDR"));
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(SettingsError(bad))
        }
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

/// Settings that cannot be served, each with what it should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid settings:\n  {}", .0.join("\n  "))]
pub struct SettingsError(pub Vec<String>);

/// An origin for CORS: `http(s)://host[:port]`, nothing more. `*` is refused:
/// the API takes bearer tokens and must name the web apps it serves.
fn check_origin(o: &str) -> Result<(), &'static str> {
    if o == "*" || o.contains('*') {
        return Err(
            "a wildcard is not allowed; list each web app's origin, e.g. https://app.example.se",
        );
    }
    let rest = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"))
        .ok_or("an origin starts with https:// or http://")?;
    if rest.is_empty() || rest.contains('/') || rest.contains(char::is_whitespace) {
        return Err("an origin is scheme and host (and port) only, with no path or trailing slash");
    }
    if axum::http::HeaderValue::from_str(o).is_err() {
        return Err("not a valid header value");
    }
    Ok(())
}

/// Reads a duration such as `90d`, `12h`, `30m`, `45s` or `250ms` (a bare
/// number is seconds). Zero is refused.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a duration (e.g. 90d, 12h, 30m, 45s)"))?;
    let secs_per = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "ms" => {
            return (n > 0)
                .then(|| Duration::from_millis(n))
                .ok_or_else(|| format!("`{s}`: a duration must be more than zero"));
        }
        other => {
            return Err(format!(
                "`{s}`: unknown unit `{other}` (use ms, s, m, h, d or w)"
            ));
        }
    };
    let secs = n
        .checked_mul(secs_per)
        .filter(|v| *v <= 100 * 366 * 86_400)
        .ok_or_else(|| format!("`{s}` is longer than a hundred years"))?;
    if secs == 0 {
        return Err(format!("`{s}`: a duration must be more than zero"));
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_source_of_defaults_and_both_sets_are_valid() {
        let d = Settings::defaults();
        assert_eq!(d.bind_addr.to_string(), "127.0.0.1:8000");
        assert_eq!(d.database_url, "sqlite://invoice-finance.sqlite?mode=rwc");
        assert_eq!(d.worker_poll_ms, 500);
        assert_eq!(d.event_poll_ms, 500);
        assert_eq!(d.rate_limit_per_second, 50);
        assert_eq!(d.seed_demo, None);
        assert!(d.introspection);
        assert_eq!(d.validate(), Ok(()));
        let t = Settings::for_database("sqlite::memory:");
        assert_eq!(t.validate(), Ok(()));
        // Tests share every default not named in for_database.
        assert_eq!(t.max_body_bytes, d.max_body_bytes);
        assert_eq!(t.max_query_complexity, d.max_query_complexity);
        assert_eq!(t.header_read_timeout_secs, d.header_read_timeout_secs);
        assert_eq!(t.ws_ping_interval_ms, d.ws_ping_interval_ms);
    }

    #[test]
    fn durations_parse_with_units_and_refuse_zero() {
        assert_eq!(parse_duration("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert!(parse_duration("0d").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
