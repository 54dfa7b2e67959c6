//! The error type of the data and service layers. The GraphQL edge maps it once
//! to a client error with a stable `extensions.code` (`client_error`).

use sea_orm::{DbErr, SqlErr};

use crate::domain::FieldError;

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No valid credentials were presented.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The thing does not exist, or belongs to another company (indistinguishable).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. `invoice`.
        what: &'static str,
        /// The input field that named it, if any.
        field: Option<String>,
    },
    /// Input broke a rule.
    #[error(transparent)]
    Validation(#[from] FieldError),
    /// The invoice cannot be sold (or handed over) for these reasons.
    #[error("{message}")]
    NotEligible {
        /// Summary.
        message: String,
        /// Every reason, with its code.
        reasons: Vec<crate::domain::sale::Reason>,
    },
    /// The quote a sale was confirmed against no longer holds.
    #[error("{0}")]
    QuoteChanged(String),
    /// The request is valid but the current state does not allow it.
    #[error("{message}")]
    Conflict {
        /// What the client is told.
        message: String,
        /// What refused the change, when an error did (a unique index, say).
        #[source]
        cause: Option<Box<AppError>>,
    },
    /// The invoice is sold: its customer pays the financier, not the company.
    #[error("{0}")]
    InvoiceSold(String),
    /// A unique index refused the write: a record with these values exists
    /// (often a concurrent request with the same key that committed first).
    /// The store tells the ones a client can meet in the domain's words
    /// ([`AppError::duplicate_as`]).
    #[error("a record with these values already exists")]
    Duplicate {
        /// The database's refusal.
        #[source]
        source: DbErr,
    },
    /// The database failed; the cause goes to the log, never to the client.
    #[error("database: {source}")]
    Database {
        /// The database's error.
        #[source]
        source: DbErr,
    },
    /// Anything unexpected; details go to the log, never to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<std::convert::Infallible> for AppError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

impl AppError {
    /// A [`AppError::NotFound`] for `what`, found through input `field`.
    pub fn not_found(what: &'static str, field: impl Into<String>) -> Self {
        Self::NotFound {
            what,
            field: Some(field.into()),
        }
    }

    /// A [`AppError::Conflict`] saying `message`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            cause: None,
        }
    }

    /// This error as a [`AppError::Conflict`] saying `message`, kept as its
    /// cause.
    fn into_conflict(self, message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            cause: Some(Box::new(self)),
        }
    }

    /// A unique index's refusal ([`AppError::Duplicate`]) as a conflict
    /// saying `message`, the refusal kept as its cause; any other error as it
    /// is. For the code that wrote the row: it knows which index the write
    /// can meet, where the database's message would have to be read.
    pub fn duplicate_as(self, message: impl Into<String>) -> Self {
        match self {
            e @ Self::Duplicate { .. } => e.into_conflict(message),
            other => other,
        }
    }

    /// A [`AppError::Validation`] on `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(FieldError::new(field, message))
    }
}

impl AppError {
    /// The request collided with a state or a record that exists: the
    /// `CONFLICT` errors, whether a rule or a unique index said so.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. } | Self::Duplicate { .. })
    }

    /// The database was out of reach ([`unavailable`]): a retry may succeed.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Database { source } if unavailable(source))
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Duplicate { source: e },
            _ => Self::Database { source: e },
        }
    }
}

/// Whether the database could not be reached or dropped the connection: the
/// pool found no connection in time, the link broke, or PostgreSQL ended the
/// session as it shut down or restarted (SQLSTATE classes `08` and `57P`),
/// or the SQLite file stayed locked by another writer past the busy timeout.
/// A retry may succeed; the client is told `UNAVAILABLE`, not `INTERNAL`.
pub fn unavailable(e: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let sqlx = match e {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(s))
        | DbErr::Exec(RuntimeErr::SqlxError(s))
        | DbErr::Query(RuntimeErr::SqlxError(s)) => s,
        _ => return false,
    };
    match sqlx.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => match d.try_downcast_ref::<sqlx::sqlite::SqliteError>() {
            // SQLITE_BUSY and SQLITE_LOCKED, with their extended codes: the
            // file stayed locked past the connection's busy timeout.
            Some(_) => d
                .code()
                .and_then(|c| c.parse::<i32>().ok())
                .is_some_and(|c| matches!(c & 0xff, 5 | 6)),
            None => d
                .code()
                .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
        },
        _ => false,
    }
}

/// Result of the service and data layers.
pub type AppResult<T> = Result<T, AppError>;

