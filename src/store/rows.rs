//! Records read by column position.
//!
//! SeaORM's derived `FromQueryResult` finds each column by name, and with a
//! prefix (the customer and sale joined into a page of invoices) it first
//! formats `"{prefix}{column}"` into a new string: for a page of 50 invoices
//! with their customers and sales, 3,400 allocations and 6,800 name lookups,
//! about a third of the server's CPU on an invoice list. The statements that
//! read many rows select whole tables in their entity's column order, so each
//! record is read here by position instead.

use entity::{customer, invoice, invoice_sale};
use sea_orm::{DbErr, QueryResult};

/// Whether a read checks the column types against the fields'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Check each column's type: a single row, or the first row of a result.
    Types,
    /// The first row of this result was read with [`Check::Types`]: every
    /// row of one result has the same columns, so later rows only decode.
    DoneOnFirstRow,
}

impl Check {
    /// [`Check::Types`] for the first row of a result (index 0), else
    /// [`Check::DoneOnFirstRow`].
    pub fn for_row(index: usize) -> Self {
        if index == 0 {
            Self::Types
        } else {
            Self::DoneOnFirstRow
        }
    }
}

/// A table row read from consecutive columns of a result row.
pub trait FromColumns: Sized {
    /// Its columns in the order they are read: the entity's own order, the
    /// one in which its `Column::iter()` and `Entity::find()` select them.
    const COLUMNS: &'static [&'static str];

    /// The columns a [`Width::Brief`] read selects, in the order read: what
    /// a list page shows most often.
    const BRIEF: &'static [&'static str];

    /// The columns a [`Width::Assess`] read selects, in the order read: the
    /// brief ones and what the send view's rules read.
    const ASSESS: &'static [&'static str];

    /// Reads the record's columns of `width` starting at `*at`, and moves
    /// `*at` past them. Every field outside the width holds its type's
    /// default, which only a reader that asked for that width (and so for
    /// none of those fields) gets.
    fn read(row: &QueryResult, at: &mut usize, check: Check, width: Width) -> Result<Self, DbErr>;

    /// Checks the types of the columns of `width` starting at `*at` against
    /// the fields', reading no value (a record absent from an outer join's
    /// row still has its columns), and moves `*at` past them.
    fn check_columns(row: &QueryResult, at: &mut usize, width: Width) -> Result<(), DbErr>;

    /// The columns a read of `width` selects.
    fn columns(width: Width) -> &'static [&'static str] {
        match width {
            Width::Full => Self::COLUMNS,
            Width::Brief => Self::BRIEF,
            Width::Assess => Self::ASSESS,
        }
    }
}

/// How many of a table's columns a statement selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Width {
    /// Every column: the whole record.
    #[default]
    Full,
    /// The [`FromColumns::BRIEF`] columns; the rest of the record is default.
    /// A list page that shows only those reads a third as many columns
    /// (PostgreSQL sends each, sqlx and this module decode each).
    Brief,
    /// The [`FromColumns::ASSESS`] columns: a send-view page whose invoices
    /// show only brief fields, coloured by the rules.
    Assess,
}

/// On PostgreSQL: whether column `at` has a type a field of type `T` reads,
/// from the statement's row description (by reference). Elsewhere SeaORM's
/// generic read checks each value.
fn check_type<T: sqlx::Type<sqlx::Postgres>>(row: &QueryResult, at: usize) -> Result<(), DbErr> {
    use sqlx::{Column, Row, TypeInfo};
    let Some(pg) = row.try_as_pg_row() else {
        return Ok(());
    };
    let Some(ty) = pg.columns().get(at).map(Column::type_info) else {
        return Err(DbErr::Type(format!("no column {at}")));
    };
    if !T::compatible(ty) {
        return Err(DbErr::Type(format!(
            "column {at} is {}, not {}",
            ty.name(),
            T::type_info().name()
        )));
    }
    Ok(())
}

/// [`check_type`] for the type of the field `_field` picks out of `M`.
fn check_field<M, T: sqlx::Type<sqlx::Postgres>>(
    row: &QueryResult,
    at: &mut usize,
    _field: fn(&M) -> &T,
) -> Result<(), DbErr> {
    check_type::<T>(row, *at)?;
    *at += 1;
    Ok(())
}

