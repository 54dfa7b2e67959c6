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
    /// (callers treat that as an internal error, never as a default; a name
    /// that is only shown reads as [`OrNewer`]).
    fn from_stored(s: &str) -> Option<Self> {
        Self::VALUES.iter().copied().find(|v| v.stored() == s)
    }
}

/// A stored name of a set that is only shown, never acted on (a
/// notification's kind): one this version knows, or one a newer version
/// wrote, kept as it was written. During a rolling upgrade the older
/// instances read the newer ones' rows this way, rather than fail on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrNewer<T> {
    /// A name this version knows.
    Known(T),
    /// A name only a newer version knows.
    Newer(String),
}

impl<T: Stored> OrNewer<T> {
    /// The stored name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Known(t) => t.stored(),
            Self::Newer(name) => name,
        }
    }
}

/// Declares an enum whose values are stored as text, each variant with its
/// stored name: the enum, `as_str`, `parse`, `ALL` and its [`Stored`] impl,
/// so the list of names is written once. Every such enum is a plain value
/// (`Debug`, `Clone`, `Copy`, `PartialEq`, `Eq`, derived here); a declaration
/// adds any other derive it needs.
macro_rules! stored_enum {
    ($(#[$m:meta])* pub enum $name:ident {
        $($(#[$vm:meta])* $variant:ident = $stored:literal),+ $(,)?
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Declares an enum of typed ids told apart by a stored kind (a job's task
/// by its `JobKind`, an event's subject by its `Topic`): each variant holds
/// the id of the row it names and is written once with its kind, and the
/// macro gives `of` (kind and key to the variant), the kind (by the name
/// after `as`) and `key`, which therefore cannot disagree.
macro_rules! keyed_enum {
    ($(#[$m:meta])* pub enum $name:ident by $kind:ident as $kind_fn:ident {
        $($(#[$vm:meta])* $variant:ident($id:ident) = $k:ident),+ $(,)?
    }) => {
        $(#[$m])*
        pub enum $name {
            $($(#[$vm])* $variant($id)),+
        }

        impl $name {
            /// The value a stored row holds: its kind and its subject's key.
            pub fn of(kind: $kind, key: i64) -> Self {
                match kind {
                    $($kind::$k => Self::$variant($id::new(key))),+
                }
            }

            /// Its kind, as stored.
            pub fn $kind_fn(self) -> $kind {
                match self {
                    $(Self::$variant(_) => $kind::$k),+
                }
            }

            /// The key of the row it names, as stored.
            pub fn key(self) -> i64 {
                match self {
                    $(Self::$variant(id) => id.get()),+
                }
            }
        }
    };
}
pub(crate) use keyed_enum;

pub mod address;
pub mod banking;
pub mod event;
pub mod id;
pub mod idempotency;
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

/// Free text of at most `max` characters (not bytes) for `field`.
pub fn bounded_text(field: &str, text: String, max: usize) -> Result<String, FieldError> {
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(text)
}

/// Text that must be given: without surrounding blanks, 1 to `max`
/// characters (characters, not bytes: "ö" is one) for `field`.
pub fn required_text<'a>(field: &str, raw: &'a str, max: usize) -> Result<&'a str, FieldError> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(text)
}

/// The longest name, printed name or address part, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// The longest search text, in characters: as long as the longest name it
/// could find.
pub const MAX_SEARCH_CHARS: usize = MAX_NAME_CHARS;

/// Reads a search text for `field`: blank is no search, and one longer than
/// [`MAX_SEARCH_CHARS`] is refused.
pub fn search_text(field: &str, raw: Option<String>) -> Result<Option<String>, FieldError> {
    match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => bounded_text(field, s.to_string(), MAX_SEARCH_CHARS).map(Some),
    }
}
