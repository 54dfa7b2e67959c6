//! Use cases. Each one loads what it needs through the tenant-scoped store, asks the
//! pure domain, and writes everything in one transaction.

pub mod customers;
pub mod invoices;
pub mod nox;
pub mod nox_case;
pub mod operators;
pub mod sales;

pub use crate::domain::address::Address;
use crate::domain::{FieldError, MAX_NAME_CHARS, bounded_text};

/// A change to an optional field: keep what is there, clear it, or set a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Leave as is (the field was not sent).
    #[default]
    Keep,
    /// Remove the value (the field was sent as `null`).
    Clear,
    /// Set this value.
    Set(T),
}

impl<T> Patch<T> {
    /// Applies the patch to `current`, validating a new value with `parse`.
    pub fn apply<U>(
        self,
        current: Option<U>,
        parse: impl FnOnce(T) -> Result<U, FieldError>,
    ) -> Result<Option<U>, FieldError> {
        match self {
            Patch::Keep => Ok(current),
            Patch::Clear => Ok(None),
            Patch::Set(v) => parse(v).map(Some),
        }
    }
}

impl Patch<String> {
    /// Treats a blank string as [`Patch::Clear`] and trims the rest.
    pub fn trimmed(self) -> Self {
        match self {
            Patch::Set(s) if s.trim().is_empty() => Patch::Clear,
            Patch::Set(s) => Patch::Set(s.trim().to_string()),
            other => other,
        }
    }
}

/// An address as sent by a client.
#[derive(Debug, Clone, Default)]
pub struct AddressPatch {
    /// Street.
    pub street: Patch<String>,
    /// City.
    pub city: Patch<String>,
    /// Postal code.
    pub postal_code: Patch<String>,
    /// Country.
    pub country: Patch<String>,
}

impl Patch<AddressPatch> {
    /// The address after the patch: kept, cleared to [`Address::none`], or
    /// patched part by part (fields named under `prefix`).
    pub fn apply_to(self, current: Address, prefix: &str) -> Result<Address, FieldError> {
        match self {
            Patch::Keep => Ok(current),
            Patch::Clear => Ok(Address::none()),
            Patch::Set(p) => p.apply(current, prefix),
        }
    }
}

impl AddressPatch {
    /// Applies the patch to `current`, validating each field under `prefix`.
    pub fn apply(self, current: Address, prefix: &str) -> Result<Address, FieldError> {
        use crate::domain::identifiers::{parse_country, parse_postal_code};
        let text =
            |field: &str, s: String| bounded_text(&format!("{prefix}.{field}"), s, MAX_NAME_CHARS);
        let street = self
            .street
            .trimmed()
            .apply(current.street, |s| text("street", s))?;
        let city = self
            .city
            .trimmed()
            .apply(current.city, |s| text("city", s))?;
        let postal_code = self.postal_code.trimmed().apply(current.postal_code, |s| {
            parse_postal_code(&format!("{prefix}.postalCode"), &s)
        })?;
        let country = match self.country.trimmed() {
            Patch::Keep => current.country,
            Patch::Clear => crate::domain::address::HOME_COUNTRY.to_string(),
            Patch::Set(c) => parse_country(&format!("{prefix}.country"), &c)?,
        };
        Ok(Address {
            street,
            city,
            postal_code,
            country,
        })
    }
}