/// The value at `*at` ([`column`]), moving `*at` to the next column.
fn next<T>(row: &QueryResult, at: &mut usize, check: Check) -> Result<T, DbErr>
where
    T: sea_orm::TryGetable + PgColumn + sqlx::Type<sqlx::Postgres>,
{
    let v = column(row, *at, check)?;
    *at += 1;
    Ok(v)
}

/// One value by position. On PostgreSQL the value is decoded straight from
/// the row, after [`check_type`] unless `check` says the result's first row
/// was checked, instead of through SeaORM's and sqlx's generic path, which
/// clones the type of every value: a page of 50 invoices with their
/// customers and sales reads 3,400 values. A column of another type or a
/// NULL in a non-optional field is an error.
fn column<T>(row: &QueryResult, at: usize, check: Check) -> Result<T, DbErr>
where
    T: sea_orm::TryGetable + PgColumn + sqlx::Type<sqlx::Postgres>,
{
    use sqlx::Row;
    if let Some(pg) = row.try_as_pg_row() {
        if check == Check::Types {
            check_type::<T>(row, at)?;
        }
        return pg
            .try_get_raw(at)
            .and_then(|v| T::read(v).map_err(sqlx::Error::Decode))
            .map_err(|e| DbErr::Type(format!("column {at}: {e}")));
    }
    row.try_get_by_index(at)
}

/// How a field reads a PostgreSQL value: sqlx's decoding, except for dates
/// and timestamps in binary form, which are read straight from their count
/// of days or microseconds since 2000-01-01. sqlx adds that count to the
/// epoch through a `TimeDelta` (a timestamp also through a fixed offset),
/// about 380 instructions a timestamp; a page of 50 invoices with their
/// customers reads some 250.
pub trait PgColumn: Sized {
    /// The value of a column.
    fn read(value: sqlx::postgres::PgValueRef<'_>) -> Result<Self, sqlx::error::BoxDynError>;
}

macro_rules! pg_column_by_sqlx {
    ($($t:ty),+) => {
        $(impl PgColumn for $t {
            fn read(value: sqlx::postgres::PgValueRef<'_>) -> Result<Self, sqlx::error::BoxDynError> {
                <$t as sqlx::Decode<sqlx::Postgres>>::decode(value)
            }
        })+
    };
}

pg_column_by_sqlx!(i64, i32, bool, String);

impl<T: PgColumn> PgColumn for Option<T> {
    fn read(value: sqlx::postgres::PgValueRef<'_>) -> Result<Self, sqlx::error::BoxDynError> {
        use sqlx::ValueRef;
        if value.is_null() {
            return Ok(None);
        }
        T::read(value).map(Some)
    }
}

/// 2000-01-01, PostgreSQL's epoch, in days from 0001-01-01 (day 1).
const PG_EPOCH_DAYS_FROM_CE: i32 = 730_120;
/// 2000-01-01T00:00:00Z in microseconds since 1970-01-01T00:00:00Z.
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

/// A binary `date`: days since 2000-01-01.
fn pg_date(days: i32) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_num_days_from_ce_opt(days.checked_add(PG_EPOCH_DAYS_FROM_CE)?)
}

/// A binary `timestamptz`: microseconds since 2000-01-01T00:00:00Z.
fn pg_timestamp(micros: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp_micros(micros.checked_add(PG_EPOCH_UNIX_MICROS)?)
}

impl PgColumn for chrono::NaiveDate {
    fn read(value: sqlx::postgres::PgValueRef<'_>) -> Result<Self, sqlx::error::BoxDynError> {
        if value.format() == sqlx::postgres::PgValueFormat::Text {
            return <Self as sqlx::Decode<sqlx::Postgres>>::decode(value);
        }
        let bytes: [u8; 4] = value.as_bytes()?.try_into()?;
        let days = i32::from_be_bytes(bytes);
        pg_date(days)
            .ok_or_else(|| format!("date {days} days from 2000-01-01 is out of range").into())
    }
}

