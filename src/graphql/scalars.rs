//! The `Date` scalar: a calendar date written `YYYY-MM-DD`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{Datelike, NaiveDate};

/// A calendar date, `YYYY-MM-DD` (e.g. `2026-11-22`). "Today" is the date in
/// Europe/Stockholm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date, `YYYY-MM-DD` (e.g. `2026-11-22`). "Today" is the date in Europe/Stockholm.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => read_date(s).map(Date).ok_or_else(|| {
                InputValueError::custom(format!("invalid date {s:?}: expected YYYY-MM-DD"))
            }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        // The date's own `Display` writes `%Y-%m-%d` without interpreting a
        // format string (every invoice on a page has two dates), into a
        // string sized for it rather than grown a character at a time.
        use std::fmt::Write;
        let mut s = String::with_capacity(10);
        // Writing into a `String` cannot fail.
        let _ = write!(s, "{}", self.0);
        Value::String(s)
    }
}

/// Reads exactly `YYYY-MM-DD`, years 0001 to 9999. chrono alone also reads
/// signed and five-digit years and unpadded months and days; a date outside
/// four digits would be stored as text that sorts before every other date.
fn read_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| d.year() >= 1)
}

/// An exact decimal number, written as a string: amounts in SEK with two
/// decimals (`"1234.50"`), quantities and rates as needed (`"1.5"`, `"25"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal(pub rust_decimal::Decimal);

/// An exact decimal number, written as a string: amounts with two decimals (`"1234.50"`), quantities and rates as needed (`"1.5"`, `"25"`). Integers are accepted as JSON numbers; fractions must be strings, since JSON numbers are floating point.
#[Scalar(name = "Decimal")]
impl ScalarType for Decimal {
    fn parse(value: Value) -> InputValueResult<Self> {
        use std::str::FromStr;
        match &value {
            Value::String(s) => rust_decimal::Decimal::from_str(s.trim())
                .map(Decimal)
                .map_err(|_| InputValueError::custom(format!("{s:?} is not a decimal number"))),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Ok(Decimal(rust_decimal::Decimal::from(i))),
                (None, Some(u)) => Ok(Decimal(rust_decimal::Decimal::from(u))),
                _ => Err(InputValueError::custom(
                    "send fractional amounts as strings, e.g. \"12.50\"",
                )),
            },
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// An amount in öre as SEK with two decimals: the API's one way from the
/// store's integer öre to what clients read (see [`crate::domain::money`]).
impl From<crate::domain::money::Ore> for Decimal {
    fn from(ore: crate::domain::money::Ore) -> Self {
        Decimal(crate::domain::money::from_ore(ore))
    }
}

impl From<rust_decimal::Decimal> for Decimal {
    fn from(d: rust_decimal::Decimal) -> Self {
        Decimal(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_the_format_reads_them() {
        for (y, m, d) in [(2026, 11, 22), (99, 1, 2), (1, 1, 1), (9999, 12, 31)] {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
            let written = Date(day).to_value();
            assert_eq!(written, Value::String(day.format("%Y-%m-%d").to_string()));
            assert_eq!(Date::parse(written).ok(), Some(Date(day)));
        }
    }

    /// Only `YYYY-MM-DD` is a date: four-digit years 0001 to 9999, two-digit
    /// months and days. A signed or five-digit year would be stored as text
    /// that sorts before every other date (SQLite keeps dates as text).
    #[test]
    fn a_date_is_exactly_four_two_and_two_digits() {
        for s in [
            "+10000-01-01",
            "10000-01-01",
            "-0001-06-30",
            "0000-01-01",
            "2026-1-05",
            "2026-01-5",
            " 2026-01-05",
            "2026-01-05 ",
            "2026-02-30",
            "2026-01-05T00:00:00",
        ] {
            let parsed = Date::parse(Value::String(s.into()));
            assert!(parsed.is_err(), "{s:?} was read as {parsed:?}");
        }
        assert!(Date::parse(Value::String("0001-01-01".into())).is_ok());
    }
}
