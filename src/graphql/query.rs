//! Query root.

use crate::domain::id::{CustomerId, InvoiceId};
use crate::store::by_id;
use async_graphql::{Context, ID, InputObject, Object};

use super::connection::Window;
use super::ids::{AnyId, decode_any, decode_id};
use super::scalars::Date;
use super::types::company::Company;
use super::types::customer::{Customer, CustomerConnection, CustomerOrder};
use super::types::invoice::{
    Invoice, InvoiceConnection, InvoiceOrder, InvoiceStatus, invoice_page,
};
use super::types::ledger::{Notification, StatementEntry, Voucher};
use super::types::sale::InvoiceSale;
use super::types::{Node, SerialNode};
use super::{state, tenant};
use crate::client_error::GqlResult;
use crate::store::invoices::{self, Along, InvoiceFilter as StoreFilter};
use crate::store::{companies, customers};

/// Company, customer and invoice queries.
#[derive(Default)]
pub struct CoreQuery;

/// Query root: every query field.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    CoreQuery,
    super::sales_api::SaleQuery,
    super::nox_api::NoxQuery,
    super::operator_api::OperatorQuery,
);

/// Which invoices to list. All conditions must hold.
#[derive(InputObject, Default)]
pub struct InvoiceFilter {
    /// Any of these statuses.
    pub status: Option<Vec<InvoiceStatus>>,
    /// Only this customer's invoices.
    pub customer_id: Option<ID>,
    /// Only invoices due before this date.
    pub due_before: Option<Date>,
    /// Invoice number, OCR or printed customer name contains this (case and
    /// accents ignored, but Å, Ä and Ö are letters of their own; at most 200
    /// characters).
    pub search: Option<String>,
    /// Only sent (`true`) or not yet sent (`false`) invoices.
    pub sent: Option<bool>,
    /// Only invoices with a sale in one of these statuses.
    pub sale_status: Option<Vec<super::types::sale::InvoiceSaleStatus>>,
    /// Only invoices handed to Nox Finans (`true`) or not (`false`).
    pub handed_to_nox_finans: Option<bool>,
}

impl InvoiceFilter {
    fn into_store(self) -> Result<StoreFilter, crate::error::AppError> {
        Ok(StoreFilter {
            states: self
                .status
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            customer_id: self
                .customer_id
                .map(|id| decode_id::<CustomerId>(&id, "filter.customerId"))
                .transpose()?,
            due_before: self.due_before.map(|d| d.0),
            search: crate::domain::search_text("filter.search", self.search)?,
            sent: self.sent,
            sale_statuses: self
                .sale_status
                .unwrap_or_default()
                .into_iter()
                .map(|s| crate::domain::sale::SaleStatus::from(s).as_str())
                .collect(),
            handed_to_nox: self.handed_to_nox_finans,
        })
    }
}

/// Everything a client can read.
// A list's arguments are its GraphQL arguments: filter, page and order.
#[allow(clippy::too_many_arguments)]
#[Object(serial)]
impl CoreQuery {
    /// Any object by its global ID; null when it does not exist or is not yours.
    /// Operators read any company's sale here, as with `invoiceSale`; every
    /// other kind takes a company token.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<SerialNode>> {
        let db = &state(ctx).db;
        let decoded = decode_any(&id);
        if let Some(AnyId::InvoiceSale(id)) = decoded {
            let reader = super::actor(ctx)?.reader()?;
            return Ok(by_id::get_in(db, reader, id)
                .await?
                .map(|s| SerialNode(Node::InvoiceSale(InvoiceSale::from(s)))));
        }
        let t = tenant(ctx)?;
        let node = match decoded {
            Some(AnyId::Company(id)) => by_id::get(db, t, id)
                .await?
                .map(|c| Node::Company(Company(c))),
            Some(AnyId::Customer(id)) => by_id::get(db, t, id)
                .await?
                .map(|c| Node::Customer(Customer::from(c))),
            Some(AnyId::Invoice(id)) => by_id::get(db, t, id)
                .await?
                .map(|i| Node::Invoice(Invoice::from(i))),
            Some(AnyId::NoxFinansCase(id)) => by_id::get(db, t, id)
                .await?
                .map(|c| Node::NoxFinansCase(super::types::nox::NoxFinansCase(c))),
            Some(AnyId::StatementEntry(id)) => by_id::get(db, t, id)
                .await?
                .map(|e| Node::StatementEntry(StatementEntry(e))),
            Some(AnyId::Voucher(id)) => by_id::get(db, t, id)
                .await?
                .map(|v| Node::Voucher(Voucher(v))),
            Some(AnyId::Notification(id)) => by_id::get(db, t, id)
                .await?
                .map(|m| Node::Notification(Notification(m))),
            _ => None,
        };
        Ok(node.map(SerialNode))
    }

    /// The company the token acts for.
    async fn viewer(&self, ctx: &Context<'_>) -> GqlResult<Company> {
        let t = tenant(ctx)?;
        Ok(Company(companies::get(&state(ctx).db, t).await?))
    }

    /// The company's customers, oldest first unless `orderBy` says otherwise.
    #[graphql(
        complexity = "crate::graphql::connection::list_cost(first.or(last), 10, child_complexity)"
    )]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Name, customer number or organisation number contains this (case and accents ignored, but Å, Ä and Ö are letters of their own; at most 200 characters). An organisation number or personnummer is found as typed, with or without its hyphen or century."
        )]
        search: Option<String>,
        #[graphql(desc = "Oldest first when not given.")] order_by: Option<CustomerOrder>,
        #[graphql(desc = "Page size, counted from the start.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size, counted from the end.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> GqlResult<CustomerConnection> {
        let t = tenant(ctx)?;
        let search =
            crate::domain::search_text("search", search).map_err(crate::error::AppError::from)?;
        let window = Window::both(first, after, last, before);
        let (sort, descending) = CustomerOrder::into_store(order_by);
        let listing = customers::listing(t, search.as_deref(), sort, descending);
        CustomerConnection::read(ctx, window, Customer::from, listing).await
    }

    /// One customer; null when it does not exist or is not yours.
    async fn customer(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Customer>> {
        let t = tenant(ctx)?;
        let n = decode_id::<CustomerId>(&id, "id")?;
        Ok(by_id::get(&state(ctx).db, t, n).await?.map(Customer::from))
    }

    /// The company's invoices, newest first.
    #[graphql(
        complexity = "crate::graphql::connection::list_cost(first.or(last), 10, child_complexity)"
    )]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which invoices to list.")] filter: Option<InvoiceFilter>,
        #[graphql(desc = "The order; newest first when not given.")] order_by: Option<InvoiceOrder>,
        #[graphql(desc = "Page size, counted from the start.")] first: Option<i32>,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size, counted from the end.")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> GqlResult<InvoiceConnection> {
        let t = tenant(ctx)?;
        let (_, req) = Window::both(first, after, last, before).request(ctx)?;
        let filter = filter.unwrap_or_default().into_store()?;
        invoice_page(ctx, t, filter, InvoiceOrder::into_store(order_by), req).await
    }

    /// One invoice; null when it does not exist or is not yours.
    async fn invoice(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Invoice>> {
        let t = tenant(ctx)?;
        let n = decode_id::<InvoiceId>(&id, "id")?;
        let along = Along {
            customer: ctx.look_ahead().field("customer").exists(),
            sale: false,
            width: crate::graphql::types::invoice::brief::width(ctx, [ctx.field()]),
        };
        let found = invoices::get_along(&state(ctx).db, t, n, along).await?;
        Ok(found.map(Invoice::from))
    }
}