/// A record looked up by an id the client gave: absent is
/// [`AppError::NotFound`], naming what was sought and the input field.
pub trait OrNotFound<T> {
    /// The record, or `NOT_FOUND` for `what` through input `field`.
    fn or_not_found(self, what: &'static str, field: &str) -> AppResult<T>;
}

impl<T> OrNotFound<T> for Option<T> {
    fn or_not_found(self, what: &'static str, field: &str) -> AppResult<T> {
        self.ok_or_else(|| AppError::not_found(what, field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectionTrait, Database, TransactionTrait};

    #[tokio::test]
    async fn database_errors_keep_their_cause() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared(
            "CREATE TABLE company (id INTEGER PRIMARY KEY, organisation_number TEXT UNIQUE)",
        )
        .await
        .unwrap();
        let insert = "INSERT INTO company (organisation_number) VALUES ('559012-3450')";
        db.execute_unprepared(insert).await.unwrap();

        let twice = AppError::from(db.execute_unprepared(insert).await.unwrap_err());
        assert!(matches!(twice, AppError::Duplicate { .. }), "{twice:?}");
        assert!(twice.is_conflict());
        assert_eq!(
            twice.to_string(),
            "a record with these values already exists"
        );
        let cause = std::error::Error::source(&twice).map(ToString::to_string);
        assert!(
            cause.is_some_and(|c| c.contains("UNIQUE constraint failed")),
            "the unique index's refusal is kept as the cause"
        );
        // Told in the domain's words, the refusal stays its cause.
        let held = twice.duplicate_as("the company is already registered");
        assert!(held.is_conflict());
        assert_eq!(held.to_string(), "the company is already registered");
        let cause = std::error::Error::source(&held).and_then(std::error::Error::source);
        assert!(
            cause.is_some_and(|c| c.to_string().contains("UNIQUE constraint failed")),
            "{held:?}"
        );

        let broken = AppError::from(
            db.execute_unprepared("SELECT * FROM no_such_table")
                .await
                .unwrap_err(),
        );
        assert!(matches!(broken, AppError::Database { .. }), "{broken:?}");
        assert!(!broken.is_conflict());
        // Only a unique index's refusal becomes a conflict.
        let broken = broken.duplicate_as("the company is already registered");
        assert!(matches!(broken, AppError::Database { .. }), "{broken:?}");
        let cause = std::error::Error::source(&broken).map(ToString::to_string);
        assert!(cause.is_some_and(|c| c.contains("no_such_table")));
    }

    #[tokio::test]
    async fn only_a_database_out_of_reach_is_unavailable() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        let broken = db
            .execute_unprepared("SELECT * FROM no_such_table")
            .await
            .unwrap_err();
        assert!(!unavailable(&broken), "{broken:?}");
        let timed_out = DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout);
        assert!(unavailable(&timed_out));
        let broken = sqlx::Error::Io(std::io::ErrorKind::ConnectionReset.into());
        let reset = DbErr::Conn(sea_orm::RuntimeErr::SqlxError(std::sync::Arc::new(broken)));
        assert!(unavailable(&reset));
        let other = DbErr::Query(sea_orm::RuntimeErr::Internal("a bug".into()));
        assert!(!unavailable(&other));
    }

    #[tokio::test]
    async fn a_sqlite_file_locked_past_the_wait_is_unavailable() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("locked.db").display()
        );
        let holder = Database::connect(&url).await.unwrap();
        holder
            .execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        // One connection, so that it is the one told not to wait.
        let mut one = sea_orm::ConnectOptions::new(&url);
        one.max_connections(1).min_connections(1);
        let writer = Database::connect(one).await.unwrap();
        writer
            .execute_unprepared("PRAGMA busy_timeout = 0")
            .await
            .unwrap();
        let held = holder.begin().await.unwrap();
        held.execute_unprepared("INSERT INTO t (id) VALUES (1)")
            .await
            .unwrap();
        let locked = writer
            .execute_unprepared("INSERT INTO t (id) VALUES (2)")
            .await
            .unwrap_err();
        assert!(
            locked.to_string().contains("locked"),
            "SQLite refused the second writer: {locked:?}"
        );
        assert!(unavailable(&locked), "{locked:?}");
        held.rollback().await.unwrap();
        // Once the lock is gone the write goes through, and another of
        // SQLite's refusals is no reason to try again.
        writer
            .execute_unprepared("INSERT INTO t (id) VALUES (2)")
            .await
            .unwrap();
        let twice = writer
            .execute_unprepared("INSERT INTO t (id) VALUES (3), (3)")
            .await
            .unwrap_err();
        assert!(!unavailable(&twice), "{twice:?}");
    }
}
