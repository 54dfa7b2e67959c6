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
///
/// The histories of a page of subjects load together
/// ([`HistoryLoader`](crate::graphql::loaders::HistoryLoader)).
pub(crate) async fn history_of(
    ctx: &async_graphql::Context<'_>,
    subject: crate::domain::event::About,
) -> crate::client_error::GqlResult<Vec<crate::store::outbox::Event>> {
    use crate::graphql::loaders::{HistoryLoader, HistoryOf};
    let loader = crate::graphql::loader::<HistoryLoader>(ctx)?;
    let events = Box::pin(loader.load_one(HistoryOf(subject))).await?;
    Ok(events.map(|e| e.as_ref().clone()).unwrap_or_default())
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

/// A [`Node`] as a field returns it: the same interface to the schema, but
/// resolved by its concrete type, whose fields resolve one after another in
/// the asked order. The derived interface resolves the fields itself,
/// concurrently, and writes them in the order they finish.
pub struct SerialNode(pub Node);

impl async_graphql::OutputType for SerialNode {
    fn type_name() -> std::borrow::Cow<'static, str> {
        Node::type_name()
    }

    fn qualified_type_name() -> String {
        Node::qualified_type_name()
    }

    fn introspection_type_name(&self) -> std::borrow::Cow<'static, str> {
        self.0.introspection_type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        Node::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &async_graphql::ContextSelectionSet<'_>,
        field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
    ) -> async_graphql::ServerResult<async_graphql::Value> {
        use async_graphql::OutputType as O;
        match &self.0 {
            Node::Company(n) => O::resolve(n, ctx, field).await,
            Node::Customer(n) => O::resolve(n, ctx, field).await,
            Node::Invoice(n) => O::resolve(n, ctx, field).await,
            Node::InvoiceSale(n) => O::resolve(n, ctx, field).await,
            Node::StatementEntry(n) => O::resolve(n, ctx, field).await,
            Node::Voucher(n) => O::resolve(n, ctx, field).await,
            Node::Notification(n) => O::resolve(n, ctx, field).await,
            Node::NoxFinansCase(n) => O::resolve(n, ctx, field).await,
        }
    }
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
    /// The address as shown, or `None` when street, city and postal code are
    /// all missing.
    pub fn of(a: crate::domain::address::Address) -> Option<Self> {
        if a.is_empty() {
            return None;
        }
        Some(Self {
            street: a.street,
            city: a.city,
            postal_code: a
                .postal_code
                .map(|p| crate::domain::identifiers::format_postal_code(&p)),
            country: a.country,
        })
    }
}
