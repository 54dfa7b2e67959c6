//! A postal address, as a customer's record and an invoice's print keep it.

/// The country of an address that names none.
pub const HOME_COUNTRY: &str = "SE";

/// A stored address: each part may be missing; the country is always known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// Street.
    pub street: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Five-digit postal code.
    pub postal_code: Option<String>,
    /// ISO country code.
    pub country: String,
}

impl Address {
    /// No address: every part empty, the country Sweden.
    pub fn none() -> Self {
        Self {
            country: HOME_COUNTRY.into(),
            ..Self::default()
        }
    }

    /// The address of a stored record's four columns.
    pub fn of_columns(
        street: &Option<String>,
        postal_code: &Option<String>,
        city: &Option<String>,
        country: &str,
    ) -> Self {
        Self {
            street: street.clone(),
            city: city.clone(),
            postal_code: postal_code.clone(),
            country: country.to_string(),
        }
    }

    /// Whether street, city and postal code are all missing.
    pub fn is_empty(&self) -> bool {
        self.street.is_none() && self.city.is_none() && self.postal_code.is_none()
    }
}
