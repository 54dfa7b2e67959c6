//! Checking settings before serving: each bad value is named with what it
//! should be.

use std::time::Duration;

use super::Settings;

impl Settings {
    /// Checks every value and names each bad one with what it should be.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let mut bad = Vec::new();
        let s = self;
        // Negative numbers read as out of range: 0 where 0 is refused, the
        // largest value where 0 is allowed.
        let below = |v: i64| u64::try_from(v).unwrap_or(0);
        let above = |v: i64| u64::try_from(v).unwrap_or(u64::MAX);
        let month = 30 * 86_400;
        #[rustfmt::skip]
        let ranges: [(&str, u64, u64, u64, &str); 27] = [
            ("DATABASE_POOL_SIZE", u64::from(s.database_pool_size), 1, 1_000, ""),
            ("MAX_BODY_BYTES", s.max_body_bytes as u64, 1024, 64 << 20, " bytes"),
            ("REQUEST_TIMEOUT_SECS", s.request_timeout_secs, 1, 3_600, " seconds"),
            ("MAX_QUERY_DEPTH", s.max_query_depth as u64, 2, 256, ""),
            ("MAX_QUERY_COMPLEXITY", s.max_query_complexity as u64, 10, 10_000_000, ""),
            ("MAX_PAGE_SIZE", u64::from(s.max_page_size), 1, 10_000, ""),
            ("MAX_BATCH_SIZE", s.max_batch_size as u64, 1, 1_000, ""),
            ("SPOT_CHECK_DEADLINE_BANKING_DAYS", u64::from(s.spot_check_deadline_banking_days), 0, 30, ""),
            ("SPOT_CHECK_DEADLINE_HOUR", u64::from(s.spot_check_deadline_hour), 0, 23, ""),
            ("PAYOUT_HOUR", u64::from(s.payout_hour), 0, 23, ""),
            ("WORKER_POLL_MS", s.worker_poll_ms, 10, 60_000, " ms"),
            ("JOB_RETRY_BASE_MS", below(s.job_retry_base_ms), 1, 3_600_000, " ms"),
            ("JOB_MAX_ATTEMPTS", below(i64::from(s.job_max_attempts)), 1, 100, ""),
            ("EVENT_POLL_MS", s.event_poll_ms, 10, 60_000, " ms"),
            ("EVENT_READ_RETRY_MS", s.event_read_retry_ms, 100, 3_600_000, " ms"),
            ("CLOCK_SPEED", u64::from(s.clock_speed), 1, 100_000, ""),
            ("WS_INIT_TIMEOUT_MS", s.ws_init_timeout_ms, 100, 600_000, " ms"),
            ("WS_PING_INTERVAL_MS", s.ws_ping_interval_ms, 100, 3_600_000, " ms"),
            ("WS_PONG_TIMEOUT_MS", s.ws_pong_timeout_ms, 100, 600_000, " ms"),
            ("WS_SEND_TIMEOUT_MS", s.ws_send_timeout_ms, 100, 600_000, " ms"),
            ("WS_MAX_SUBSCRIPTIONS", s.ws_max_subscriptions as u64, 1, 10_000, ""),
            ("HEADER_READ_TIMEOUT_SECS", s.header_read_timeout_secs, 1, 3_600, " seconds"),
            ("MAX_CONNECTIONS", s.max_connections as u64, 1, 1_000_000, ""),
            ("RATE_LIMIT_BURST", u64::from(s.rate_limit_burst), 1, 1_000_000, ""),
            ("ANON_RATE_LIMIT_BURST", u64::from(s.anon_rate_limit_burst), 1, 1_000_000, ""),
            ("SALE_PROCESSING_DELAY_SECS", above(s.sale_processing_delay_secs), 0, month, " seconds"),
            ("NOX_ACCEPTANCE_DELAY_SECS", above(s.nox_acceptance_delay_secs), 0, month, " seconds"),
        ];
        for (name, v, lo, hi, unit) in ranges {
            if !(lo..=hi).contains(&v) {
                bad.push(format!("{name}={v}: must be between {lo} and {hi}{unit}"));
            }
        }
        if let Err(why) = s.reference_rates() {
            bad.push(format!("REFERENCE_RATES {why}"));
        }
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
