//! The demo's data: its customers and invoices, and how each invoice ends up.

use crate::domain::money::{Ore, from_ore};
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

#[rustfmt::skip]
pub(super) const INVOICES: &[DemoInvoice] = &[
    // Byggvaruhuset: ordinary business invoices, one overdue, one paid, one unsent.
    DemoInvoice { customer: 0, days_ago: 3, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: carpentry, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 0, days_ago: 50, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: consulting, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 0, days_ago: 40, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::PaidInFull },
    DemoInvoice { customer: 0, days_ago: 1, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: consulting, house_work: None, not_completed: false, after: After::Nothing },
    // Anna Lindqvist: a private person with ROT and RUT work.
    DemoInvoice { customer: 1, days_ago: 5, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: kitchen, house_work: Some((HouseWorkType::Rot, 450000)), not_completed: false, after: After::Sent },
    DemoInvoice { customer: 1, days_ago: 2, terms: "20", currency: "SEK", kind: InvoiceType::Invoice, rows: cleaning, house_work: Some((HouseWorkType::Rut, 168750)), not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 1, days_ago: 45, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::PaidInPart },
    DemoInvoice { customer: 1, days_ago: 0, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: true, after: After::Nothing },
    // Kafé Solsidan: cash invoice, interest invoice, cancelled.
    DemoInvoice { customer: 2, days_ago: 10, terms: "0", currency: "SEK", kind: InvoiceType::Cash, rows: small, house_work: None, not_completed: false, after: After::PaidInFull },
    DemoInvoice { customer: 2, days_ago: 8, terms: "30", currency: "SEK", kind: InvoiceType::Interest, rows: interest, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 2, days_ago: 12, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: carpentry, house_work: None, not_completed: false, after: After::Cancelled },
    DemoInvoice { customer: 2, days_ago: 4, terms: "15", currency: "SEK", kind: InvoiceType::Invoice, rows: consulting, house_work: None, not_completed: false, after: After::Nothing },
    // Erik Johansson: no e-mail; overdue reminder-service candidate.
    DemoInvoice { customer: 3, days_ago: 60, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 3, days_ago: 35, terms: "20", currency: "SEK", kind: InvoiceType::Invoice, rows: carpentry, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 3, days_ago: 6, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 3, days_ago: -7, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::Nothing },
    // Fastighets AB Norrsken: no postal code.
    DemoInvoice { customer: 4, days_ago: 9, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: consulting, house_work: None, not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 4, days_ago: 33, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: carpentry, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 4, days_ago: 2, terms: "45", currency: "SEK", kind: InvoiceType::Invoice, rows: kitchen, house_work: None, not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 4, days_ago: 70, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::PaidInFull },
    // Nameless customer.
    DemoInvoice { customer: 5, days_ago: 7, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 5, days_ago: 20, terms: "10", currency: "SEK", kind: InvoiceType::Invoice, rows: carpentry, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 5, days_ago: 1, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: consulting, house_work: None, not_completed: true, after: After::Nothing },
    // Holzbau Berlin: EUR invoices.
    DemoInvoice { customer: 6, days_ago: 14, terms: "30", currency: "EUR", kind: InvoiceType::Invoice, rows: consulting, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 6, days_ago: 3, terms: "30", currency: "EUR", kind: InvoiceType::Invoice, rows: carpentry, house_work: None, not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 6, days_ago: 48, terms: "30", currency: "EUR", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::Sent },
    // Maria Svensson: house work, one overdue.
    DemoInvoice { customer: 7, days_ago: 4, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: kitchen, house_work: Some((HouseWorkType::Rot, 450000)), not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 7, days_ago: 39, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: cleaning, house_work: Some((HouseWorkType::Rut, 168750)), not_completed: false, after: After::Sent },
    DemoInvoice { customer: 7, days_ago: 15, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 7, days_ago: -2, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: carpentry, house_work: None, not_completed: false, after: After::Nothing },
    // Lindgren & Co: no phone, no organisation number.
    DemoInvoice { customer: 8, days_ago: 11, terms: "20", currency: "SEK", kind: InvoiceType::Invoice, rows: carpentry, house_work: None, not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 8, days_ago: 55, terms: "20", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 8, days_ago: 26, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: consulting, house_work: None, not_completed: false, after: After::PaidInPart },
    DemoInvoice { customer: 8, days_ago: 2, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::Cancelled },
    // Sundsvalls Elektriska: large invoices, all data present.
    DemoInvoice { customer: 9, days_ago: 1, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: kitchen, house_work: None, not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 9, days_ago: 6, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: consulting, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 9, days_ago: 36, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: carpentry, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 9, days_ago: 90, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: kitchen, house_work: None, not_completed: false, after: After::PaidInFull },
    DemoInvoice { customer: 9, days_ago: 0, terms: "10", currency: "SEK", kind: InvoiceType::Interest, rows: interest, house_work: None, not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 9, days_ago: 3, terms: "0", currency: "SEK", kind: InvoiceType::Cash, rows: small, house_work: None, not_completed: false, after: After::Nothing },
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

#[rustfmt::skip]
pub(super) const OTHER_INVOICES: &[DemoInvoice] = &[
    DemoInvoice { customer: 0, days_ago: 5, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: consulting, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 0, days_ago: 42, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 1, days_ago: 2, terms: "20", currency: "SEK", kind: InvoiceType::Invoice, rows: cleaning, house_work: Some((HouseWorkType::Rut, 168750)), not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 2, days_ago: 8, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: carpentry, house_work: None, not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 2, days_ago: 30, terms: "15", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::PaidInFull },
];
