//! The `Date` scalar: a calendar date written `YYYY-MM-DD`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date, `YYYY-MM-DD` (e.g. `2026-11-22`). "Today" is the date in
/// Europe/Stockholm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date, `YYYY-MM-DD` (e.g. `2026-11-22`). "Today" is the date in Europe/Stockholm.
#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| {
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
        for (y, m, d) in [(2026, 11, 22), (99, 1, 2), (10_000, 12, 31), (-1, 6, 30)] {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
            let written = Date(day).to_value();
            assert_eq!(written, Value::String(day.format("%Y-%m-%d").to_string()));
            assert_eq!(Date::parse(written).ok(), Some(Date(day)));
        }
    }
}
