//! Demo data: two companies, one operator, ten customers and about forty invoices
//! that cover every case later capabilities need (SEK and EUR, each invoice type,
//! house work, cancelled, not completed, future-dated, overdue, paid, and customers
//! missing their name, postal code or e-mail). Created through the same services
//! the API uses, so the demo obeys every rule.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use crate::domain::invoice::Payer;

use crate::domain::invoice::{InvoiceType, RowInput};
use crate::domain::sale::{Agreement, DEFAULT_FIXED_FEE_ORE, DEFAULT_PERCENTAGE_BP};
use crate::error::{AppError, AppResult};
use crate::services::customers::{self, CustomerChanges};
use crate::services::invoices::{self, HouseWorkInput, HouseWorkType, InvoiceInput};
use crate::services::{AddressPatch, Patch};
use crate::state::AppState;
use crate::store::{Operator, Role, Tenant, companies, tokens};

/// The demo company's invoice-sale agreement: 19.90 SEK + 2.9 %, limits of
/// 200 000 SEK per recipient and 1 000 000 SEK in total.
pub const DEMO_AGREEMENT: Agreement = Agreement {
    active: true,
    fixed_fee_ore: DEFAULT_FIXED_FEE_ORE,
    percentage_bp: DEFAULT_PERCENTAGE_BP,
    minimum_fee_ore: 0,
    customer_limit_ore: 20_000_000,
    total_limit_ore: 100_000_000,
};

/// Organisation number of the main demo company.
pub const DEMO_COMPANY: &str = "559012-3450";
/// Organisation number of the second demo company.
pub const OTHER_DEMO_COMPANY: &str = "559234-5671";

/// Fresh tokens for the demo actors.
#[derive(Debug, Clone)]
pub struct DemoTokens {
    /// For Norrlands Snickeri AB.
    pub company: String,
    /// For Café Blomman AB.
    pub other_company: String,
    /// For the financier's operator.
    pub operator: String,
}

struct DemoCustomer {
    number: &'static str,
    name: Option<&'static str>,
    org: Option<&'static str>,
    email: Option<&'static str>,
    phone: Option<&'static str>,
    street: Option<&'static str>,
    postal: Option<&'static str>,
    city: Option<&'static str>,
    country: &'static str,
}

const CUSTOMERS: &[DemoCustomer] = &[
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

fn set(v: Option<&'static str>) -> Patch<String> {
    v.map_or(Patch::Keep, |s| Patch::Set(s.to_string()))
}

fn changes(c: &DemoCustomer) -> CustomerChanges {
    CustomerChanges {
        customer_number: Patch::Set(c.number.to_string()),
        name: set(c.name),
        organisation_number: set(c.org),
        email: set(c.email),
        phone: set(c.phone),
        address: Patch::Set(AddressPatch {
            street: set(c.street),
            city: set(c.city),
            postal_code: set(c.postal),
            country: Patch::Set(c.country.to_string()),
        }),
    }
}

fn row(description: &str, quantity: i64, unit_price_ore: i64, vat: i64) -> RowInput {
    RowInput {
        description: description.to_string(),
        quantity: Decimal::from(quantity),
        unit_price: Decimal::new(unit_price_ore, 2),
        vat_rate: Decimal::from(vat),
    }
}

/// How a demo invoice ends up after creation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum After {
    Nothing,
    Sent,
    Cancelled,
    PaidInFull,
    PaidInPart,
}

struct DemoInvoice {
    customer: usize,
    days_ago: i64,
    terms: &'static str,
    currency: &'static str,
    kind: InvoiceType,
    rows: fn() -> Vec<RowInput>,
    house_work: Option<(HouseWorkType, i64)>,
    not_completed: bool,
    after: After,
}

fn carpentry() -> Vec<RowInput> {
    vec![
        row("Snickeriarbete, timmar", 8, 65000, 25),
        row("Virke", 1, 420000, 25),
    ]
}
fn kitchen() -> Vec<RowInput> {
    vec![
        row("Köksrenovering, arbete", 24, 62500, 25),
        row("Material", 1, 1850000, 25),
    ]
}
fn cleaning() -> Vec<RowInput> {
    vec![row("Flyttstädning", 6, 45000, 25)]
}
fn small() -> Vec<RowInput> {
    vec![row("Reparation av dörr", 2, 59000, 25)]
}
fn interest() -> Vec<RowInput> {
    vec![row("Dröjsmålsränta faktura 1003", 1, 18750, 0)]
}
fn consulting() -> Vec<RowInput> {
    vec![
        row("Projektering", 10, 95000, 25),
        row("Resa", 1, 120000, 25),
    ]
}

