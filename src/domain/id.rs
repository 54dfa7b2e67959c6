//! The ids of the things the server keeps, each its own type.
//!
//! A company's id and an invoice's id are both numbers in the tables, but a
//! function that takes an [`InvoiceId`] cannot be handed a [`CompanyId`]: the
//! compiler keeps them apart from the resolver that decodes the global ID to
//! the statement that binds it. The number crosses only at the tables
//! (`new`/`get`) and in the global IDs the API hands out.
//!
//! ```
//! use invoice_finance::domain::id::InvoiceId;
//! fn invoice(_: InvoiceId) {}
//! invoice(InvoiceId::new(1));
//! ```
//!
//! A company's id where an invoice's belongs does not compile:
//!
//! ```compile_fail,E0308
//! use invoice_finance::domain::id::{CompanyId, InvoiceId};
//! fn invoice(_: InvoiceId) {}
//! invoice(CompanyId::new(1));
//! ```

/// Declares id types: a `Copy` newtype over the row's `i64` key. Its first
/// token is a `$`, which the macro [`every_id!`] it also declares needs for
/// its own argument.
macro_rules! ids {
    ($d:tt $($(#[$m:meta])* $name:ident),+ $(,)?) => {
        $(
            $(#[$m])*
            #[derive(
                Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
            )]
            #[serde(transparent)]
            pub struct $name(i64);

            impl $name {
                /// The id of row `n`.
                pub const fn new(n: i64) -> Self {
                    Self(n)
                }

                /// The row's key.
                pub const fn get(self) -> i64 {
                    self.0
                }
            }

            impl std::fmt::Display for $name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    self.0.fmt(f)
                }
            }

            impl RowKey for $name {
                fn key(self) -> i64 {
                    self.0
                }
            }
        )+

        /// Calls `callback!` with the name of every id type, so that a layer
        /// giving the ids behaviour of its own (the store's columns) takes
        /// the one list declared here.
        macro_rules! every_id {
            ($d callback:ident) => {
                $d callback!($(crate::domain::id::$name),+);
            };
        }
        pub(crate) use every_id;
    };
}

/// A value that names one row by its `i64` key.
pub trait RowKey: Copy {
    /// The row's key.
    fn key(self) -> i64;
}

impl RowKey for i64 {
    fn key(self) -> i64 {
        self
    }
}

ids!(
    $
    /// A company (a tenant).
    CompanyId,
    /// A company's customer.
    CustomerId,
    /// An invoice.
    InvoiceId,
    /// An invoice sale.
    SaleId,
    /// A Nox Finans case.
    CaseId,
    /// An entry on a company's payments account.
    EntryId,
    /// A voucher of a company's books.
    VoucherId,
    /// A notification to a company.
    NotificationId,
    /// A background job.
    JobId,
    /// An API token.
    TokenId,
    /// A company's request to be called about invoice sale.
    ContactRequestId,
    /// An entry of the operators' audit log.
    AuditEntryId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_round_trips_its_key_and_prints_it() {
        let id = InvoiceId::new(42);
        assert_eq!(id.get(), 42);
        assert_eq!(id.key(), 42);
        assert_eq!(id.to_string(), "42");
        assert!(InvoiceId::new(1) < InvoiceId::new(2));
    }
}
