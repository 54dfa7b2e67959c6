//! Money is `Decimal` in SEK (or the invoice currency) with two decimals.
//!
//! This module is the one place where amounts are rounded ([`round_ore`]: half away
//! from zero, to öre) and where they cross to and from their stored form, integer
//! öre ([`to_ore`], [`from_ore`]). Other scaled integers (quantities in thousandths,
//! VAT rates in basis points) convert here as well.

use rust_decimal::{Decimal, RoundingStrategy};

use super::FieldError;

/// The currency of the books, and of an invoice that names none.
pub const HOME_CURRENCY: &str = "SEK";

/// The largest amount the system accepts anywhere: 10 000 000 000 SEK.
pub const MAX_AMOUNT_ORE: i64 = 1_000_000_000_000;

/// Rounds to öre, half away from zero. The only rounding of money in the system.
pub fn round_ore(amount: Decimal) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

/// Reads integer öre as an amount with exactly two decimals.
pub fn from_ore(ore: i64) -> Decimal {
    Decimal::new(ore, 2)
}

/// Converts an exact amount to integer öre. Fails when the amount has fractions of
/// an öre or does not fit.
pub fn to_ore(amount: Decimal) -> Option<i64> {
    to_scaled(amount, 2)
}

/// Converts `value` to an integer count of `10^-scale` units; `None` when it has
/// more decimals than `scale` or does not fit in `i64`.
pub fn to_scaled(value: Decimal, scale: u32) -> Option<i64> {
    let mut v = value.normalize();
    if v.scale() > scale {
        return None;
    }
    v.rescale(scale);
    if v.scale() != scale {
        return None;
    }
    i64::try_from(v.mantissa()).ok()
}

/// Reads a scaled integer back as a decimal with `scale` decimals.
pub fn from_scaled(units: i64, scale: u32) -> Decimal {
    Decimal::new(units, scale)
}

/// Parses an input amount for `field`: at most two decimals, not negative (unless
/// `allow_negative`) and not above [`MAX_AMOUNT_ORE`] in size.
pub fn parse_amount(field: &str, amount: Decimal, allow_negative: bool) -> Result<i64, FieldError> {
    if !allow_negative && amount.is_sign_negative() && !amount.is_zero() {
        return Err(FieldError::new(field, "must not be negative"));
    }
    let ore = to_ore(amount)
        .ok_or_else(|| FieldError::new(field, "must have at most two decimals (öre)"))?;
    if ore.abs() > MAX_AMOUNT_ORE {
        return Err(FieldError::new(field, "is larger than 10 000 000 000"));
    }
    Ok(ore)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap_or_default()
    }

    #[test]
    fn rounds_half_away_from_zero_to_two_decimals() {
        assert_eq!(round_ore(d("1.005")).to_string(), "1.01");
        assert_eq!(round_ore(d("1.004")).to_string(), "1.00");
        assert_eq!(round_ore(d("-1.005")).to_string(), "-1.01");
        assert_eq!(round_ore(d("7")).to_string(), "7.00");
        assert_eq!(round_ore(d("0.125")).to_string(), "0.13");
    }

    #[test]
    fn ore_conversion_is_exact() {
        assert_eq!(to_ore(d("0.10")), Some(10));
        assert_eq!(to_ore(d("0.1")), Some(10));
        assert_eq!(to_ore(d("9999999999.99")), Some(999_999_999_999));
        assert_eq!(to_ore(d("1.001")), None);
        assert_eq!(to_ore(d("1.000")), Some(100));
        assert_eq!(from_ore(30).to_string(), "0.30");
        assert_eq!(from_ore(-5).to_string(), "-0.05");
    }

    #[test]
    fn parse_amount_names_the_field() {
        assert_eq!(
            parse_amount("amount", d("-1"), false).unwrap_err().field,
            "amount"
        );
        assert!(parse_amount("amount", d("0.001"), false).is_err());
        assert!(parse_amount("amount", d("10000000000.01"), false).is_err());
        assert_eq!(
            parse_amount("amount", d("10000000000"), false),
            Ok(MAX_AMOUNT_ORE)
        );
        assert_eq!(parse_amount("amount", d("-3"), true), Ok(-300));
    }

    proptest! {
        #[test]
        fn ore_round_trips(ore in -MAX_AMOUNT_ORE..=MAX_AMOUNT_ORE) {
            prop_assert_eq!(to_ore(from_ore(ore)), Some(ore));
        }

        #[test]
        fn sums_of_ore_are_exact(parts in proptest::collection::vec(0i64..100_000, 0..200)) {
            let decimal: Decimal = parts.iter().map(|p| from_ore(*p)).sum();
            prop_assert_eq!(to_ore(decimal), Some(parts.iter().sum::<i64>()));
        }

        #[test]
        fn rounding_is_within_half_an_ore(units in -10_000_000i64..10_000_000, scale in 0u32..6) {
            let value = Decimal::new(units, scale);
            let rounded = round_ore(value);
            prop_assert!((rounded - value).abs() <= d("0.005"));
            prop_assert_eq!(rounded.scale(), 2);
        }
    }
}
