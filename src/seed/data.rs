//! The demo's data: its customers and invoices, and how each invoice ends up.

use crate::domain::money::{HOME_CURRENCY, Ore, from_ore};
use rust_decimal::Decimal;

use crate::domain::invoice::{InvoiceType, RowInput};
use crate::services::invoices::HouseWorkType;

pub(super) struct DemoCustomer {
    pub(super) number: &'static str,
    pub(super) name: Option<&'static str>,
    pub(super) org: Option<&'static str>,
    pub(super) email: Option<&'static str>,
    pub(super) phone: Option<&'static str>,
    pub(super) street: Option<&'static str>,
    pub(super) postal: Option<&'static str>,
    pub(super) city: Option<&'static str>,
    pub(super) country: &'static str,
}

pub(super) const CUSTOMERS: &[DemoCustomer] = &[
    DemoCustomer {
        number: "1",
        name: Some("Byggvaruhuset i Umeå AB"),
        org: Some("559345-6782"),
        email: Some("faktura@byggvaruhuset.example"),
        phone: Some("090-12 34 56"),
        street: Some("Storgatan 12"),
        postal: Some("903 26"),
        city: Some("Umeå"),
        country: "SE",
    },
    DemoCustomer {
        number: "2",
        name: Some("Anna Lindqvist"),
        org: Some("19850614-1236"),
        email: Some("anna.lindqvist@example.se"),
        phone: Some("070-123 45 67"),
        street: Some("Björkvägen 3"),
        postal: Some("904 22"),
        city: Some("Umeå"),
        country: "SE",
    },
    DemoCustomer {
        number: "3",
        name: Some("Kafé Solsidan AB"),
        org: Some("559456-7892"),
        email: Some("ekonomi@solsidan.example"),
        phone: Some("0920-55 66 77"),
        street: Some("Hamngatan 5"),
        postal: Some("972 31"),
        city: Some("Luleå"),
        country: "SE",
    },
    DemoCustomer {
        number: "4",
        name: Some("Erik Johansson"),
        org: Some("19921103-4567"),
        email: None,
        phone: Some("073-987 65 43"),
        street: Some("Tallstigen 8"),
        postal: Some("931 40"),
        city: Some("Skellefteå"),
        country: "SE",
    },
    DemoCustomer {
        number: "5",
        name: Some("Fastighets AB Norrsken"),
        org: Some("559567-8904"),
        email: Some("info@norrsken.example"),
        phone: Some("063-10 20 30"),
        street: Some("Kyrkgatan 40"),
        postal: None,
        city: Some("Östersund"),
        country: "SE",
    },
    DemoCustomer {
        number: "6",
        name: None,
        org: None,
        email: Some("okand@example.se"),
        phone: None,
        street: Some("Okänd väg 1"),
        postal: Some("901 01"),
        city: Some("Umeå"),
        country: "SE",
    },
    DemoCustomer {
        number: "7",
        name: Some("Holzbau Berlin GmbH"),
        org: None,
        email: Some("rechnung@holzbau.example"),
        phone: Some("+49 30 1234567"),
        street: Some("Hauptstraße 1"),
        postal: Some("10115"),
        city: Some("Berlin"),
        country: "DE",
    },
    DemoCustomer {
        number: "8",
        name: Some("Maria Svensson"),
        org: Some("19770322-7897"),
        email: Some("maria.svensson@example.se"),
        phone: Some("070-555 11 22"),
        street: Some("Sjövägen 14"),
        postal: Some("903 38"),
        city: Some("Umeå"),
        country: "SE",
    },
    DemoCustomer {
        number: "9",
        name: Some("Lindgren & Co HB"),
        org: None,
        email: Some("lindgren@example.se"),
        phone: None,
        street: Some("Verkstadsgatan 2"),
        postal: Some("891 33"),
        city: Some("Örnsköldsvik"),
        country: "SE",
    },
    DemoCustomer {
        number: "10",
        name: Some("Sundsvalls Elektriska AB"),
        org: Some("559678-9015"),
        email: Some("faktura@sundsvallsel.example"),
        phone: Some("060-12 12 12"),
        street: Some("Esplanaden 7"),
        postal: Some("852 30"),
        city: Some("Sundsvall"),
        country: "SE",
    },
];

