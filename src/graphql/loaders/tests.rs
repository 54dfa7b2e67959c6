//! How a loader's failure reaches the client and the log.

use super::LoadError;
use crate::client_error::GqlError;
use crate::error::AppError;
use sea_orm::DbErr;

/// The log lines written while `f` runs.
fn logged(f: impl FnOnce()) -> String {
    let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || Sink(sink.clone()))
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, f);
    let bytes = buf.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_loaders_database_error_is_logged_with_its_cause() {
    let failed = || AppError::from(DbErr::Custom("the statement timed out".into()));
    // Answered directly and through a DataLoader (which shares its error
    // between the fields that waited for the batch), the client gets
    // INTERNAL and the log the database's error as the cause.
    let check = |how: &str, answer: &dyn Fn() -> GqlError| {
        let mut code = None;
        let log = logged(|| code = answer().0.extensions.and_then(|x| x.get("code").cloned()));
        assert_eq!(code, Some(async_graphql::Value::from("INTERNAL")), "{how}");
        let cause = r#"cause=Some(Custom("the statement timed out"))"#;
        assert!(log.contains(cause), "{how}: {log}");
    };
    check("directly", &|| GqlError::from(failed()));
    check("through a loader", &|| {
        GqlError::from(LoadError(std::sync::Arc::new(failed())))
    });
}

#[test]
fn a_loaders_batch_cut_off_by_the_database_is_unavailable() {
    // The pool found no connection in time, or the database dropped the
    // batch's: the fields that waited for it are told to try again, as a
    // resolver reading directly is, not that the server failed.
    let cut_off = || {
        AppError::from(DbErr::ConnectionAcquire(
            sea_orm::error::ConnAcquireErr::Timeout,
        ))
    };
    let code = |e: GqlError| e.0.extensions.and_then(|x| x.get("code").cloned());
    let unavailable = Some(async_graphql::Value::from("UNAVAILABLE"));
    assert_eq!(code(GqlError::from(cut_off())), unavailable, "directly");
    let shared = LoadError(std::sync::Arc::new(cut_off()));
    assert_eq!(
        code(GqlError::from(shared)),
        unavailable,
        "through a loader"
    );
}