impl PgColumn for chrono::DateTime<chrono::Utc> {
    fn read(value: sqlx::postgres::PgValueRef<'_>) -> Result<Self, sqlx::error::BoxDynError> {
        if value.format() == sqlx::postgres::PgValueFormat::Text {
            return <Self as sqlx::Decode<sqlx::Postgres>>::decode(value);
        }
        let bytes: [u8; 8] = value.as_bytes()?.try_into()?;
        let micros = i64::from_be_bytes(bytes);
        pg_timestamp(micros)
            .ok_or_else(|| format!("timestamp {micros} us from 2000-01-01 is out of range").into())
    }
}

/// Implements [`FromColumns`] for a model from its fields in column order.
/// The struct literal names every field (the compiler checks none is
/// missing) and Rust evaluates its fields in the order written; a unit test
/// checks that order against the entity's.
macro_rules! from_columns {
    ($model:path { $($field:ident),* $(,)? } brief { $($brief:ident),* $(,)? }
     assess { $($assess:ident),* $(,)? }) => {
        impl FromColumns for $model {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];
            const BRIEF: &'static [&'static str] = &[$(stringify!($brief)),*];
            const ASSESS: &'static [&'static str] = &[$(stringify!($assess)),*];

            // A table read whole when assessed lists every field there.
            #[allow(clippy::needless_update)]
            fn read(row: &QueryResult, at: &mut usize, check: Check, width: Width) -> Result<Self, DbErr> {
                Ok(match width {
                    Width::Full => Self { $($field: next(row, at, check)?),* },
                    Width::Brief => Self { $($brief: next(row, at, check)?,)* ..Default::default() },
                    Width::Assess => Self { $($assess: next(row, at, check)?,)* ..Default::default() },
                })
            }

            fn check_columns(row: &QueryResult, at: &mut usize, width: Width) -> Result<(), DbErr> {
                match width {
                    Width::Full => { $(check_field(row, at, |m: &Self| &m.$field)?;)* }
                    Width::Brief => { $(check_field(row, at, |m: &Self| &m.$brief)?;)* }
                    Width::Assess => { $(check_field(row, at, |m: &Self| &m.$assess)?;)* }
                }
                Ok(())
            }
        }
    };
    // A table the send view does not read: its assessed width is the whole.
    ($model:path { $($field:ident),* $(,)? } brief { $($brief:ident),* $(,)? }) => {
        from_columns!($model { $($field),* } brief { $($brief),* } assess { $($field),* });
    };
}

from_columns!(invoice::Model {
    id,
    company_id,
    customer_id,
    invoice_number,
    customer_name,
    street,
    postal_code,
    city,
    country,
    invoice_date,
    due_date,
    terms_of_payment,
    currency,
    invoice_type,
    net_ore,
    vat_ore,
    total_ore,
    balance_ore,
    house_work_type,
    house_work_deductible_ore,
    ocr,
    cancelled,
    not_completed,
    sent,
    sold,
    house_work_paid_ore,
    credited_ore,
    credits_invoice_id,
    created_at,
    updated_at,
} brief {
    id,
    company_id,
    customer_id,
    invoice_number,
    customer_name,
    invoice_date,
    due_date,
    invoice_type,
    total_ore,
    balance_ore,
} assess {
    id,
    company_id,
    customer_id,
    invoice_number,
    customer_name,
    street,
    postal_code,
    city,
    invoice_date,
    due_date,
    terms_of_payment,
    currency,
    invoice_type,
    total_ore,
    balance_ore,
    house_work_deductible_ore,
    cancelled,
    not_completed,
    sold,
    house_work_paid_ore,
});

from_columns!(customer::Model {
    id,
    company_id,
    customer_number,
    name,
    organisation_number,
    email,
    phone,
    street,
    postal_code,
    city,
    country,
    created_at,
    updated_at,
} brief {
    id,
    company_id,
    customer_number,
    name,
    email,
    street,
    postal_code,
    city,
    country,
} assess {
    id,
    company_id,
    customer_number,
    name,
    organisation_number,
    email,
    phone,
    street,
    postal_code,
    city,
    country,
});

