//! The error type of the data and service layers. The GraphQL edge maps it once
//! to a client error with a stable `extensions.code` (see `graphql::error`).

use sea_orm::{DbErr, RuntimeErr, SqlErr};

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
    #[error("{0}")]
    Conflict(String),
    /// The invoice is sold: its customer pays the financier, not the company.
    #[error("{0}")]
    InvoiceSold(String),
    /// Anything unexpected; details go to the log, never to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A [`AppError::NotFound`] for `what`, found through input `field`.
    pub fn not_found(what: &'static str, field: impl Into<String>) -> Self {
        Self::NotFound {
            what,
            field: Some(field.into()),
        }
    }

    /// A [`AppError::Validation`] on `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(FieldError::new(field, message))
    }
}

impl From<DbErr> for AppError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => {
                Self::Conflict(format!("already exists ({})", unique_target(&detail)))
            }
            _ => match &e {
                DbErr::Conn(RuntimeErr::SqlxError(_)) | DbErr::ConnectionAcquire(_) => {
                    Self::Internal(format!("database unavailable: {e}"))
                }
                _ => Self::Internal(format!("database: {e}")),
            },
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