fn row(description: &str, quantity: i64, unit_price_ore: Ore, vat: i64) -> RowInput {
    RowInput {
        description: description.to_string(),
        quantity: Decimal::from(quantity),
        unit_price: from_ore(unit_price_ore),
        vat_rate: Decimal::from(vat),
    }
}

/// How a demo invoice ends up after creation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum After {
    Nothing,
    Sent,
    Cancelled,
    PaidInFull,
    PaidInPart,
}

pub(super) struct DemoInvoice {
    pub(super) customer: usize,
    pub(super) days_ago: i64,
    pub(super) terms: &'static str,
    pub(super) currency: &'static str,
    pub(super) kind: InvoiceType,
    pub(super) rows: fn() -> Vec<RowInput>,
    pub(super) house_work: Option<(HouseWorkType, i64)>,
    pub(super) not_completed: bool,
    pub(super) after: After,
}

/// An ordinary invoice of `customer` (an index into its list), dated
/// `days_ago` days back: SEK, finished, without house work; the builders
/// below say how it differs.
const fn inv(
    customer: usize,
    days_ago: i64,
    terms: &'static str,
    rows: fn() -> Vec<RowInput>,
    after: After,
) -> DemoInvoice {
    DemoInvoice {
        customer,
        days_ago,
        terms,
        currency: HOME_CURRENCY,
        kind: InvoiceType::Invoice,
        rows,
        house_work: None,
        not_completed: false,
        after,
    }
}

impl DemoInvoice {
    /// In euros.
    const fn eur(self) -> Self {
        Self {
            currency: "EUR",
            ..self
        }
    }
    /// Of another kind than an ordinary invoice.
    const fn kind(self, kind: InvoiceType) -> Self {
        Self { kind, ..self }
    }
    /// House work with its tax reduction, in öre.
    const fn house_work(self, kind: HouseWorkType, deductible_ore: i64) -> Self {
        Self {
            house_work: Some((kind, deductible_ore)),
            ..self
        }
    }
    /// Marked "not completed" (Ej klar).
    const fn not_completed(self) -> Self {
        Self {
            not_completed: true,
            ..self
        }
    }
}

fn carpentry() -> Vec<RowInput> {
    vec![
        row("Snickeriarbete, timmar", 8, Ore::new(65000), 25),
        row("Virke", 1, Ore::new(420000), 25),
    ]
}
fn kitchen() -> Vec<RowInput> {
    vec![
        row("Köksrenovering, arbete", 24, Ore::new(62500), 25),
        row("Material", 1, Ore::new(1850000), 25),
    ]
}
fn cleaning() -> Vec<RowInput> {
    vec![row("Flyttstädning", 6, Ore::new(45000), 25)]
}
fn small() -> Vec<RowInput> {
    vec![row("Reparation av dörr", 2, Ore::new(59000), 25)]
}
fn interest() -> Vec<RowInput> {
    vec![row("Dröjsmålsränta faktura 1003", 1, Ore::new(18750), 0)]
}
fn consulting() -> Vec<RowInput> {
    vec![
        row("Projektering", 10, Ore::new(95000), 25),
        row("Resa", 1, Ore::new(120000), 25),
    ]
}