#[rustfmt::skip]
const INVOICES: &[DemoInvoice] = &[
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

fn date_from(today: NaiveDate, days_ago: i64) -> NaiveDate {
    if days_ago >= 0 {
        today
            .checked_sub_days(Days::new(days_ago.unsigned_abs()))
            .unwrap_or(today)
    } else {
        today
            .checked_add_days(Days::new(days_ago.unsigned_abs()))
            .unwrap_or(today)
    }
}

async fn seed_company(
    state: &AppState,
    tenant: Tenant,
    customers: &[DemoCustomer],
    invoices: &[DemoInvoice],
) -> AppResult<()> {
    let today = state.clock.today();
    let mut ids = Vec::new();
    for c in customers {
        ids.push(customers::create(state, tenant, changes(c)).await?.id);
    }
    for inv in invoices {
        let customer_id = *ids
            .get(inv.customer)
            .ok_or_else(|| AppError::Internal("demo customer index".into()))?;
        let invoice_date = date_from(today, inv.days_ago);
        let created = invoices::create(
            state,
            tenant,
            InvoiceInput {
                customer_id,
                invoice_date,
                terms_of_payment: inv.terms.to_string(),
                currency: Some(inv.currency.to_string()),
                invoice_type: Some(inv.kind),
                rows: (inv.rows)(),
                house_work: inv.house_work.map(|(kind, ore)| HouseWorkInput {
                    kind,
                    deductible_amount: Decimal::new(ore, 2),
                }),
                not_completed: Some(inv.not_completed),
                customer_name: Patch::Keep,
                invoice_address: Patch::Keep,
            },
        )
        .await?;
        let payable = created.balance_ore - created.house_work_deductible_ore.unwrap_or(0);
        let paid_on = invoice_date
            .max(today.checked_sub_days(Days::new(1)).unwrap_or(today))
            .min(today);
        match inv.after {
            After::Nothing => {}
            After::Sent => {
                invoices::mark_sent(state, tenant, created.id).await?;
            }
            After::Cancelled => {
                invoices::cancel(state, tenant, created.id).await?;
            }
            After::PaidInFull | After::PaidInPart => {
                invoices::mark_sent(state, tenant, created.id).await?;
                let skatteverket = created.house_work_deductible_ore.unwrap_or(0);
                let customer_part = created.balance_ore - skatteverket;
                let amount = if inv.after == After::PaidInFull {
                    customer_part
                } else {
                    payable / 2
                };
                let pay = |payer, ore: i64, key: String| invoices::PaymentInput {
                    invoice_id: created.id,
                    payer,
                    amount: Decimal::new(ore, 2),
                    paid_on,
                    idempotency_key: key,
                };
                let key = format!("demo-{}", created.id);
                invoices::register_payment(
                    state,
                    tenant,
                    pay(Payer::Customer, amount, key.clone()),
                )
                .await?;
                if inv.after == After::PaidInFull && skatteverket > 0 {
                    let p = pay(Payer::Skatteverket, skatteverket, format!("{key}-skv"));
                    invoices::register_payment(state, tenant, p).await?;
                }
            }
        }
    }
    Ok(())
}

const OTHER_CUSTOMERS: &[DemoCustomer] = &[
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
const OTHER_INVOICES: &[DemoInvoice] = &[
    DemoInvoice { customer: 0, days_ago: 5, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: consulting, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 0, days_ago: 42, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::Sent },
    DemoInvoice { customer: 1, days_ago: 2, terms: "20", currency: "SEK", kind: InvoiceType::Invoice, rows: cleaning, house_work: Some((HouseWorkType::Rut, 168750)), not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 2, days_ago: 8, terms: "30", currency: "SEK", kind: InvoiceType::Invoice, rows: carpentry, house_work: None, not_completed: false, after: After::Nothing },
    DemoInvoice { customer: 2, days_ago: 30, terms: "15", currency: "SEK", kind: InvoiceType::Invoice, rows: small, house_work: None, not_completed: false, after: After::PaidInFull },
];

/// What [`seed_demo`] did.
#[derive(Debug)]
pub struct Seeded {
    /// The demo data was created now (it was absent).
    pub created: bool,
    /// Tokens minted for the demo actors: on creation, or when asked for.
    pub tokens: Option<DemoTokens>,
}

/// Creates the demo companies and their data when absent. Tokens for the demo
/// actors are minted when the data is created, or when `new_tokens` asks for
/// them (tokens are stored hashed, so earlier ones cannot be shown again).
pub async fn seed_demo(state: &AppState, new_tokens: bool) -> AppResult<Seeded> {
    let now = state.clock.now();
    let mut created = false;
    let main = match companies::find_by_organisation_number(&state.db, DEMO_COMPANY).await? {
        Some(c) => c,
        None => {
            let c =
                companies::create(&state.db, "Norrlands Snickeri AB", DEMO_COMPANY, now).await?;
            seed_company(state, Tenant::trusted(c.id), CUSTOMERS, INVOICES).await?;
            // The main demo company has invoice sale active; the other has not,
            // so both sides of activation can be tried.
            crate::services::sales::activate(state, Operator::system(), c.id, DEMO_AGREEMENT)
                .await?;
            created = true;
            c
        }
    };
    let other = match companies::find_by_organisation_number(&state.db, OTHER_DEMO_COMPANY).await? {
        Some(c) => c,
        None => {
            let c =
                companies::create(&state.db, "Café Blomman AB", OTHER_DEMO_COMPANY, now).await?;
            seed_company(
                state,
                Tenant::trusted(c.id),
                OTHER_CUSTOMERS,
                OTHER_INVOICES,
            )
            .await?;
            created = true;
            c
        }
    };
    if !created && !new_tokens {
        return Ok(Seeded {
            created,
            tokens: None,
        });
    }
    let tokens = DemoTokens {
        company: tokens::create_simple(&state.db, Some(main.id), Role::Company, "demo", now)
            .await?,
        other_company: tokens::create_simple(&state.db, Some(other.id), Role::Company, "demo", now)
            .await?,
        operator: tokens::create_simple(&state.db, None, Role::Operator, "demo operator", now)
            .await?,
    };
    Ok(Seeded {
        created,
        tokens: Some(tokens),
    })
}
