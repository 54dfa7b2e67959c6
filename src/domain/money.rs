//! Money is `Decimal` in SEK (or the invoice currency) with two decimals.
//!
//! This module is the one place where amounts are rounded ([`round_ore`]: half away
//! from zero, to öre) and where they cross to and from their stored and counted
//! form, whole öre ([`Ore`], [`to_ore`], [`from_ore`]). Other scaled integers
//! (quantities in thousandths, VAT rates in basis points) convert here as well.

use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use rust_decimal::{Decimal, RoundingStrategy};

use super::FieldError;

/// The currency of the books, and of an invoice that names none.
pub const HOME_CURRENCY: &str = "SEK";

/// The largest amount the system accepts anywhere: 10 000 000 000 SEK.
pub const MAX_AMOUNT_ORE: Ore = Ore(1_000_000_000_000);

/// An amount in whole öre (hundredths of the currency unit): how the records,
/// the fee and ledger arithmetic and the tables count money. Exact; it adds,
/// subtracts and compares with other amounts only, so a count, a rate or a
/// number of kronor cannot be mixed in by mistake. [`Ore::new`] and
/// [`Ore::get`] cross to the tables' integer columns; [`from_ore`] and
/// [`to_ore`] to the API's `Decimal`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ore(i64);

impl Ore {
    /// No money.
    pub const ZERO: Ore = Ore(0);

    /// `ore` öre.
    pub const fn new(ore: i64) -> Self {
        Self(ore)
    }

    /// The count of öre (the stored form).
    pub const fn get(self) -> i64 {
        self.0
    }

    /// Whether this is no money.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Whether this is more than no money.
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// Whether this is less than no money.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// The size of the amount, without its sign.
    pub const fn abs(self) -> Self {
        Self(self.0.abs())
    }

    /// The sum, or `None` when it would not fit.
    pub const fn checked_add(self, other: Ore) -> Option<Self> {
        match self.0.checked_add(other.0) {
            Some(sum) => Some(Self(sum)),
            None => None,
        }
    }

    /// The sum, or the largest amount there is when it would not fit.
    pub const fn saturating_add(self, other: Ore) -> Self {
        Self(self.0.saturating_add(other.0))
    }

    /// `parts` of `whole` of the amount (a share per mille, a rate in basis
    /// points), the fraction of an öre cut towards zero.
    pub const fn share(self, parts: i64, whole: i64) -> Self {
        Self(self.0 * parts / whole)
    }

    /// The amount `times` over (a count of equal parts).
    pub const fn times(self, times: i64) -> Self {
        Self(self.0 * times)
    }
}

impl Add for Ore {
    type Output = Ore;
    fn add(self, other: Ore) -> Ore {
        Ore(self.0 + other.0)
    }
}

impl Sub for Ore {
    type Output = Ore;
    fn sub(self, other: Ore) -> Ore {
        Ore(self.0 - other.0)
    }
}

impl Neg for Ore {
    type Output = Ore;
    fn neg(self) -> Ore {
        Ore(-self.0)
    }
}

impl AddAssign for Ore {
    fn add_assign(&mut self, other: Ore) {
        self.0 += other.0;
    }
}

impl SubAssign for Ore {
    fn sub_assign(&mut self, other: Ore) {
        self.0 -= other.0;
    }
}

impl Sum for Ore {
    fn sum<I: Iterator<Item = Ore>>(iter: I) -> Ore {
        Ore(iter.map(|o| o.0).sum())
    }
}

impl<'a> Sum<&'a Ore> for Ore {
    fn sum<I: Iterator<Item = &'a Ore>>(iter: I) -> Ore {
        iter.copied().sum()
    }
}

/// Rounds to öre, half away from zero. The only rounding of money in the system.
pub fn round_ore(amount: Decimal) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

/// Reads öre as an amount with exactly two decimals.
pub fn from_ore(ore: Ore) -> Decimal {
    Decimal::new(ore.0, 2)
}

