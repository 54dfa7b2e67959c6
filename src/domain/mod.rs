//! Pure business rules: no database, no GraphQL, no async runtime.
//!
//! Everything here is a plain function over plain data, tested in place.

pub mod banking;
pub mod identifiers;
pub mod invoice;
pub mod ledger;
pub mod money;
pub mod notification;
pub mod nox;
pub mod nox_case;
pub mod sale;
pub mod time;

/// A rule broken by input, naming the input field it concerns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The input field, in the API's spelling (e.g. `rows[0].unitPrice`).
    pub field: String,
    /// A sentence a person understands.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
