//! Settings: defaults, validation and durations.

use super::*;

#[test]
fn one_source_of_defaults_and_both_sets_are_valid() {
    let d = Settings::defaults();
    assert_eq!(d.bind_addr.to_string(), "127.0.0.1:8000");
    assert_eq!(d.database_url, "sqlite://invoice-finance.sqlite?mode=rwc");
    assert_eq!(d.worker_poll_ms, 500);
    assert_eq!(d.event_poll_ms, 500);
    assert_eq!(d.database_pool_size, 10);
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