from_columns!(invoice_sale::Model {
    id,
    company_id,
    invoice_id,
    customer_id,
    status,
    amount_ore,
    invoice_fee_ore,
    factoring_fee_ore,
    total_fees_ore,
    payout_ore,
    percentage_bp,
    quote_id,
    idempotency_key,
    requested_at,
    decided_at,
    payout_date,
    paid_out_at,
    spot_check_rule,
    spot_check_outcome,
    spot_check_note,
    spot_check_resolved_at,
    spot_check_deadline,
    denial_code,
    denial_message,
    collected_ore,
} brief {
    id,
    company_id,
    invoice_id,
    customer_id,
    status,
    payout_ore,
});

/// Reads an optional record (the right side of an outer join): absent when
/// its first column, the id, is null; `*at` moves past its columns either
/// way, and `check` checks their types either way.
pub fn optional<T: FromColumns>(
    row: &QueryResult,
    at: &mut usize,
    check: Check,
    width: Width,
) -> Result<Option<T>, DbErr> {
    let id: Option<i64> = column(row, *at, check)?;
    if id.is_none() {
        match check {
            Check::Types => T::check_columns(row, at, width)?,
            Check::DoneOnFirstRow => *at += T::columns(width).len(),
        }
        return Ok(None);
    }
    T::read(row, at, check, width).map(Some)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    use super::*;

    /// sqlx's reading, the reference: the epoch plus the count.
    fn epoch() -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap()
    }

    #[test]
    fn the_epochs_are_2000_01_01() {
        assert_eq!(pg_date(0), chrono::NaiveDate::from_ymd_opt(2000, 1, 1));
        assert_eq!(pg_timestamp(0).map(|t| t.naive_utc()), Some(epoch()));
        assert_eq!(pg_date(-1), chrono::NaiveDate::from_ymd_opt(1999, 12, 31));
        // PostgreSQL's 'infinity' is i64::MAX microseconds: out of range,
        // an error, not a panic.
        assert_eq!(pg_timestamp(i64::MAX), None);
        assert_eq!(pg_timestamp(i64::MIN), None);
        assert_eq!(pg_date(i32::MAX), None);
    }

    proptest! {
        #[test]
        fn dates_read_as_sqlx_reads_them(days in -800_000i32..3_000_000) {
            let reference = epoch().date() + chrono::TimeDelta::days(i64::from(days));
            prop_assert_eq!(pg_date(days), Some(reference));
        }

        #[test]
        fn timestamps_read_as_sqlx_reads_them(
            micros in -63_000_000_000_000_000i64..250_000_000_000_000_000,
        ) {
            let reference = epoch() + chrono::TimeDelta::microseconds(micros);
            prop_assert_eq!(pg_timestamp(micros).map(|t| t.naive_utc()), Some(reference));
        }
    }

    fn order<E: EntityTrait>() -> Vec<&'static str> {
        E::Column::iter().map(|c| c.as_str()).collect()
    }

    /// An assessed read answers every field a brief one does.
    fn within(narrow: &[&str], wide: &[&str]) -> bool {
        narrow.iter().all(|c| wide.contains(c))
    }

    #[test]
    fn every_width_reads_columns_of_its_table_and_assess_holds_brief() {
        for (brief, assess, all) in [
            (
                invoice::Model::BRIEF,
                invoice::Model::ASSESS,
                invoice::Model::COLUMNS,
            ),
            (
                customer::Model::BRIEF,
                customer::Model::ASSESS,
                customer::Model::COLUMNS,
            ),
            (
                invoice_sale::Model::BRIEF,
                invoice_sale::Model::ASSESS,
                invoice_sale::Model::COLUMNS,
            ),
        ] {
            assert!(within(brief, assess), "{brief:?} in {assess:?}");
            assert!(within(assess, all), "{assess:?} in {all:?}");
        }
        assert!(invoice::Model::ASSESS.len() < invoice::Model::COLUMNS.len());
    }

    #[test]
    fn fields_are_read_in_the_entities_column_order() {
        assert_eq!(invoice::Model::COLUMNS, order::<invoice::Entity>());
        assert_eq!(customer::Model::COLUMNS, order::<customer::Entity>());
        assert_eq!(
            invoice_sale::Model::COLUMNS,
            order::<invoice_sale::Entity>()
        );
    }
}
