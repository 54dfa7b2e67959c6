//! Demo data: two companies, one operator, ten customers and about forty invoices
//! that cover every case later capabilities need (SEK and EUR, each invoice type,
//! house work, cancelled, not completed, future-dated, overdue, paid, and customers
//! missing their name, postal code or e-mail). Created through the same services
//! the API uses, so the demo obeys every rule.

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use crate::domain::invoice::Payer;
use crate::domain::money::Ore;

use crate::domain::sale::{Agreement, DEFAULT_FIXED_FEE_ORE, DEFAULT_PERCENTAGE_BP};
use crate::error::{AppError, AppResult};
use crate::services::customers::{self, CustomerChanges};
use crate::services::invoices::{self, HouseWorkInput, InvoiceInput};
use crate::services::{AddressPatch, Patch};
use crate::state::AppState;
use crate::store::{Operator, Role, Tenant, companies, tokens};

mod data;

use data::{
    After, CUSTOMERS, DemoCustomer, DemoInvoice, INVOICES, OTHER_CUSTOMERS, OTHER_INVOICES,
};

/// The demo company's invoice-sale agreement: 19.90 SEK + 2.9 %, limits of
/// 200 000 SEK per recipient and 1 000 000 SEK in total.
pub const DEMO_AGREEMENT: Agreement = Agreement {
    active: true,
    fixed_fee_ore: DEFAULT_FIXED_FEE_ORE,
    percentage_bp: DEFAULT_PERCENTAGE_BP,
    minimum_fee_ore: Ore::ZERO,
    customer_limit_ore: Ore::new(20_000_000),
    total_limit_ore: Ore::new(100_000_000),
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
        let payable = created.balance_ore - created.house_work_deductible_ore.unwrap_or(Ore::ZERO);
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
                let skatteverket = created.house_work_deductible_ore.unwrap_or(Ore::ZERO);
                let customer_part = created.balance_ore - skatteverket;
                let amount = if inv.after == After::PaidInFull {
                    customer_part
                } else {
                    Ore::new(payable.get() / 2)
                };
                let pay = |payer, ore: Ore, key: String| invoices::PaymentInput {
                    invoice_id: created.id,
                    payer,
                    amount: crate::domain::money::from_ore(ore),
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
                if inv.after == After::PaidInFull && skatteverket.is_positive() {
                    let p = pay(Payer::Skatteverket, skatteverket, format!("{key}-skv"));
                    invoices::register_payment(state, tenant, p).await?;
                }
            }
        }
    }
    Ok(())
}

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
            seed_company(state, companies::tenant(&c), CUSTOMERS, INVOICES).await?;
            // The main demo company has invoice sale active; the other has not,
            // so both sides of activation can be tried.
            // Seeding acts for the financier, who activates the agreement.
            #[allow(clippy::disallowed_methods)]
            let financier = Operator::system();
            crate::services::sales::activate(state, financier, c.id, DEMO_AGREEMENT).await?;
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
                companies::tenant(&c),
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
