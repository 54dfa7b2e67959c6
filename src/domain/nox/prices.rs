//! The Nox Finans price list, the collection timeline's dates and the
//! reference rate for late-payment interest.

use chrono::{Days, NaiveDate};

use super::Service;
use crate::domain::money::Ore;

/// Price-list items that services charge by name.
pub mod item {
    /// Delivering an invoice by letter.
    pub const LETTER: &str = "LETTER";
    /// Delivering an invoice by e-mail.
    pub const EMAIL: &str = "EMAIL";
    /// Taking over an overdue invoice in the reminder service.
    pub const REMINDER_SERVICE: &str = "REMINDER_SERVICE";
    /// Recalling an invoice from Nox Finans.
    pub const RECALL: &str = "RECALL";
}

/// One line of the price list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    /// Which service it belongs to (`None`: both).
    pub service: Option<Service>,
    /// Stable item code.
    pub item: &'static str,
    /// Description.
    pub description: &'static str,
    /// Amount in öre.
    pub amount_ore: Ore,
}

/// The Nox Finans price list (DESIGN 2.3): the one table every charge reads.
pub const PRICE_LIST: &[Price] = &[
    Price {
        service: Some(Service::InvoiceService),
        item: item::LETTER,
        description: "Invoice delivered by letter, per invoice",
        amount_ore: Ore::new(1200),
    },
    Price {
        service: Some(Service::InvoiceService),
        item: item::EMAIL,
        description: "Invoice delivered by e-mail, per invoice",
        amount_ore: Ore::new(490),
    },
    Price {
        service: Some(Service::ReminderService),
        item: item::REMINDER_SERVICE,
        description: "Reminder service, per invoice",
        amount_ore: Ore::new(190),
    },
    Price {
        service: None,
        item: item::RECALL,
        description: "Recall of a case (plus VAT)",
        amount_ore: Ore::new(5000),
    },
    Price {
        service: None,
        item: "REMINDER_FEE",
        description: "Reminder fee charged to the customer (legal maximum)",
        amount_ore: Ore::new(6000),
    },
    Price {
        service: None,
        item: "DEBT_COLLECTION_FEE",
        description: "Debt collection notice fee charged to the customer (legal maximum)",
        amount_ore: Ore::new(18000),
    },
    Price {
        service: None,
        item: "LATE_PAYMENT_COMPENSATION",
        description: "One-off late-payment compensation charged to a business customer instead of both fees",
        amount_ore: Ore::new(45000),
    },
];

/// A price by item code.
pub fn price(item: &str) -> Ore {
    PRICE_LIST
        .iter()
        .find(|p| p.item == item)
        .map_or(Ore::ZERO, |p| p.amount_ore)
}

/// The date `days` after `due`.
pub fn step_date(due: NaiveDate, days: u64) -> NaiveDate {
    due.checked_add_days(Days::new(days)).unwrap_or(due)
}

/// The reference rates (referensränta) this version knows, in basis points,
/// by the date each took effect. Riksbanken sets the rate for each
/// half-year (1 January and 1 July); a newer one is given with the
/// `REFERENCE_RATES` setting ([`ReferenceRates::with`]).
const BUILT_IN_RATES: &[(i32, u32, u32, i64)] = &[
    (2025, 1, 1, 250),
    (2025, 7, 1, 200),
    (2026, 1, 1, 175),
    (2026, 7, 1, 175),
];

/// The reference rates late-payment interest is counted at: the rate in
/// force on a day is the last one that took effect on or before it, plus 8
/// percentage points (räntelagen 6 §).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceRates(Vec<(NaiveDate, i64)>);

impl Default for ReferenceRates {
    fn default() -> Self {
        Self::built_in()
    }
}

impl ReferenceRates {
    /// The rates this version knows.
    pub fn built_in() -> Self {
        Self(
            BUILT_IN_RATES
                .iter()
                .filter_map(|&(y, m, d, bp)| Some((NaiveDate::from_ymd_opt(y, m, d)?, bp)))
                .collect(),
        )
    }

    /// These rates with `more` (each from its date, in basis points): a
    /// rate for a date already known replaces it.
    pub fn with(mut self, more: impl IntoIterator<Item = (NaiveDate, i64)>) -> Self {
        for (from, bp) in more {
            self.0.retain(|(d, _)| *d != from);
            self.0.push((from, bp));
        }
        self.0.sort_by_key(|(d, _)| *d);
        self
    }

    /// The rate in force on `day`, in basis points (0 before the first).
    pub fn bp_on(&self, day: NaiveDate) -> i64 {
        self.0
            .iter()
            .rfind(|(from, _)| *from <= day)
            .map_or(0, |(_, bp)| *bp)
    }

    /// The first day of the half-year `day` falls in, when no rate took
    /// effect on or after it: the rate of the half-year has not been given,
    /// and the last one known goes on counting.
    pub fn unset_half_year(&self, day: NaiveDate) -> Option<NaiveDate> {
        use chrono::Datelike;
        let start = NaiveDate::from_ymd_opt(day.year(), if day.month() < 7 { 1 } else { 7 }, 1)?;
        (!self.0.iter().any(|(from, _)| *from >= start)).then_some(start)
    }
}

/// Reads one `REFERENCE_RATES` entry, `YYYY-MM-DD=PERCENT` (e.g.
/// `2027-01-01=2.25`): the date it takes effect and the rate in basis
/// points, from 0 to 20 % in hundredths of a percent.
pub fn parse_reference_rate(entry: &str) -> Result<(NaiveDate, i64), String> {
    let (date, rate) = entry
        .trim()
        .split_once('=')
        .ok_or("must be DATE=PERCENT, e.g. 2027-01-01=2.25")?;
    let from = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{date}` is not a date (YYYY-MM-DD)"))?;
    let percent: rust_decimal::Decimal = rate
        .trim()
        .parse()
        .map_err(|_| format!("`{rate}` is not a percentage (e.g. 2.25)"))?;
    let bp = percent * rust_decimal::Decimal::ONE_HUNDRED;
    if bp.fract() != rust_decimal::Decimal::ZERO
        || percent.is_sign_negative()
        || percent > rust_decimal::Decimal::from(20)
    {
        return Err(format!(
            "`{rate}` must be a percentage from 0 to 20 in hundredths (e.g. 2.25)"
        ));
    }
    let bp = rust_decimal::prelude::ToPrimitive::to_i64(&bp)
        .ok_or_else(|| format!("`{rate}` is out of range"))?;
    Ok((from, bp))
}

/// VAT on the recall fee, in basis points.
pub const RECALL_VAT_BP: i64 = 2500;
