//! Global object IDs and pagination cursors.
//!
//! An ID is base64url of `Type:number` (e.g. `Invoice:42`); a cursor is base64url
//! of `c:number`. Both are opaque to clients. A malformed or foreign ID is
//! indistinguishable from a missing one, except for being malformed.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::id::{
    AuditEntryId, CaseId, CompanyId, ContactRequestId, CustomerId, EntryId, InvoiceId, JobId,
    NotificationId, RowKey, SaleId, TokenId, VoucherId,
};
use crate::error::AppError;
use crate::store::page::PageRequest;

/// Declares the object types that have global IDs, each once with its id
/// type: `Kind` (the name an ID carries), `AnyId` (a read ID, typed, by
/// `keyed_enum!`) and each id type's [`Global`] impl.
macro_rules! global_ids {
    ($($(#[$m:meta])* $kind:ident($id:ident)),+ $(,)?) => {
        /// The object types that have global IDs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind {
            $($(#[$m])* $kind),+
        }

        crate::domain::keyed_enum! {
            /// A global ID, read: the object's kind and its typed id.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub enum AnyId by Kind as kind {
                $($(#[$m])* $kind($id) = $kind),+
            }
        }

        impl Kind {
            fn name(self) -> &'static str {
                match self {
                    $(Self::$kind => stringify!($kind)),+
                }
            }

            fn from_name(s: &str) -> Option<Self> {
                match s {
                    $(stringify!($kind) => Some(Self::$kind),)+
                    _ => None,
                }
            }
        }

        $(impl Global for $id {
            const KIND: Kind = Kind::$kind;
            fn of_key(n: i64) -> Self {
                $id::new(n)
            }
        })+
    };
}

global_ids!(
    /// A company.
    Company(CompanyId),
    /// A customer.
    Customer(CustomerId),
    /// An invoice.
    Invoice(InvoiceId),
    /// An invoice sale.
    InvoiceSale(SaleId),
    /// A statement entry.
    StatementEntry(EntryId),
    /// A voucher.
    Voucher(VoucherId),
    /// A notification.
    Notification(NotificationId),
    /// A contact request.
    ContactRequest(ContactRequestId),
    /// A Nox Finans case.
    NoxFinansCase(CaseId),
    /// A background job.
    Job(JobId),
    /// An API token.
    ApiToken(TokenId),
    /// An entry of the audit log.
    AuditEntry(AuditEntryId),
);

/// The global ID of an object.
fn encode(kind: Kind, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// Reads any global ID.
pub fn decode_any(id: &str) -> Option<AnyId> {
    read(id).map(|(kind, n)| AnyId::of(kind, n))
}

/// A global ID's kind and key.
fn read(id: &str) -> Option<(Kind, i64)> {
    let raw = URL_SAFE_NO_PAD.decode(id.as_bytes()).ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (kind, n) = s.split_once(':')?;
    let n: i64 = n.parse().ok()?;
    (n > 0).then_some(())?;
    Some((Kind::from_name(kind)?, n))
}

/// Reads a global ID that must be of `kind`; `VALIDATION` on `field` otherwise.
fn decode(id: &ID, kind: Kind, field: &str) -> Result<i64, AppError> {
    match read(id) {
        Some((k, n)) if k == kind => Ok(n),
        _ => Err(AppError::validation(
            field,
            format!("is not a valid {} ID", kind.name()),
        )),
    }
}

/// An id type whose global ID names one kind of object.
pub trait Global: RowKey {
    /// The kind its global IDs name.
    const KIND: Kind;
    /// The id of the row with key `n`.
    fn of_key(n: i64) -> Self;
}

/// The global ID of `id`.
pub fn encode_id<T: Global>(id: T) -> ID {
    encode(T::KIND, id.key())
}

/// Reads a global ID of `T`'s kind; `VALIDATION` on `field` otherwise.
pub fn decode_id<T: Global>(id: &ID, field: &str) -> Result<T, AppError> {
    decode(id, T::KIND, field).map(T::of_key)
}

/// Reads an optional global ID of `T`'s kind (an operator's `companyId`
/// filter, say): `None` when not given, `VALIDATION` on `field` when not one.
pub fn decode_optional<T: Global>(id: Option<ID>, field: &str) -> Result<Option<T>, AppError> {
    id.map(|id| decode_id(&id, field)).transpose()
}

/// The cursor of a row with key `key`.
pub fn cursor(key: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("c:{key}"))
}

/// Reads a cursor; `VALIDATION` on `field` when it is not one.
pub fn decode_cursor(c: &str, field: &str) -> Result<i64, AppError> {
    URL_SAFE_NO_PAD
        .decode(c.as_bytes())
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.strip_prefix("c:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| AppError::validation(field, "is not a cursor from this list"))
}

/// Default page size when a client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// Validates Relay pagination arguments against the page-size limit.
pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    max: u32,
) -> Result<PageRequest, AppError> {
    let size = |n: i32, field: &str| {
        if n < 0 {
            Err(AppError::validation(field, "must not be negative"))
        } else if n as u32 > max {
            Err(AppError::validation(
                field,
                format!("must be at most {max}"),
            ))
        } else {
            Ok(n as u64)
        }
    };
    match (first, last) {
        (Some(_), Some(_)) => Err(AppError::validation(
            "last",
            "use either first or last, not both",
        )),
        (_, Some(l)) => {
            if after.is_some() {
                return Err(AppError::validation(
                    "after",
                    "use after with first, before with last",
                ));
            }
            Ok(PageRequest::Backward {
                last: size(l, "last")?,
                before: before
                    .as_deref()
                    .map(|b| decode_cursor(b, "before"))
                    .transpose()?,
            })
        }
        (f, None) => {
            if before.is_some() {
                return Err(AppError::validation(
                    "before",
                    "use after with first, before with last",
                ));
            }
            Ok(PageRequest::Forward {
                first: match f {
                    Some(f) => size(f, "first")?,
                    None => DEFAULT_PAGE_SIZE.min(u64::from(max)),
                },
                after: after
                    .as_deref()
                    .map(|a| decode_cursor(a, "after"))
                    .transpose()?,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_other_kinds() {
        let id = encode(Kind::Invoice, 42);
        assert_eq!(decode(&id, Kind::Invoice, "id").unwrap(), 42);
        assert!(decode(&id, Kind::Customer, "id").is_err());
        assert!(decode(&ID("garbage!".into()), Kind::Invoice, "id").is_err());
        assert!(
            decode(
                &ID(URL_SAFE_NO_PAD.encode("Invoice:-1")),
                Kind::Invoice,
                "id"
            )
            .is_err()
        );
    }

    #[test]
    fn a_typed_id_keeps_the_text_clients_hold() {
        let text = |id: ID| String::from_utf8(URL_SAFE_NO_PAD.decode(id.0).unwrap()).unwrap();
        assert_eq!(
            text(encode_id(ContactRequestId::new(3))),
            "ContactRequest:3"
        );
        assert_eq!(text(encode_id(AuditEntryId::new(4))), "AuditEntry:4");
        assert_eq!(text(encode_id(SaleId::new(5))), "InvoiceSale:5");
        let request = encode_id(ContactRequestId::new(3));
        assert!(decode_id::<AuditEntryId>(&request, "id").is_err());
        assert_eq!(
            decode_id::<ContactRequestId>(&request, "id").unwrap(),
            ContactRequestId::new(3)
        );
    }

    #[test]
    fn any_id_reads_back_as_the_typed_id_it_was() {
        let cases = [
            (
                encode_id(CompanyId::new(1)),
                AnyId::Company(CompanyId::new(1)),
            ),
            (
                encode_id(SaleId::new(2)),
                AnyId::InvoiceSale(SaleId::new(2)),
            ),
            (
                encode_id(CaseId::new(3)),
                AnyId::NoxFinansCase(CaseId::new(3)),
            ),
            (
                encode_id(EntryId::new(4)),
                AnyId::StatementEntry(EntryId::new(4)),
            ),
            (encode_id(TokenId::new(5)), AnyId::ApiToken(TokenId::new(5))),
            (
                encode_id(AuditEntryId::new(6)),
                AnyId::AuditEntry(AuditEntryId::new(6)),
            ),
        ];
        for (id, typed) in cases {
            assert_eq!(decode_any(&id), Some(typed), "{id:?}");
        }
        assert_eq!(decode_any(&URL_SAFE_NO_PAD.encode("Sale:2")), None);
        assert_eq!(decode_any(&URL_SAFE_NO_PAD.encode("InvoiceSale:0")), None);
    }

    #[test]
    fn page_arguments() {
        assert_eq!(
            page_request(None, None, None, None, 100).unwrap(),
            PageRequest::Forward {
                first: 20,
                after: None
            }
        );
        assert!(page_request(Some(101), None, None, None, 100).is_err());
        assert!(page_request(Some(-1), None, None, None, 100).is_err());
        assert!(page_request(Some(1), None, Some(1), None, 100).is_err());
        assert_eq!(
            page_request(None, None, Some(5), Some(cursor(9)), 100).unwrap(),
            PageRequest::Backward {
                last: 5,
                before: Some(9)
            }
        );
        assert!(page_request(Some(1), Some("x".into()), None, None, 100).is_err());
    }
}
