//! The error type of the data and service layers. The GraphQL edge maps it once
//! to a client error with a stable `extensions.code` (see `graphql::error`).

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
    #[error("already exists ({what})")]
    Duplicate {
        /// What exists, for the client.
        what: &'static str,
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
    pub fn into_conflict(self, message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            cause: Some(Box::new(self)),
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
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => Self::Duplicate {
                what: unique_target(&detail),
                source: e,
            },
            _ => Self::Database { source: e },
        }
    }
}

/// The constraint or column a unique-violation message names, for the client.
fn unique_target(detail: &str) -> &'static str {
    if detail.contains("customer_number") || detail.contains("ux_customer_company_number") {
        "a customer with this customer number"
    } else if detail.contains("invoice_number") || detail.contains("ux_invoice_company_number") {
        "an invoice with this number"
    } else if detail.contains("organisation_number") {
        "a company with this organisation number"
    } else {
        "a record with these values"
    }
}

/// Result of the service and data layers.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectionTrait, Database};

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
            "already exists (a company with this organisation number)"
        );
        let cause = std::error::Error::source(&twice).map(ToString::to_string);
        assert!(
            cause.is_some_and(|c| c.contains("UNIQUE constraint failed")),
            "the unique index's refusal is kept as the cause"
        );
        // Told as a rule of the domain, the refusal stays its cause.
        let held = twice.into_conflict("the company is already registered");
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
        let cause = std::error::Error::source(&broken).map(ToString::to_string);
        assert!(cause.is_some_and(|c| c.contains("no_such_table")));
    }
}
