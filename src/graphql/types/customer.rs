//! The `Customer` type.

use async_graphql::{Context, Enum, ID, Object};
use chrono::{DateTime, Utc};

use super::Address;
use super::invoice::{
    InvoiceConnection, InvoiceOrder, OrderDirection, along, connection, invoice_page,
};
use crate::client_error::GqlResult;
use crate::domain::identifiers::{IdentityKind, identity_kind_of_normalised};
use crate::graphql::connection::Window;
use crate::graphql::ids::encode_id;
use crate::graphql::loaders::{CustomerInvoicesLoader, FirstInvoices};
use crate::graphql::{loader, tenant};
use crate::store::customers::CustomerSort;
use crate::store::invoices::InvoiceFilter;
use crate::store::page::{Page, PageRequest};

/// A company's customer: who its invoices go to. Shared (`Arc`): the
/// request's loader hands the same record to every invoice of a page that
/// names the customer, without copying its texts.
#[derive(Clone)]
pub struct Customer(pub std::sync::Arc<crate::store::customers::Customer>);

impl From<crate::store::customers::Customer> for Customer {
    fn from(c: crate::store::customers::Customer) -> Self {
        Self(std::sync::Arc::new(c))
    }
}

/// Whether a customer is a business or a private person, from its identity number.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CustomerKind {
    /// Has an organisation number.
    Business,
    /// Has a personnummer.
    Private,
    /// No identity number recorded.
    Unknown,
}

/// A company's customer: who its invoices go to.
#[Object(serial)]
impl Customer {
    /// Global ID.
    pub async fn id(&self) -> ID {
        encode_id(self.0.id)
    }
    /// The company's number for this customer, unique within the company.
    async fn customer_number(&self) -> &str {
        &self.0.customer_number
    }
    /// Name; null when missing (invoices to it cannot go to Nox Finans).
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Organisation number (`NNNNNN-NNNN`) or personnummer (`YYYYMMDD-NNNN`).
    async fn organisation_number(&self) -> Option<&str> {
        self.0.organisation_number.as_deref()
    }
    /// Business or private, from the identity number.
    async fn kind(&self) -> CustomerKind {
        match self
            .0
            .organisation_number
            .as_deref()
            .map(identity_kind_of_normalised)
        {
            None => CustomerKind::Unknown,
            Some(IdentityKind::Organisation) => CustomerKind::Business,
            Some(IdentityKind::Person) => CustomerKind::Private,
        }
    }
    /// E-mail address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// Phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// Postal address; null when none is recorded.
    async fn address(&self) -> Option<Address> {
        Address::of(self.0.address())
    }
    /// When the customer was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// This customer's invoices, newest first.
    #[graphql(complexity = "crate::graphql::connection::list_cost(first, 10, child_complexity)")]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size (at most the server's maximum).")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
    ) -> GqlResult<InvoiceConnection> {
        let t = tenant(ctx)?;
        let (_, req) = Window::forward(first, after).request(ctx)?;
        let filter = InvoiceFilter {
            customer_id: Some(self.0.id),
            ..InvoiceFilter::default()
        };
        if let PageRequest::Forward { first, after: None } = req {
            // The first page: read with the other customers' of this
            // response in one statement.
            let key = FirstInvoices {
                customer: self.0.id,
                size: first,
                along: along(ctx, req).0,
            };
            let page = loader::<CustomerInvoicesLoader>(ctx)?
                .load_one(key)
                .await?
                .unwrap_or_else(Page::empty);
            return Ok(connection(ctx, t, filter, page));
        }
        Box::pin(invoice_page(
            ctx,
            t,
            filter,
            InvoiceOrder::into_store(None),
            req,
        ))
        .await
    }
}

crate::connection_types!(CustomerConnection, CustomerEdge, Customer, "customers");

/// What the customer list can be sorted by.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CustomerOrderField {
    /// The order customers were created in.
    Created,
    /// The name in Swedish alphabetical order: case and accents aside, Å, Ä
    /// and Ö after Z; no name first.
    Name,
    /// The customer number, its digits compared as numbers: 9 before 10,
    /// K9 before K10.
    CustomerNumber,
}

/// How to sort the customer list. Equal keys keep creation order; every
/// sort pages by cursor in both directions at the same cost anywhere in the
/// list.
#[derive(async_graphql::InputObject, Copy, Clone, Debug)]
pub struct CustomerOrder {
    /// By what.
    pub field: CustomerOrderField,
    /// Which way.
    pub direction: OrderDirection,
}

impl CustomerOrder {
    /// The store's sort and whether it is descending; none given is oldest
    /// first.
    pub fn into_store(order: Option<Self>) -> (CustomerSort, bool) {
        order.map_or((CustomerSort::Created, false), |o| {
            let sort = match o.field {
                CustomerOrderField::Created => CustomerSort::Created,
                CustomerOrderField::Name => CustomerSort::Name,
                CustomerOrderField::CustomerNumber => CustomerSort::Number,
            };
            (sort, o.direction == OrderDirection::Desc)
        })
    }
}
