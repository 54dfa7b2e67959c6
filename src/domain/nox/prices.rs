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

/// The reference rate (referensränta) in basis points, by the date it took
/// effect; late-payment interest is the rate in force plus 8 percentage points.
pub const REFERENCE_RATES: &[(i32, u32, u32, i64)] = &[
    (2025, 1, 1, 250),
    (2025, 7, 1, 200),
    (2026, 1, 1, 175),
    (2026, 7, 1, 175),
];

/// The reference rate in force on `day`, in basis points.
pub fn reference_rate_bp(day: NaiveDate) -> i64 {
    REFERENCE_RATES
        .iter()
        .rfind(|(y, m, d, _)| NaiveDate::from_ymd_opt(*y, *m, *d).is_some_and(|from| from <= day))
        .map_or(0, |(.., bp)| *bp)
}

/// VAT on the recall fee, in basis points.
pub const RECALL_VAT_BP: i64 = 2500;
