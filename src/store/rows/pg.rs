//! Values read straight from PostgreSQL's binary form.

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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

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
}
