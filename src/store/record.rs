//! How the store turns a table row into the record it hands out.

use sea_orm::{ConnectionTrait, EntityTrait, Select};

use crate::domain::money::Ore;
use crate::domain::{OrNewer, Stored};
use crate::error::AppError;

/// Declares a record the store hands out for a table row: the named fields,
/// moved from the row.
///
/// `Name from row::Model { .. }` takes the columns as they are. `Name
/// try_from row::Model { .. }` also reads the fields marked `as stored`
/// (`status: SaleStatus as stored`) from their stored text into the domain's
/// type; a row whose text this version does not know is an internal error
/// naming the record and field, never a default.
macro_rules! record {
    (@field $name:ident $field:ident $value:expr) => {
        $crate::store::record::FromColumn::from_column($value)
    };
    (@field $name:ident $field:ident $value:expr, stored) => {
        $crate::store::record::stored(stringify!($name), stringify!($field), $value)?
    };
    (@struct $(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident: $ty:ty),* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            $($(#[$fm])* pub $field: $ty),*
        }
    };
    ($(#[$m:meta])* $name:ident from $model:path {
        $($(#[$fm:meta])* $field:ident: $ty:ty),* $(,)?
    }) => {
        record!(@struct $(#[$m])* $name { $($(#[$fm])* $field: $ty),* });

        impl From<$model> for $name {
            fn from(m: $model) -> Self {
                Self { $($field: $crate::store::record::FromColumn::from_column(m.$field)),* }
            }
        }
    };
    ($(#[$m:meta])* $name:ident try_from $model:path {
        $($(#[$fm:meta])* $field:ident: $ty:ty $(as $conv:ident)?),* $(,)?
    }) => {
        record!(@struct $(#[$m])* $name { $($(#[$fm])* $field: $ty),* });

        impl TryFrom<$model> for $name {
            type Error = $crate::error::AppError;
            fn try_from(m: $model) -> Result<Self, Self::Error> {
                Ok(Self { $($field: record!(@field $name $field m.$field $(, $conv)?)),* })
            }
        }
    };
}

/// A column's value as the record's field: the value itself, or a count of
/// öre as an amount ([`Ore`]).
pub trait FromColumn<S> {
    /// The field's value.
    fn from_column(value: S) -> Self;
}

impl<T> FromColumn<T> for T {
    fn from_column(value: T) -> T {
        value
    }
}

impl FromColumn<i64> for Ore {
    fn from_column(value: i64) -> Ore {
        Ore::new(value)
    }
}

impl FromColumn<Option<i64>> for Option<Ore> {
    fn from_column(value: Option<i64>) -> Option<Ore> {
        value.map(Ore::new)
    }
}

impl From<Ore> for sea_orm::Value {
    fn from(ore: Ore) -> Self {
        ore.get().into()
    }
}

/// Ids read from their key columns and bound as them.
macro_rules! id_columns {
    ($($id:ty),+) => {
        $(
            impl FromColumn<i64> for $id {
                fn from_column(value: i64) -> $id {
                    <$id>::new(value)
                }
            }

            impl FromColumn<Option<i64>> for Option<$id> {
                fn from_column(value: Option<i64>) -> Option<$id> {
                    value.map(<$id>::new)
                }
            }

            impl From<$id> for sea_orm::Value {
                fn from(id: $id) -> Self {
                    id.get().into()
                }
            }
        )+
    };
}

crate::domain::id::every_id!(id_columns);

/// A column's stored text read as a domain value (`S` is the column's type).
pub trait FromStored<S>: Sized {
    /// The value, or the text that names none.
    fn from_column(value: S) -> Result<Self, String>;
}

impl<T: Stored> FromStored<String> for T {
    fn from_column(value: String) -> Result<Self, String> {
        T::from_stored(&value).ok_or(value)
    }
}

impl<T: Stored> FromStored<Option<String>> for Option<T> {
    fn from_column(value: Option<String>) -> Result<Self, String> {
        match value {
            None => Ok(None),
            Some(text) => T::from_stored(&text).map(Some).ok_or(text),
        }
    }
}

impl<T: Stored> FromStored<String> for OrNewer<T> {
    fn from_column(value: String) -> Result<Self, String> {
        Ok(T::from_stored(&value).map_or(Self::Newer(value), Self::Known))
    }
}

/// Reads field `field` of record `record` from its stored text.
pub fn stored<S, T: FromStored<S>>(record: &str, field: &str, value: S) -> Result<T, AppError> {
    T::from_column(value).map_err(|text| {
        tracing::error!(record, field, value = %text, "unknown stored value");
        AppError::Internal(format!("{record}.{field} holds an unknown value"))
    })
}

/// The stored names of the values `keep` selects, for an `IN` filter.
pub fn names<T: Stored>(keep: impl Fn(T) -> bool) -> Vec<&'static str> {
    T::VALUES
        .iter()
        .copied()
        .filter(|v| keep(*v))
        .map(T::stored)
        .collect()
}

/// The same as SQL literals for a hand-written `IN (…)`: `'A', 'B'`.
pub fn sql_list<T: Stored>(keep: impl Fn(T) -> bool) -> String {
    literals(&names(keep))
}

fn literals(names: &[&'static str]) -> String {
    names
        .iter()
        .map(|n| text_literal(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `v` as an SQL string literal: in single quotes, a quote doubled. Both
/// databases read every other character as itself (PostgreSQL connections
/// keep `standard_conforming_strings` on, [`crate::db::connect`]). For the
/// few values the store writes into its SQL instead of binding them.
pub fn text_literal(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

/// A LIKE pattern matching `needle` anywhere, its wildcards and `escape`
/// itself escaped with `escape`. The needle is put in the form of the
/// names' `*_search` columns ([`entity::text::search_form`]: lower-cased,
/// letters beyond ASCII included, accents but Å, Ä and Ö's dropped), which
/// the searches read instead of SQL's `LOWER`: SQLite's changes only A to Z.
pub fn contains_pattern(needle: &str, escape: char) -> String {
    let mut pattern = String::from("%");
    for c in entity::text::search_form(needle).chars() {
        if matches!(c, '%' | '_') || c == escape {
            pattern.push(escape);
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// `column IN ('A', 'B')` over stored names written as literals, not bound;
/// no names match nothing.
///
/// PostgreSQL connections keep one generic plan per statement
/// ([`crate::db::connect`]), and a generic plan cannot tell a bound rare
/// status (a handful of spot checks) from a common one: it walks every row
/// in page order looking for it. With the names in the SQL, each set gets a
/// plan of its own. Only for
/// names of a stored enum, never for a client's text.
pub fn stored_in(column: &str, names: &[&'static str]) -> sea_orm::sea_query::Expr {
    if names.is_empty() {
        return sea_orm::sea_query::Expr::cust("1 = 0");
    }
    sea_orm::sea_query::Expr::cust(format!("{column} IN ({})", literals(names)))
}

/// Runs `query` for one row and reads it as a record.
pub async fn one<R, E, C>(db: &C, query: Select<E>) -> Result<Option<R>, AppError>
where
    E: EntityTrait,
    C: ConnectionTrait,
    R: TryFrom<E::Model>,
    AppError: From<R::Error>,
{
    Ok(query.one(db).await?.map(R::try_from).transpose()?)
}

/// Runs `query` and reads its rows as records.
pub async fn all<R, E, C>(db: &C, query: Select<E>) -> Result<Vec<R>, AppError>
where
    E: EntityTrait,
    C: ConnectionTrait,
    R: TryFrom<E::Model>,
    AppError: From<R::Error>,
{
    from_rows(query.all(db).await?)
}

/// Runs `query`, whose rows come oldest first, and keeps the last row of each
/// `key` (an invoice's latest sale or case), read as a record.
pub async fn latest_of_each<R, E, C, K>(
    db: &C,
    query: Select<E>,
    key: impl Fn(&E::Model) -> K,
) -> Result<Vec<R>, AppError>
where
    E: EntityTrait,
    C: ConnectionTrait,
    K: std::hash::Hash + Eq,
    R: TryFrom<E::Model>,
    AppError: From<R::Error>,
{
    let mut latest = std::collections::HashMap::new();
    for row in query.all(db).await? {
        latest.insert(key(&row), row);
    }
    from_rows(latest.into_values().collect())
}

/// Reads rows already fetched (a page, `RETURNING` rows) as records.
pub fn from_rows<M, R>(rows: Vec<M>) -> Result<Vec<R>, AppError>
where
    R: TryFrom<M>,
    AppError: From<R::Error>,
{
    rows.into_iter()
        .map(|m| R::try_from(m).map_err(AppError::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sale::SaleStatus;

    #[test]
    fn stored_text_reads_as_the_domain_value_or_fails_naming_the_field() {
        let ok: SaleStatus = stored("Sale", "status", "PAID_OUT".to_string()).unwrap();
        assert_eq!(ok, SaleStatus::PaidOut);
        let none: Option<SaleStatus> = stored("Sale", "status", None::<String>).unwrap();
        assert_eq!(none, None);
        let bad = stored::<_, SaleStatus>("Sale", "status", "SOLD".to_string()).unwrap_err();
        assert!(bad.to_string().contains("Sale.status"), "{bad}");
        let bad_opt = stored::<_, Option<SaleStatus>>("Sale", "status", Some("x".to_string()));
        assert!(bad_opt.is_err());
    }

    #[test]
    fn stored_names_filter_as_literals() {
        use sea_orm::sea_query::{PostgresQueryBuilder, Query};
        let sql = Query::select()
            .expr(sea_orm::sea_query::Expr::val(1))
            .and_where(stored_in("invoice_sale.status", &["SPOT_CHECK", "IT'S"]))
            .to_string(PostgresQueryBuilder);
        assert!(
            sql.ends_with("WHERE invoice_sale.status IN ('SPOT_CHECK', 'IT''S')"),
            "{sql}"
        );
        let none = Query::select()
            .expr(sea_orm::sea_query::Expr::val(1))
            .and_where(stored_in("invoice_sale.status", &[]))
            .to_string(PostgresQueryBuilder);
        assert!(none.ends_with("WHERE 1 = 0"), "{none}");
    }

    #[test]
    fn a_set_of_statuses_renders_as_names_and_sql_literals() {
        assert_eq!(names(SaleStatus::is_bought), vec!["APPROVED", "PAID_OUT"]);
        assert_eq!(
            sql_list(SaleStatus::holds_invoice),
            "'PROCESSING', 'SPOT_CHECK', 'APPROVED', 'PAID_OUT'"
        );
        assert_eq!(sql_list(|_: SaleStatus| false), "");
    }

    // The derived name columns (`entity::text`), which the searches and the
    // customer-name sort read.
    #[test]
    fn keys_follow_the_swedish_alphabet() {
        let sorted = [
            "", "anna", "Bertil", "Émile", "Erik", "Ülla", "Zeta", "åsa", "Ärla", "Ærø", "Östen",
        ];
        let keys: Vec<String> = sorted.iter().map(|s| entity::text::sort_key(s)).collect();
        let mut again = keys.clone();
        again.sort();
        assert_eq!(again, keys);
        assert_eq!(entity::text::sort_key("ÅÄÖ åäö"), "{|} {|}");
        assert_eq!(entity::text::sort_key("Façade Müller"), "facade myller");
        assert_eq!(entity::text::search_form("ÅSA ÖBERG"), "åsa öberg");
        assert_eq!(entity::text::search_form("Café Ünal Ærø"), "cafe unal ærø");
    }

    #[test]
    fn a_key_keeps_what_is_not_a_letter() {
        assert_eq!(entity::text::sort_key("AB 12-3 & Co."), "ab 12-3 & co.");
        assert_eq!(entity::text::sort_key("東京"), "東京");
    }
}
