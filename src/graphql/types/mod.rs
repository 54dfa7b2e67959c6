//! GraphQL object types. They wrap stored models and never derive from entities:
//! the API and the tables change for different reasons.
//!
//! All fields of an object share one resolver future type, as large as the
//! largest field's: async-graphql builds one per selected field and moves it
//! into a box, so a page of 50 invoices copies that size some 600 times. A
//! field whose work runs deep (another list's page, an event history, what a
//! case owes) awaits that work boxed (`Box::pin(…).await`), and the cheap
//! fields of the object stop paying for it.

pub mod company;
pub mod customer;
pub mod inputs;
pub mod invoice;
pub mod ledger;
pub mod nox;
pub mod sale;

use async_graphql::Interface;

use company::Company;
use customer::Customer;
use invoice::Invoice;

/// The stored events of one subject (a sale, a case), oldest first: the
/// caller's own company's, or any company's for operators. Awaited boxed
/// (see above): it is the deepest work of the objects that list it.
pub(crate) async fn history_of(
    ctx: &async_graphql::Context<'_>,
    topic: &str,
    subject_id: i64,
) -> crate::client_error::GqlResult<Vec<crate::store::outbox::Event>> {
    let reader = crate::graphql::actor(ctx)?
        .scope()
        .ok_or_else(|| crate::error::AppError::Forbidden("this field needs a token".into()))?;
    let db = &crate::graphql::state(ctx).db;
    Ok(Box::pin(crate::store::outbox::history(db, reader, topic, subject_id)).await?)
}

/// An object with a global ID, fetchable with `node(id:)`.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "async_graphql::ID", desc = "Global ID."))]
pub enum Node {
    /// A company.
    Company(Company),
    /// A customer.
    Customer(Customer),
    /// An invoice.
    Invoice(Invoice),
    /// An invoice sale.
    InvoiceSale(sale::InvoiceSale),
    /// A statement entry.
    StatementEntry(ledger::StatementEntry),
    /// A voucher.
    Voucher(ledger::Voucher),
    /// A notification.
    Notification(ledger::Notification),
    /// An invoice handed to Nox Finans.
    NoxFinansCase(nox::NoxFinansCase),
}

/// A postal address.
#[derive(Debug, Clone, async_graphql::SimpleObject)]
#[graphql(serial)]
pub struct Address {
    /// Street and number.
    pub street: Option<String>,
    /// City (ort).
    pub city: Option<String>,
    /// Swedish postal code, shown `NNN NN`.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

impl Address {
    /// The address, or `None` when street, city and postal code are all missing.
    pub fn from_parts(
        street: Option<String>,
        city: Option<String>,
        postal_code: Option<String>,
        country: String,
    ) -> Option<Self> {
        if street.is_none() && city.is_none() && postal_code.is_none() {
            return None;
        }
        Some(Self {
            street,
            city,
            postal_code: postal_code.map(|p| crate::domain::identifiers::format_postal_code(&p)),
            country,
        })
    }
}