pub(super) const INVOICES: &[DemoInvoice] = &[
    // Byggvaruhuset: ordinary business invoices, one overdue, one paid, one unsent.
    inv(0, 3, "30", carpentry, After::Sent),
    inv(0, 50, "30", consulting, After::Sent),
    inv(0, 40, "30", small, After::PaidInFull),
    inv(0, 1, "30", consulting, After::Nothing),
    // Anna Lindqvist: a private person with ROT and RUT work.
    inv(1, 5, "30", kitchen, After::Sent).house_work(HouseWorkType::Rot, 450000),
    inv(1, 2, "20", cleaning, After::Nothing).house_work(HouseWorkType::Rut, 168750),
    inv(1, 45, "30", small, After::PaidInPart),
    inv(1, 0, "30", small, After::Nothing).not_completed(),
    // Kafé Solsidan: cash invoice, interest invoice, cancelled.
    inv(2, 10, "0", small, After::PaidInFull).kind(InvoiceType::Cash),
    inv(2, 8, "30", interest, After::Sent).kind(InvoiceType::Interest),
    inv(2, 12, "30", carpentry, After::Cancelled),
    inv(2, 4, "15", consulting, After::Nothing),
    // Erik Johansson: no e-mail; overdue reminder-service candidate.
    inv(3, 60, "30", small, After::Sent),
    inv(3, 35, "20", carpentry, After::Sent),
    inv(3, 6, "30", small, After::Nothing),
    inv(3, -7, "30", small, After::Nothing),
    // Fastighets AB Norrsken: no postal code.
    inv(4, 9, "30", consulting, After::Nothing),
    inv(4, 33, "30", carpentry, After::Sent),
    inv(4, 2, "45", kitchen, After::Nothing),
    inv(4, 70, "30", small, After::PaidInFull),
    // Nameless customer.
    inv(5, 7, "30", small, After::Nothing),
    inv(5, 20, "10", carpentry, After::Sent),
    inv(5, 1, "30", consulting, After::Nothing).not_completed(),
    // Holzbau Berlin: EUR invoices.
    inv(6, 14, "30", consulting, After::Sent).eur(),
    inv(6, 3, "30", carpentry, After::Nothing).eur(),
    inv(6, 48, "30", small, After::Sent).eur(),
    // Maria Svensson: house work, one overdue.
    inv(7, 4, "30", kitchen, After::Nothing).house_work(HouseWorkType::Rot, 450000),
    inv(7, 39, "30", cleaning, After::Sent).house_work(HouseWorkType::Rut, 168750),
    inv(7, 15, "30", small, After::Nothing),
    inv(7, -2, "30", carpentry, After::Nothing),
    // Lindgren & Co: no phone, no organisation number.
    inv(8, 11, "20", carpentry, After::Nothing),
    inv(8, 55, "20", small, After::Sent),
    inv(8, 26, "30", consulting, After::PaidInPart),
    inv(8, 2, "30", small, After::Cancelled),
    // Sundsvalls Elektriska: large invoices, all data present.
    inv(9, 1, "30", kitchen, After::Nothing),
    inv(9, 6, "30", consulting, After::Sent),
    inv(9, 36, "30", carpentry, After::Sent),
    inv(9, 90, "30", kitchen, After::PaidInFull),
    inv(9, 0, "10", interest, After::Nothing).kind(InvoiceType::Interest),
    inv(9, 3, "0", small, After::Nothing).kind(InvoiceType::Cash),
];

pub(super) const OTHER_CUSTOMERS: &[DemoCustomer] = &[
    DemoCustomer {
        number: "1",
        name: Some("Konditori Kronan AB"),
        org: Some("559789-0127"),
        email: Some("kronan@example.se"),
        phone: Some("08-123 456"),
        street: Some("Drottninggatan 20"),
        postal: Some("111 51"),
        city: Some("Stockholm"),
        country: "SE",
    },
    DemoCustomer {
        number: "2",
        name: Some("Per Andersson"),
        org: Some("19600101-2340"),
        email: Some("per.andersson@example.se"),
        phone: None,
        street: Some("Vasagatan 3"),
        postal: Some("411 24"),
        city: Some("Göteborg"),
        country: "SE",
    },
    DemoCustomer {
        number: "3",
        name: Some("Eventbolaget i Malmö AB"),
        org: Some("559890-1238"),
        email: None,
        phone: Some("040-98 76 54"),
        street: Some("Södergatan 9"),
        postal: Some("211 34"),
        city: Some("Malmö"),
        country: "SE",
    },
];

pub(super) const OTHER_INVOICES: &[DemoInvoice] = &[
    inv(0, 5, "30", consulting, After::Sent),
    inv(0, 42, "30", small, After::Sent),
    inv(1, 2, "20", cleaning, After::Nothing).house_work(HouseWorkType::Rut, 168750),
    inv(2, 8, "30", carpentry, After::Nothing),
    inv(2, 30, "15", small, After::PaidInFull),
];