/// Converts an exact amount to öre. Fails when the amount has fractions of an
/// öre or does not fit.
pub fn to_ore(amount: Decimal) -> Option<Ore> {
    to_scaled(amount, 2).map(Ore)
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
pub fn parse_amount(field: &str, amount: Decimal, allow_negative: bool) -> Result<Ore, FieldError> {
    if !allow_negative && amount.is_sign_negative() && !amount.is_zero() {
        return Err(FieldError::new(field, "must not be negative"));
    }
    // The size first: an amount too large to count in öre is too large, not
    // one with too many decimals.
    if amount.abs() > from_ore(MAX_AMOUNT_ORE) {
        return Err(FieldError::new(field, "is larger than 10 000 000 000"));
    }
    to_ore(amount).ok_or_else(|| FieldError::new(field, "must have at most two decimals (öre)"))
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
        assert_eq!(to_ore(d("0.10")), Some(Ore::new(10)));
        assert_eq!(to_ore(d("0.1")), Some(Ore::new(10)));
        assert_eq!(to_ore(d("9999999999.99")), Some(Ore::new(999_999_999_999)));
        assert_eq!(to_ore(d("1.001")), None);
        assert_eq!(to_ore(d("1.000")), Some(Ore::new(100)));
        assert_eq!(from_ore(Ore::new(30)).to_string(), "0.30");
        assert_eq!(from_ore(Ore::new(-5)).to_string(), "-0.05");
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
        assert_eq!(parse_amount("amount", d("-3"), true), Ok(Ore::new(-300)));
    }

    #[test]
    fn parse_amount_says_which_rule_an_amount_breaks() {
        let message = |s: &str, negative: bool| {
            parse_amount("amount", d(s), negative)
                .map_err(|e| e.message)
                .unwrap_err()
        };
        let too_large = "is larger than 10 000 000 000";
        // Too large to count in öre at all, not only above the limit.
        assert_eq!(message("79228162514264337593543950335", false), too_large);
        assert_eq!(message("-79228162514264337593543950335", true), too_large);
        assert_eq!(message("10000000000.01", false), too_large);
        assert_eq!(
            message("0.001", false),
            "must have at most two decimals (öre)"
        );
        assert_eq!(
            message("-0.001", true),
            "must have at most two decimals (öre)"
        );
    }

    #[test]
    fn ore_counts_exactly_and_shares_cut_towards_zero() {
        let a = Ore::new(1_005);
        assert_eq!(a + Ore::new(-5), Ore::new(1_000));
        assert_eq!(-(a - Ore::new(2_000)), Ore::new(995));
        assert_eq!(a.times(3), Ore::new(3_015));
        assert_eq!(Ore::new(999).share(200, 1000), Ore::new(199));
        assert_eq!(Ore::new(-999).share(200, 1000), Ore::new(-199));
        assert_eq!(Ore::new(5_000).share(2_500, 10_000), Ore::new(1_250));
        assert_eq!(Ore::new(i64::MAX).checked_add(Ore::new(1)), None);
        assert_eq!(
            Ore::new(i64::MAX).saturating_add(Ore::new(1)),
            Ore::new(i64::MAX)
        );
        assert_eq!([Ore::new(1), Ore::new(2)].iter().sum::<Ore>(), Ore::new(3));
        assert!(Ore::new(-1).is_negative() && Ore::new(1).is_positive() && Ore::ZERO.is_zero());
        assert_eq!(Ore::new(-7).abs(), Ore::new(7));
    }

    proptest! {
        #[test]
        fn ore_round_trips(ore in -MAX_AMOUNT_ORE.get()..=MAX_AMOUNT_ORE.get()) {
            prop_assert_eq!(to_ore(from_ore(Ore::new(ore))), Some(Ore::new(ore)));
        }

        #[test]
        fn sums_of_ore_are_exact(parts in proptest::collection::vec(0i64..100_000, 0..200)) {
            let decimal: Decimal = parts.iter().map(|p| from_ore(Ore::new(*p))).sum();
            let ore: Ore = parts.iter().map(|p| Ore::new(*p)).sum();
            prop_assert_eq!(to_ore(decimal), Some(ore));
            prop_assert_eq!(ore.get(), parts.iter().sum::<i64>());
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
