//! Pure business rules: no database, no GraphQL, no async runtime.
//!
//! Everything here is a plain function over plain data, tested in place.

/// A value the store keeps as text: a closed set of names.
pub trait Stored: Sized + Copy + 'static {
    /// Every value, in declaration order.
    const VALUES: &'static [Self];
    /// The stored form.
    fn stored(self) -> &'static str;
    /// Reads the stored form; `None` for a name this version does not know
    /// (callers treat that as an internal error, never as a default).
    fn from_stored(s: &str) -> Option<Self> {
        Self::VALUES.iter().copied().find(|v| v.stored() == s)
    }
}

/// Declares an enum whose values are stored as text, each variant with its
/// stored name: the enum, `as_str`, `parse`, `ALL` and its [`Stored`] impl,
/// so the list of names is written once.
macro_rules! stored_enum {
    ($(#[$m:meta])* pub enum $name:ident {
        $($(#[$vm:meta])* $variant:ident = $stored:literal),+ $(,)?
    }) => {
        $(#[$m])*
        pub enum $name {
            $($(#[$vm])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [Self; <[&str]>::len(&[$($stored),+])] = [$(Self::$variant),+];

            /// Stored form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $stored),+
                }
            }

            /// Reads the stored form; `None` for a name this version does not know.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($stored => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl $crate::domain::Stored for $name {
            const VALUES: &'static [Self] = &Self::ALL;
            fn stored(self) -> &'static str {
                self.as_str()
            }
        }
    };
}

pub mod banking;
pub mod event;
pub mod id;
pub mod identifiers;
pub mod invoice;
pub mod job;
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
