//! Records read by column position.
//!
//! SeaORM's derived `FromQueryResult` finds each column by name, and with a
//! prefix (the customer and sale joined into a page of invoices) it first
//! formats `"{prefix}{column}"` into a new string: for a page of 50 invoices
//! with their customers and sales, 3,400 allocations and 6,800 name lookups,
//! about a third of the server's CPU on an invoice list. The statements that
//! read many rows select whole tables in their entity's column order, so each
//! record is read here by position instead.

use sea_orm::{DbErr, QueryResult};

mod pg;
use pg::PgColumn;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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

/// The value at `*at` ([`column()`]), moving `*at` to the next column.
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

mod tables;

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
mod tests;
