//! A short reliability drill on PostgreSQL: two server processes, clients with
//! same-key retries, two SIGKILLs, then the books (see `examples/drill.rs` and
//! RELIABILITY.md for the long run with a database restart).

use crate::helpers::postgres_url;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_drill_with_two_kills_finds_no_violation() {
    let Some(url) = postgres_url() else { return };
    // `cargo test` builds the examples next to the test binaries.
    let exe = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("examples").join("drill"))
        .unwrap();
    assert!(
        exe.exists(),
        "the drill example is built by cargo test: {}",
        exe.display()
    );
    let out = tokio::process::Command::new(exe)
        .args([
            "--database-url",
            &url,
            "--instances",
            "2",
            "--clients",
            "4",
            "--seconds",
            "30",
            "--kills",
            "2",
            "--drain-seconds",
            "60",
        ])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let summary = stdout
        .lines()
        .find(|l| l.starts_with("drill:"))
        .unwrap_or("");
    assert!(out.status.success(), "{summary}\n{stderr}");
    assert!(summary.contains(" 2 kills"), "{summary}");
    assert!(summary.contains(" 0 violations"), "{summary}");
    // The mix reached what the books are checked on.
    for what in [
        "sales",
        "Nox Finans cases",
        "credit notes",
        "tax reduction denials",
        "collections",
    ] {
        assert!(count_of(summary, what) > 0, "no {what}: {summary}");
    }
}

/// The number the summary gives before `what` (`… 216 sales, …`).
fn count_of(summary: &str, what: &str) -> u64 {
    summary
        .split(", ")
        .find_map(|part| {
            part.strip_suffix(what)?
                .trim()
                .rsplit(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}
