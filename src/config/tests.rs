//! Settings: defaults, validation and durations.

use std::collections::BTreeMap;

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

/// README's table of settings names every setting the binary reads from the
/// environment, with the default its definition gives (`unset` or `empty`
/// where it has none), and nothing else.
#[test]
fn readme_lists_every_setting_with_its_default() {
    let readme = include_str!("../../README.md");
    let table = readme
        .split("Settings (flag or environment variable):")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").nth(1))
        .unwrap_or("");
    let documented: BTreeMap<String, String> = table
        .lines()
        .filter_map(|line| {
            let mut cells = line.split(" | ");
            let name = cells.next()?.strip_prefix("| `")?.strip_suffix('`')?;
            let default = cells.next()?.trim_matches('`');
            Some((name.to_string(), default.to_string()))
        })
        .collect();
    let defined: BTreeMap<String, String> = Settings::augment_args(clap::Command::new("x"))
        .get_arguments()
        .filter_map(|a| {
            let env = a.get_env()?.to_string_lossy().into_owned();
            let values: Vec<String> = a
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            let default = match values.join(",") {
                d if d.is_empty() => "unset".to_string(),
                d => d,
            };
            Some((env, default))
        })
        .collect();
    assert!(documented.len() > 30, "README's table was not found");
    // OpenTelemetry's own variable, read where telemetry starts (no flag).
    let documented: BTreeMap<String, String> = documented
        .into_iter()
        .filter(|(k, _)| k != "OTEL_EXPORTER_OTLP_ENDPOINT")
        .map(|(k, v)| (k, if v == "empty" { "unset".into() } else { v }))
        .collect();
    assert_eq!(documented, defined);
}
